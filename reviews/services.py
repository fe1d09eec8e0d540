"""Writes for peer review, the instructor queue, grades and regrades.

Each function is atomic, validates with a message a person can act on, and fires its
emails on commit. The run (CohortAssignment) row is the lock that serialises everything
that allocates reviews for one assignment in one cohort.
"""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import CohortAssignment, RubricVersion, Submission, SubmissionStatus
from assignments.selectors import AssignmentSlot, assignment_slot_get, assignment_slots
from assignments.services import (
    cohort_assignment_get_or_create,
    rubric_scores_validate,
    rubric_snapshot,
    submission_transition,
    version_reviewer_copy,
)
from cms.models import AssignmentPage, InstructorGrading
from cohorts.models import CURRICULUM_ACCESS, Cohort, CohortStatus, Enrolment, EnrolmentStatus
from cohorts.selectors import cohort_access
from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from lms.models import User
from reviews import allocation, signals, tasks
from reviews.models import (
    REVIEW_TRANSITIONS,
    Grade,
    GradeSource,
    QueueItem,
    QueueReason,
    RegradeRequest,
    RegradeStatus,
    Review,
    ReviewKind,
    ReviewStatus,
)
from reviews.selectors import (
    grade_version,
    review_file_get,
    review_seat_annotate,
    review_seat_require,
)

# Passed as seen_version when the caller does not check for concurrent grade changes.
ANY_VERSION = object()

# --- Allocation -------------------------------------------------------------------------


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
            on_time.update(status=SubmissionStatus.IN_REVIEW, updated_at=now)
    run.allocated_at = now
    run.save(update_fields=["allocated_at", "updated_at"])
    late = Submission.objects.filter(
        cohort_assignment=run, is_late=True, status=SubmissionStatus.SUBMITTED
    )
    for submission in late:
        late_submission_allocate(submission=submission, run=run, slot=slot, now=now)
    if created:
        tasks.send_reviews_assigned_emails.delay_on_commit(run.pk, now.isoformat())
    return created


def late_submission_allocate(
    *, submission: Submission, run: CohortAssignment, slot: AssignmentSlot, now: dt.datetime
) -> int:
    """The rolling pool: a late submission gets up to k reviewers (those who still owe
    reviews first) and its author takes reviews of work still short of reviewers. The
    caller holds the run's lock."""
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
    for reviewer in {r for _s, r in pairs}:
        tasks.send_reviews_assigned_emails.delay_on_commit(run.pk, now.isoformat(), reviewer)
    return len(pairs)


@transaction.atomic
def overdue_reviews_reassign(*, run: CohortAssignment, now: dt.datetime | None = None) -> int:
    """Take overdue peer reviews away and give each to another reviewer, so no author
    waits on an absent peer. Returns the number of replacements made."""
    now = now or timezone.now()
    return _reviews_reassign(run, Q(due_at__lte=now), now)


@transaction.atomic
def departed_reviewer_reassign(
    *, run: CohortAssignment, reviewer_id: int, now: dt.datetime | None = None
) -> int:
    """The reviewer left the cohort: the peer reviews they still owe are taken away now
    and handed to present reviewers, exactly as overdue ones are."""
    return _reviews_reassign(run, Q(reviewer_id=reviewer_id), now or timezone.now())


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


def _reviews_reassign(run: CohortAssignment, lapsed: Q, now: dt.datetime) -> int:
    """Expire the run's open peer reviews matching ``lapsed`` and give the work that is
    now short of k reviews to present reviewers with the lowest load. Returns the number
    of replacements. The caller is atomic."""
    run = _locked_run(run)
    if run.closed_at is not None:
        return 0
    overdue = list(
        Review.objects.filter(
            lapsed,
            submission__cohort_assignment=run,
            kind=ReviewKind.PEER,
            status=ReviewStatus.ASSIGNED,
        ).values_list("pk", "submission_id", "reviewer_id")
    )
    if not overdue:
        return 0
    Review.objects.filter(pk__in=[pk for pk, _s, _r in overdue]).update(status=ReviewStatus.EXPIRED)
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
    for _pk, submission_id, _reviewer in overdue:
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
    for reviewer in {r.reviewer_id for r in replacements}:
        tasks.send_reviews_assigned_emails.delay_on_commit(run.pk, now.isoformat(), reviewer)
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
    Review.objects.filter(submission__cohort_assignment=run, status=ReviewStatus.ASSIGNED).update(
        status=ReviewStatus.EXPIRED
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


# --- Reviewing --------------------------------------------------------------------------


def review_transition(*, review: Review, to: str) -> Review:
    if to not in REVIEW_TRANSITIONS[review.status]:
        if review.status == ReviewStatus.SUBMITTED:
            raise Conflict(_("You have submitted this review already."), code="review_done")
        raise Conflict(
            _("This review passed its deadline and went to another reviewer."),
            code="review_expired",
        )
    review.status = to
    return review


@transaction.atomic
def review_submit(
    *,
    review: Review,
    by: User,
    scores: object,
    comment: str,
    now: dt.datetime | None = None,
) -> Review:
    now = now or timezone.now()
    review = (
        review_seat_annotate(
            Review.objects.select_for_update(of=("self",)).select_related(
                "rubric", "submission__cohort_assignment"
            ),
            person="reviewer",
        )
        .filter(pk=review.pk)
        .first()
    )
    if review is None or review.reviewer_id != by.pk:
        raise NotFound(_("You have no review with that id."))
    review_seat_require(seat=review.seat, missing=_("You have no review with that id."))
    comment = (comment or "").strip()
    if review.kind == ReviewKind.PEER and not comment:
        raise ValidationFailed(
            _("Add an overall comment: what works, and one thing to improve."),
            code="comment_missing",
            field="comment",
        )
    if len(comment) > 10_000:
        raise ValidationFailed(_("The comment is longer than 10,000 characters."), field="comment")
    clean = rubric_scores_validate(rubric=review.rubric, scores=scores)
    review_transition(review=review, to=ReviewStatus.SUBMITTED)
    review.scores = clean
    review.points = sum(s["points"] for s in clean.values())
    review.comment = comment
    review.submitted_at = now
    review.save()
    if review.kind == ReviewKind.PEER:
        tasks.send_feedback_received_email.delay_on_commit(review.pk)
        signals.send_on_commit(
            signals.review_submitted,
            Review,
            cohort_id=review.submission.cohort_assignment.cohort_id,
            user_id=review.reviewer_id,
        )
        _grade_from_peers_if_complete(review.submission_id, now)
    return review


@transaction.atomic
def review_rate(*, review: Review, by: User, helpfulness: int) -> Review:
    review = _received_review(review, by)
    if not isinstance(helpfulness, int) or not 1 <= helpfulness <= 5:
        raise ValidationFailed(
            _("Rate helpfulness from 1 (not helpful) to 5 (very helpful)."), field="helpfulness"
        )
    review.helpfulness = helpfulness
    review.save(update_fields=["helpfulness"])
    signals.send_on_commit(
        signals.review_rated,
        Review,
        cohort_id=review.submission.cohort_assignment.cohort_id,
        user_id=review.reviewer_id,
    )
    return review


@transaction.atomic
def review_flag(*, review: Review, by: User, reason: str, now: dt.datetime | None = None) -> Review:
    """The author reports a review as inappropriate; an instructor looks at it."""
    now = now or timezone.now()
    review = _received_review(review, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say what is wrong with this review, so the instructor can act on it."),
            field="reason",
        )
    if review.flagged_at is not None:
        raise Conflict(_("You have flagged this review already."), code="already_flagged")
    review.flagged_at = now
    review.flag_reason = reason[:2000]
    review.save(update_fields=["flagged_at", "flag_reason"])
    queue_add(submission=review.submission, reason=QueueReason.FLAGGED, now=now)
    return review


def review_file_prepare(*, review_id: uuid.UUID, user: User) -> tuple[FieldFile, str]:
    """The file of the work under review as its reviewer gets it: the copy without
    document metadata (made on the first download and kept), under a neutral name that
    says nothing of the author's own file name. Never the uploaded bytes: a file that
    cannot be cleaned is refused with a 409 ``file_withheld``.

    Not atomic itself: a failed cleaning is remembered (by version_reviewer_copy) even
    though the request is refused."""
    version, review = review_file_get(review_id=review_id, user=user)
    copy = version_reviewer_copy(version=version)
    if copy is None:
        raise Conflict(
            _(
                "This file type can't be shared anonymously, so it is not given to "
                "reviewers; review the author's text and link instead."
            ),
            code="file_withheld",
        )
    return copy.reviewer_file, f"submission-{review.public_id}.{copy.file_extension}"


def _received_review(review: Review, by: User) -> Review:
    missing = _("You received no review with that id.")
    review = (
        review_seat_annotate(
            Review.objects.select_for_update(of=("self",)).select_related(
                "submission__cohort_assignment"
            ),
            person="submission__author",
        )
        .filter(pk=review.pk, submission__author=by, kind=ReviewKind.PEER)
        .first()
    )
    if review is None:
        raise NotFound(missing)
    review_seat_require(seat=review.seat, missing=missing)
    if review.status != ReviewStatus.SUBMITTED:
        raise Conflict(_("This review has not been written yet."), code="review_not_done")
    return review


# --- Grades -----------------------------------------------------------------------------


def _percent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _final_percent(points: Decimal, max_points: int, penalty: int) -> Decimal:
    if max_points == 0:
        return Decimal("0.0")
    raw = points / Decimal(max_points) * 100
    return _percent(raw * (100 - penalty) / 100)


def peer_grade_compute(
    *, reviews: Iterable[Review], rubric: RubricVersion
) -> tuple[dict[str, dict], Decimal]:
    """The median of the peers' points per criterion, over the reviews that scored it."""
    criteria: dict[str, dict] = {}
    for criterion in rubric.criteria:
        given = [
            r.scores[criterion["id"]]["points"] for r in reviews if criterion["id"] in r.scores
        ]
        if given:
            criteria[criterion["id"]] = {
                "points": float(statistics.median(given)),
                "comment": "",
            }
    total = sum((Decimal(str(c["points"])) for c in criteria.values()), Decimal("0"))
    return criteria, total


def _grade_from_peers_if_complete(submission_id: int, now: dt.datetime) -> Grade | None:
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("cohort_assignment__assignment")
        .get(pk=submission_id)
    )
    assignment = submission.cohort_assignment.assignment
    if submission.status != SubmissionStatus.IN_REVIEW:
        return None
    done = list(
        submission.reviews.filter(kind=ReviewKind.PEER, status=ReviewStatus.SUBMITTED)
        .select_related("rubric")
        .order_by("submitted_at")
    )
    if len(done) < max(assignment.peer_reviews, 1):
        return None
    if assignment.instructor_grading == InstructorGrading.ALL:
        return None  # already in the queue; the instructor's grade will count
    done = done[: max(assignment.peer_reviews, 1)]  # extra reviews are feedback only
    rubric = done[0].rubric
    shares = [Decimal(r.points or 0) / Decimal(r.rubric.max_points or 1) * 100 for r in done]
    if max(shares) - min(shares) > assignment.disagreement_percent:
        queue_add(submission=submission, reason=QueueReason.DISAGREEMENT, now=now)
        return None
    criteria, total = peer_grade_compute(reviews=done, rubric=rubric)
    return _grade_write(
        submission=submission,
        source=GradeSource.PEERS,
        rubric=rubric,
        criteria=criteria,
        points=total,
        feedback="",
        by=None,
        release_at=now,
        reason="median of peer reviews",
        now=now,
    )


def _grade_write(
    *,
    submission: Submission,
    source: str,
    rubric: RubricVersion,
    criteria: dict,
    points: Decimal,
    feedback: str,
    by: User | None,
    release_at: dt.datetime,
    reason: str,
    now: dt.datetime,
) -> Grade:
    from assignments.deadlines import late_penalty_percent

    assignment = submission.cohort_assignment.assignment
    penalty = late_penalty_percent(assignment=assignment, days_late=submission.late_days)
    grade = Grade.objects.select_for_update().filter(submission=submission).first() or Grade(
        submission=submission
    )
    grade.source = source
    grade.rubric = rubric
    grade.criteria = criteria
    grade.points = _percent(Decimal(points))
    grade.max_points = rubric.max_points
    grade.late_penalty_percent = penalty
    grade.final_percent = _final_percent(Decimal(points), rubric.max_points, penalty)
    grade.feedback = feedback
    grade.graded_by = by
    grade.release_at = release_at
    grade.released_at = now if release_at <= now else None
    grade._change_reason = reason
    if by is not None:
        grade._history_user = by
    grade.save()
    submission_transition(submission=submission, to=SubmissionStatus.GRADED, reason=reason)
    if grade.released_at is not None:
        tasks.send_grade_released_email.delay_on_commit(grade.pk, grade.history.latest().pk)
        _announce_release(grade, submission)
    return grade


def _announce_release(grade: Grade, submission: Submission) -> None:
    signals.send_on_commit(
        signals.grade_released,
        Grade,
        cohort_id=submission.cohort_assignment.cohort_id,
        user_id=submission.author_id,
        grade_id=grade.pk,
    )


@transaction.atomic
def submission_grade(
    *,
    submission: Submission,
    by: User,
    scores: object,
    feedback: str = "",
    release_at: dt.datetime | None = None,
    reason: str = "",
    seen_version: int | object | None = ANY_VERSION,
    now: dt.datetime | None = None,
) -> Grade:
    """An instructor grades against the current rubric, overriding any peer result.

    Needs the queue item's lease when the submission is in the queue. ``seen_version``
    is the grade version the grader's form showed (None: no grade yet); when someone
    changed the grade since, the save is refused rather than silently overwriting it.
    """
    now = now or timezone.now()
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("cohort_assignment__cohort__course", "cohort_assignment__assignment")
        .get(pk=submission.pk)
    )
    _require_instructor(by, submission.cohort_assignment.cohort)
    item = _open_item(submission)
    if item is not None and _leased_by_other(item, by, now):
        raise Conflict(
            _("%(name)s is grading this submission right now; choose another one.")
            % {"name": item.leased_by.get_display_name()},
            code="leased_by_other",
        )
    if release_at is not None and release_at < now - dt.timedelta(minutes=1):
        raise ValidationFailed(
            _("Release the feedback now or at a moment in the future."), field="release_at"
        )
    if seen_version is not ANY_VERSION:
        current = Grade.objects.filter(submission=submission).select_related("graded_by").first()
        if grade_version(grade=current) != seen_version:
            who = current.graded_by.get_display_name() if current and current.graded_by else None
            raise Conflict(
                _("%(name)s changed this grade while you were grading; look at it and grade again.")
                % {"name": who or _("Someone")},
                code="grade_changed",
            )
    rubric = rubric_snapshot(assignment=submission.cohort_assignment.assignment)
    clean = rubric_scores_validate(rubric=rubric, scores=scores)
    feedback = (feedback or "").strip()
    if len(feedback) > 10_000:
        raise ValidationFailed(
            _("The feedback is longer than 10,000 characters."), field="feedback"
        )
    grade = _grade_write(
        submission=submission,
        source=GradeSource.INSTRUCTOR,
        rubric=rubric,
        criteria=clean,
        points=Decimal(sum(c["points"] for c in clean.values())),
        feedback=feedback,
        by=by,
        release_at=release_at or now,
        reason=(reason or "").strip()[:100] or "graded by instructor",
        now=now,
    )
    if item is not None:
        item.resolved_at, item.resolved_by = now, by
        item.save(update_fields=["resolved_at", "resolved_by"])
    regrade = RegradeRequest.objects.filter(
        submission=submission, status=RegradeStatus.OPEN
    ).first()
    if regrade is not None:
        _regrade_close(regrade, by=by, answer=feedback or _("Your grade was reviewed."), now=now)
    return grade


def grades_release_due(*, now: dt.datetime | None = None) -> int:
    """Release grades whose release moment has come; each release mails the student."""
    now = now or timezone.now()
    released = 0
    for grade_id in Grade.objects.filter(released_at__isnull=True, release_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            grade = (
                Grade.objects.select_for_update(of=("self",))
                .select_related("submission__cohort_assignment")
                .get(pk=grade_id)
            )
            if grade.released_at is not None:
                continue
            grade.released_at = now
            grade._change_reason = "released"
            grade.save(update_fields=["released_at", "updated_at"])
            tasks.send_grade_released_email.delay_on_commit(grade.pk, grade.history.latest().pk)
            _announce_release(grade, grade.submission)
            released += 1
    return released


# --- Regrades ---------------------------------------------------------------------------


@transaction.atomic
def regrade_request(
    *, submission: Submission, by: User, reason: str, now: dt.datetime | None = None
) -> RegradeRequest:
    now = now or timezone.now()
    submission = Submission.objects.select_for_update().filter(pk=submission.pk).first()
    if submission is None or submission.author_id != by.pk:
        raise NotFound(_("You have no submission with that id."))
    grade = Grade.objects.filter(submission=submission, released_at__isnull=False).first()
    if grade is None:
        raise Conflict(
            _("You can ask for a regrade once your grade is released."), code="not_graded"
        )
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationFailed(
            _("Explain in a sentence or two which part of the grade you question and why."),
            field="reason",
        )
    try:
        with transaction.atomic():
            regrade = RegradeRequest.objects.create(submission=submission, reason=reason[:5000])
    except IntegrityError:
        raise Conflict(
            _("You have asked for a regrade of this submission already; it can be asked once."),
            code="regrade_used",
        ) from None
    queue_add(submission=submission, reason=QueueReason.REGRADE, now=now)
    return regrade


@transaction.atomic
def regrade_answer(
    *,
    regrade: RegradeRequest,
    by: User,
    answer: str,
    scores: object | None = None,
    now: dt.datetime | None = None,
) -> RegradeRequest:
    """Answer a regrade request, keeping the grade or (with scores) changing it."""
    now = now or timezone.now()
    regrade = (
        RegradeRequest.objects.select_for_update(of=("self",))
        .select_related("submission__cohort_assignment__cohort")
        .filter(pk=regrade.pk)
        .first()
    )
    if regrade is None:
        raise NotFound(_("There is no regrade request with that id."))
    _require_instructor(by, regrade.submission.cohort_assignment.cohort)
    if regrade.status != RegradeStatus.OPEN:
        raise Conflict(_("This regrade request was answered already."), code="regrade_answered")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(_("Write an answer for the student."), field="answer")
    if scores is not None:
        submission_grade(
            submission=regrade.submission,
            by=by,
            scores=scores,
            feedback=answer,
            reason="regrade",
            now=now,
        )
        regrade.refresh_from_db()
        return regrade
    submission = regrade.submission
    item = _open_item(submission)
    if item is not None and _leased_by_other(item, by, now):
        raise Conflict(
            _("%(name)s is handling this submission right now.")
            % {"name": item.leased_by.get_display_name()},
            code="leased_by_other",
        )
    _regrade_close(regrade, by=by, answer=answer, now=now)
    if item is not None:
        item.resolved_at, item.resolved_by = now, by
        item.save(update_fields=["resolved_at", "resolved_by"])
    if submission.status == SubmissionStatus.WITH_INSTRUCTOR:
        submission_transition(
            submission=submission, to=SubmissionStatus.GRADED, reason="regrade kept"
        )
    return regrade


def _regrade_close(regrade: RegradeRequest, *, by: User, answer: str, now: dt.datetime) -> None:
    regrade.status = RegradeStatus.ANSWERED
    regrade.answer = answer[:5000]
    regrade.answered_by = by
    regrade.answered_at = now
    regrade.save()
    tasks.send_regrade_answered_email.delay_on_commit(regrade.pk)


# --- Instructor queue -------------------------------------------------------------------


def queue_add(*, submission: Submission, reason: str, now: dt.datetime) -> QueueItem:
    """Put a submission in front of an instructor, or add a reason to its open item."""
    item = (
        QueueItem.objects.select_for_update()
        .filter(submission=submission, resolved_at__isnull=True)
        .first()
    )
    if item is None:
        item = QueueItem.objects.create(
            submission=submission,
            cohort_id=submission.cohort_assignment.cohort_id,
            reasons=[reason],
            entered_at=now,
        )
    elif reason not in item.reasons:
        item.reasons = [*item.reasons, reason]
        item.save(update_fields=["reasons"])
    if submission.status != SubmissionStatus.WITH_INSTRUCTOR:
        submission_transition(
            submission=submission, to=SubmissionStatus.WITH_INSTRUCTOR, reason=reason
        )
    return item


def _queue_many(submissions, cohort_id: int, reason: str, now: dt.datetime) -> int:
    """Queue a set of submissions in two statements (allocation and closing touch every
    submission of an assignment at once)."""
    ids = list(submissions.values_list("pk", flat=True))
    if not ids:
        return 0
    already = set(
        QueueItem.objects.filter(submission_id__in=ids, resolved_at__isnull=True).values_list(
            "submission_id", flat=True
        )
    )
    QueueItem.objects.bulk_create(
        [
            QueueItem(submission_id=pk, cohort_id=cohort_id, reasons=[reason], entered_at=now)
            for pk in ids
            if pk not in already
        ]
    )
    Submission.objects.filter(pk__in=ids).update(
        status=SubmissionStatus.WITH_INSTRUCTOR, updated_at=now
    )
    return len(ids) - len(already)


def _lease_length() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LMS_GRADING_LEASE_MINUTES)


def _open_item(submission: Submission) -> QueueItem | None:
    return (
        QueueItem.objects.select_for_update(of=("self",))
        .select_related("leased_by")
        .filter(submission=submission, resolved_at__isnull=True)
        .first()
    )


def _leased_by_other(item: QueueItem, user: User, now: dt.datetime) -> bool:
    return (
        item.leased_by_id is not None
        and item.leased_by_id != user.pk
        and item.lease_expires_at is not None
        and item.lease_expires_at > now
    )


def _require_instructor(user: User, cohort: Cohort) -> None:
    if cohort_access(user=user, cohort=cohort).role not in ("instructor", "staff"):
        raise NotAllowed(_("Only this cohort's instructors grade its work."), code="not_instructor")


@transaction.atomic
def queue_claim_next(
    *, cohort: Cohort, by: User, now: dt.datetime | None = None
) -> QueueItem | None:
    """Lease the oldest waiting item to this instructor, or return the one they hold.

    Rows another instructor is claiming at this moment are skipped (SKIP LOCKED), so
    twenty instructors pressing "grade next" together get twenty different items.
    """
    now = now or timezone.now()
    _require_instructor(by, cohort)
    open_items = QueueItem.objects.filter(cohort=cohort, resolved_at__isnull=True)
    held = (
        open_items.select_for_update(skip_locked=True)
        .filter(leased_by=by, lease_expires_at__gt=now)
        .order_by("entered_at", "pk")
        .first()
    )
    item = held or (
        open_items.select_for_update(skip_locked=True)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .order_by("entered_at", "pk")
        .first()
    )
    if item is None:
        return None
    item.leased_by = by
    item.lease_expires_at = now + _lease_length()
    item.save(update_fields=["leased_by", "lease_expires_at"])
    return item


@transaction.atomic
def queue_item_resolve(
    *, item: QueueItem, by: User, note: str, now: dt.datetime | None = None
) -> QueueItem:
    """Close an item without changing the grade (a flag that needs no regrade, say).
    Only for work that has a grade; anything else must be graded."""
    now = now or timezone.now()
    item = (
        QueueItem.objects.select_for_update(of=("self",))
        .select_related("submission__cohort_assignment__cohort", "leased_by")
        .filter(pk=item.pk)
        .first()
    )
    if item is None:
        raise NotFound(_("There is no queue item with that id."))
    submission = item.submission
    _require_instructor(by, submission.cohort_assignment.cohort)
    if item.resolved_at is not None:
        raise Conflict(_("This item was handled already."), code="already_resolved")
    if _leased_by_other(item, by, now):
        raise Conflict(
            _("%(name)s is handling this submission right now.")
            % {"name": item.leased_by.get_display_name()},
            code="leased_by_other",
        )
    if not Grade.objects.filter(submission=submission).exists():
        raise Conflict(
            _("This submission has no grade yet; grade it to take it off the queue."),
            code="not_graded",
        )
    if RegradeRequest.objects.filter(submission=submission, status=RegradeStatus.OPEN).exists():
        raise Conflict(
            _("Answer the student's regrade request to take this off the queue."),
            code="regrade_open",
        )
    item.note = (note or "").strip()[:2000]
    item.resolved_at, item.resolved_by = now, by
    item.save(update_fields=["note", "resolved_at", "resolved_by"])
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    submission_transition(submission=submission, to=SubmissionStatus.GRADED, reason="kept")
    return item


@transaction.atomic
def queue_item_release(*, item: QueueItem, by: User) -> QueueItem:
    """Give a claimed item back to the queue without grading it."""
    item = (
        QueueItem.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .filter(pk=item.pk)
        .first()
    )
    if item is None:
        raise NotFound(_("There is no queue item with that id."))
    _require_instructor(by, item.cohort)
    if item.resolved_at is not None:
        raise Conflict(_("This item was handled already."), code="already_resolved")
    if item.leased_by_id != by.pk:
        raise Conflict(_("You do not hold this item."), code="not_leased")
    item.leased_by = None
    item.lease_expires_at = None
    item.save(update_fields=["leased_by", "lease_expires_at"])
    return item


# --- The periodic tick ------------------------------------------------------------------


def review_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Everything time moves forward: allocate at deadlines, reassign overdue reviews,
    close review periods, release scheduled grades. Each step is idempotent and runs in
    its own transaction per assignment, so a crash loses at most one step's work."""
    now = now or timezone.now()
    counts = {"allocated": 0, "reassigned": 0, "queued": 0, "released": 0}
    for run in _runs_due_for_allocation(now):
        counts["allocated"] += peer_reviews_allocate(run=run, now=now)
    overdue_runs = (
        CohortAssignment.objects.filter(
            closed_at__isnull=True,
            submissions__reviews__status=ReviewStatus.ASSIGNED,
            submissions__reviews__kind=ReviewKind.PEER,
            submissions__reviews__due_at__lte=now,
        )
        .distinct()
        .select_related("cohort__course")
    )
    for run in overdue_runs:
        counts["reassigned"] += overdue_reviews_reassign(run=run, now=now)
    for run in CohortAssignment.objects.filter(
        allocated_at__isnull=False, closed_at__isnull=True
    ).select_related("cohort__course"):
        slot = _slot_or_none(run, now)
        if slot is None or now >= slot.deadlines.review_closes_at:
            counts["queued"] += peer_review_close(run=run, now=now)
    counts["released"] = grades_release_due(now=now)
    return counts


def _slot_or_none(run: CohortAssignment, now: dt.datetime) -> AssignmentSlot | None:
    try:
        return assignment_slot_get(cohort=run.cohort, assignment_id=run.assignment_id, now=now)
    except NotFound:
        return None


def _runs_due_for_allocation(now: dt.datetime) -> list[CohortAssignment]:
    """Runs whose deadline has passed and that are not allocated yet, created on the
    way for assignments nobody has handed in to (so they close like the others)."""
    horizon = now.date() + dt.timedelta(days=1)
    recent = now.date() - dt.timedelta(days=120)
    cohorts = Cohort.objects.filter(
        status=CohortStatus.SCHEDULED, starts_on__lte=horizon, ends_on__gte=recent
    ).select_related("course")
    due: list[CohortAssignment] = []
    for cohort in cohorts:
        allocated = set(
            CohortAssignment.objects.filter(cohort=cohort, allocated_at__isnull=False).values_list(
                "assignment_id", flat=True
            )
        )
        for slot in assignment_slots(cohort=cohort, now=now):
            if slot.assignment.pk in allocated or now < slot.deadlines.due_at:
                continue
            due.append(cohort_assignment_get_or_create(cohort=cohort, assignment=slot.assignment))
    return due
