"""Handing out peer reviews: at the deadline, for late work (the rolling pool), again
for reviews that went overdue or whose reviewer left, and closing the review period.

The run (CohortAssignment) row is the lock that serialises everything that allocates
reviews for one assignment in one cohort."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from assignments.models import (
    SUBMISSION_MACHINE,
    CohortAssignment,
    Submission,
    SubmissionStatus,
)
from assignments.selectors import AssignmentSlot, assignment_slot_get
from assignments.services import rubric_snapshot, submission_transition
from cms.models import AssignmentPage, InstructorGrading
from cohorts.models import CURRICULUM_ACCESS, Enrolment, EnrolmentStatus
from lms.errors import NotFound
from reviews import allocation, notices
from reviews.models import REVIEW_MACHINE, QueueReason, Review, ReviewKind, ReviewStatus
from reviews.services.queue import _queue_many, queue_add


def _locked_run(run: CohortAssignment) -> CohortAssignment:
    """The run row, locked: everything that allocates reviews for it queues up here."""
    return (
        CohortAssignment.objects.select_for_update(of=("self",))
        .select_related("cohort__course")
        .get(pk=run.pk)
    )


def _review_due(assignment: AssignmentPage, slot: AssignmentSlot, now: dt.datetime):
    turnaround = dt.timedelta(hours=assignment.review_turnaround_hours)
    return min(now + turnaround, slot.deadlines.review_closes_at)


@transaction.atomic
def peer_reviews_allocate(*, run: CohortAssignment, now: dt.datetime | None = None) -> int:
    """At the deadline: allocate the on-time submissions to peer reviewers, then any late
    ones already in. Idempotent: the run row is locked and marked in the same
    transaction, so a second run (or a retry after a crash) finds it done."""
    now = now or timezone.now()
    run = _locked_run(run)
    if run.allocated_at is not None:
        return 0
    slot = assignment_slot_get(cohort=run.cohort, assignment_id=run.assignment_id, now=now)
    if now < slot.deadlines.due_at:
        return 0
    assignment = slot.assignment
    on_time = Submission.objects.filter(
        cohort_assignment=run, is_late=False, status=SubmissionStatus.SUBMITTED
    )
    submitted = on_time.count()
    created = 0
    if submitted:
        rubric = rubric_snapshot(assignment=assignment)
        k = min(assignment.peer_reviews, submitted - 1)
        due_at = _review_due(assignment, slot, now)
        created = allocation.allocate_on_time(
            run_id=run.pk, k=k, rubric_id=rubric.pk, now=now, due_at=due_at
        )
        if assignment.self_assessment:
            allocation.allocate_self_reviews(
                run_id=run.pk,
                rubric_id=rubric.pk,
                now=now,
                due_at=slot.deadlines.review_closes_at,
            )
        if assignment.instructor_grading == InstructorGrading.ALL or not assignment.peer_reviews:
            _queue_many(on_time, run.cohort_id, QueueReason.ALL_GRADED, now)
        if k > 0 or assignment.self_assessment:
            # Read again: work just queued for an instructor is no longer "submitted".
            SUBMISSION_MACHINE.move_many(
                on_time.select_for_update().order_by("pk"),
                SubmissionStatus.IN_REVIEW,
                reason="peer reviews allocated",
                changes={"updated_at": now},
            )
    run.allocated_at = now
    run.save(update_fields=["allocated_at", "updated_at"])
    late = Submission.objects.filter(
        cohort_assignment=run, is_late=True, status=SubmissionStatus.SUBMITTED
    )
    late_pairs = sum(
        late_submission_allocate(submission=submission, run=run, slot=slot, now=now, notify=False)
        for submission in late
    )
    if created or late_pairs:
        # Once, after every review of this moment exists: each reviewer is told the
        # full number they got.
        notices.reviews_assigned_notify(run_id=run.pk, at=now)
    return created


def late_submission_allocate(
    *,
    submission: Submission,
    run: CohortAssignment,
    slot: AssignmentSlot,
    now: dt.datetime,
    notify: bool = True,
) -> int:
    """The rolling pool: a late submission gets up to k reviewers (those who still owe
    reviews first) and its author takes reviews of work still short of reviewers. The
    caller holds the run's lock; with ``notify=False`` it tells the reviewers itself."""
    assignment = slot.assignment
    if run.closed_at is not None or now >= slot.deadlines.review_closes_at:
        queue_add(submission=submission, reason=QueueReason.LATE, now=now)
        return 0
    if assignment.instructor_grading == InstructorGrading.ALL or not assignment.peer_reviews:
        queue_add(submission=submission, reason=QueueReason.ALL_GRADED, now=now)
    k = assignment.peer_reviews
    if k == 0:
        return 0
    rubric = rubric_snapshot(assignment=assignment)
    due_at = _review_due(assignment, slot, now)
    pool = allocation.ReviewerPool(run.pk)
    pairs = [(submission.pk, r) for r in pool.reviewers_for(submission.pk, k)]
    for reviewer in (r for _s, r in pairs):
        pool.add(submission.pk, reviewer)
    pairs += [(s, submission.author_id) for s in pool.submissions_for(submission.author_id, k, k)]
    reviews = [
        Review(
            submission_id=s,
            reviewer_id=r,
            rubric=rubric,
            assigned_at=now,
            due_at=due_at,
        )
        for s, r in pairs
    ]
    if assignment.self_assessment:
        reviews.append(
            Review(
                submission=submission,
                reviewer_id=submission.author_id,
                rubric=rubric,
                kind=ReviewKind.SELF,
                assigned_at=now,
                due_at=slot.deadlines.review_closes_at,
            )
        )
    Review.objects.bulk_create(reviews)
    if (
        any(s == submission.pk for s, _r in pairs)
        and submission.status == SubmissionStatus.SUBMITTED
    ):
        submission_transition(submission=submission, to=SubmissionStatus.IN_REVIEW)
    if notify:
        for reviewer in sorted({r for _s, r in pairs}):
            notices.reviews_assigned_notify(run_id=run.pk, at=now, reviewer_id=reviewer)
    return len(pairs)


@transaction.atomic
def overdue_reviews_reassign(*, run: CohortAssignment, now: dt.datetime | None = None) -> int:
    """Take overdue peer reviews away and give each to another reviewer, so no author
    waits on an absent peer. Returns the number of replacements made."""
    now = now or timezone.now()
    return _reviews_reassign(run, Q(due_at__lte=now), now, reason="overdue")


@transaction.atomic
def departed_reviewer_reassign(
    *, run: CohortAssignment, reviewer_id: int, now: dt.datetime | None = None
) -> int:
    """The reviewer left the cohort: the peer reviews they still owe are taken away now
    and handed to present reviewers, exactly as overdue ones are."""
    return _reviews_reassign(
        run, Q(reviewer_id=reviewer_id), now or timezone.now(), reason="reviewer left"
    )


def departed_reviews_reassign(*, cohort_id: int, user_id: int, now: dt.datetime | None = None):
    """A student's seat in a cohort ended (left, refunded, deferred elsewhere, cancelled
    while suspended): hand every peer review they still owe there to present reviewers,
    so nobody's work waits for them until the review would go overdue. Each assignment
    in its own transaction under its run lock; safe to run twice (the second run finds
    nothing owed), and nothing is taken from a student who holds a seat again (enrolled
    anew) or is only suspended: a suspended student keeps their reviews until these go
    overdue, as they may pay and return within days."""
    now = now or timezone.now()
    if Enrolment.objects.filter(
        cohort_id=cohort_id,
        user_id=user_id,
        status__in=(*CURRICULUM_ACCESS, EnrolmentStatus.SUSPENDED),
    ).exists():
        return 0
    runs = (
        CohortAssignment.objects.filter(
            cohort_id=cohort_id,
            closed_at__isnull=True,
            submissions__reviews__reviewer_id=user_id,
            submissions__reviews__kind=ReviewKind.PEER,
            submissions__reviews__status=ReviewStatus.ASSIGNED,
        )
        .distinct()
        .select_related("cohort__course")
    )
    return sum(departed_reviewer_reassign(run=run, reviewer_id=user_id, now=now) for run in runs)


def _reviews_expire(reviews: QuerySet[Review], *, reason: str) -> list[Review]:
    """Lock the open reviews and expire them, one history row each."""
    expired = list(reviews.select_for_update(of=("self",)).order_by("pk"))
    REVIEW_MACHINE.move_many(expired, ReviewStatus.EXPIRED, reason=reason)
    return expired


def _reviews_reassign(run: CohortAssignment, lapsed: Q, now: dt.datetime, *, reason: str) -> int:
    """Expire the run's open peer reviews matching ``lapsed`` and give the work that is
    now short of k reviews to present reviewers with the lowest load. Returns the number
    of replacements. The caller is atomic."""
    run = _locked_run(run)
    if run.closed_at is not None:
        return 0
    overdue = _reviews_expire(
        Review.objects.filter(
            lapsed,
            submission__cohort_assignment=run,
            kind=ReviewKind.PEER,
            status=ReviewStatus.ASSIGNED,
        ),
        reason=reason,
    )
    if not overdue:
        return 0
    try:
        slot = assignment_slot_get(cohort=run.cohort, assignment_id=run.assignment_id, now=now)
    except NotFound:  # the assignment was unpublished: nothing to hand out any more
        return 0
    if now >= slot.deadlines.review_closes_at:
        return 0  # closing takes over: what is short goes to an instructor
    pool = allocation.ReviewerPool(run.pk)
    rubric = rubric_snapshot(assignment=slot.assignment)
    due_at = _review_due(slot.assignment, slot, now)
    replacements = []
    k = slot.assignment.peer_reviews
    for submission_id in (review.submission_id for review in overdue):
        # Only work that is now short of k live reviews needs a replacement.
        if submission_id not in pool.ungraded or pool.active[submission_id] >= k:
            continue
        for reviewer in pool.reviewers_for(submission_id, 1):
            if reviewer in pool.absent:
                continue  # only absent peers left: an instructor will pick it up
            pool.add(submission_id, reviewer)
            replacements.append(
                Review(
                    submission_id=submission_id,
                    reviewer_id=reviewer,
                    rubric=rubric,
                    assigned_at=now,
                    due_at=due_at,
                )
            )
    Review.objects.bulk_create(replacements)
    if replacements:
        notices.reviews_assigned_notify(run_id=run.pk, at=now)
    return len(replacements)


@transaction.atomic
def peer_review_close(*, run: CohortAssignment, now: dt.datetime | None = None) -> int:
    """At the end of the review period: open reviews expire, and every submission still
    short of k completed peer reviews goes to the instructor queue with that reason.
    Returns the number queued."""
    now = now or timezone.now()
    run = _locked_run(run)
    if run.closed_at is not None:
        return 0
    _reviews_expire(
        Review.objects.filter(submission__cohort_assignment=run, status=ReviewStatus.ASSIGNED),
        reason="review period closed",
    )
    k = AssignmentPage.objects.values_list("peer_reviews", flat=True).get(pk=run.assignment_id)
    short = (
        Submission.objects.filter(
            cohort_assignment=run,
            status__in=(SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW),
        )
        .annotate(
            done=Count(
                "reviews",
                filter=Q(reviews__kind=ReviewKind.PEER, reviews__status=ReviewStatus.SUBMITTED),
            )
        )
        .filter(done__lt=max(k, 1))
    )
    queued = _queue_many(short, run.cohort_id, QueueReason.SHORT_OF_REVIEWS, now)
    run.closed_at = now
    run.save(update_fields=["closed_at", "updated_at"])
    return queued
