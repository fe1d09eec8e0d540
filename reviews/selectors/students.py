"""Reads for the student's side: an assignment with its feedback and grade, the reviews
to write, and whose seat lets them see which review.

Students never get the other side's identity from here: reviewers see a submission's
content under a neutral label, authors see "Reviewer 1, 2, 3"."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import CohortAssignment, Submission, SubmissionVersion
from assignments.selectors import (
    AssignmentSlot,
    assignment_slot_get,
    assignment_slots,
    my_submission,
)
from cohorts.models import CURRICULUM_ACCESS, LIVE_STATUSES, Cohort, Enrolment, EnrolmentStatus
from cohorts.selectors import CohortAccess, cohort_access, cohort_get
from lms.errors import NotAllowed, NotFound
from lms.models import User
from reviews.models import Grade, RegradeRequest, Review, ReviewKind, ReviewStatus


@dataclass
class ReceivedReview:
    """A review of my work, as I may see it: numbered, never named."""

    label: str
    review: Review


@dataclass
class AssignmentView:
    cohort: Cohort
    access: CohortAccess
    slot: AssignmentSlot
    submission: Submission | None
    versions: list[SubmissionVersion]
    received: list[ReceivedReview]
    self_review: Review | None
    grade: Grade | None  # only once released
    regrade: RegradeRequest | None
    to_give: list[Review]
    now: dt.datetime

    @property
    def readable(self) -> bool:
        return self.slot.is_open or self.access.reads_locked

    @property
    def can_submit(self) -> bool:
        if self.access.enrolment is None or self.access.enrolment.status != EnrolmentStatus.ACTIVE:
            return False
        if self.submission is not None:
            return self.slot.accepts_revisions(self.now)
        return self.slot.accepts_work(self.now)

    @property
    def is_late_now(self) -> bool:
        return self.slot.deadlines.is_late(self.now)

    @property
    def late_penalty_now(self) -> int:
        from assignments.deadlines import late_days, late_penalty_percent

        days = late_days(due_at=self.slot.deadlines.due_at, submitted_at=self.now)
        return late_penalty_percent(assignment=self.slot.assignment, days_late=days)

    @property
    def can_request_regrade(self) -> bool:
        return self.grade is not None and self.regrade is None


def assignment_view_get(
    *, cohort_id: int, assignment_id: int, user: User, now: dt.datetime | None = None
) -> AssignmentView:
    """An assignment page for a student (or an instructor looking as one). While the
    module is locked the caller shows the unlock notice and none of the content."""
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    slot = assignment_slot_get(
        cohort=cohort, assignment_id=assignment_id, now=now, enrolment=access.enrolment
    )
    run = CohortAssignment.objects.filter(cohort=cohort, assignment_id=assignment_id).first()
    # Reviews given and received belong to the student's seat: someone who reads the
    # cohort as its instructor or staff (a former student, say) sees none of them.
    student = access.enrolment is not None
    submission = my_submission(cohort_assignment=run, user=user) if student else None
    received: list[ReceivedReview] = []
    self_review = grade = regrade = None
    if submission is not None:
        reviews = list(
            submission.reviews.filter(status=ReviewStatus.SUBMITTED)
            .select_related("rubric")
            .order_by("submitted_at", "pk")
        )
        peers = [r for r in reviews if r.kind == ReviewKind.PEER]
        received = [
            ReceivedReview(label=_("Reviewer %(n)s") % {"n": i}, review=r)
            for i, r in enumerate(peers, start=1)
        ]
        self_review = next((r for r in reviews if r.kind == ReviewKind.SELF), None)
        grade = Grade.objects.filter(submission=submission, released_at__isnull=False).first()
        regrade = RegradeRequest.objects.filter(submission=submission).first()
    to_give = (
        list(
            Review.objects.filter(
                submission__cohort_assignment=run, reviewer=user, kind=ReviewKind.PEER
            )
            .exclude(status=ReviewStatus.EXPIRED)
            .order_by("due_at", "pk")
        )
        if run is not None and student
        else []
    )
    return AssignmentView(
        cohort=cohort,
        access=access,
        slot=slot,
        submission=submission,
        versions=list(submission.versions.all()) if submission else [],
        received=received,
        self_review=self_review,
        grade=grade,
        regrade=regrade,
        to_give=to_give,
        now=now,
    )


def review_seat_annotate(reviews: QuerySet[Review], *, person: str) -> QuerySet[Review]:
    """Add ``seat``: the status of ``person``'s (``"reviewer"`` or
    ``"submission__author"``) live enrolment in the review's cohort, None without one.
    In the same query, so checking it costs nothing extra."""
    return reviews.annotate(
        seat=Subquery(
            Enrolment.objects.filter(
                user=OuterRef(person),
                cohort=OuterRef("submission__cohort_assignment__cohort"),
                status__in=LIVE_STATUSES,
            )
            .order_by("-pk")
            .values("status")[:1]
        )
    )


def review_seat_require(*, seat: str | None, missing: str) -> None:
    """Reviews, given or received, are for students whose seat gives access to the
    cohort: active, or completed (the archive after the term). The rule is the one
    cohorts.selectors.cohort_access applies to the curriculum. A student who left (or
    was refunded, or deferred to another cohort) has no reviews here any more, as if
    they never had; a suspended one is told why and how to get them back."""
    if seat in CURRICULUM_ACCESS:
        return
    if seat == EnrolmentStatus.SUSPENDED:
        raise NotAllowed(
            _(
                "Your seat in this cohort is suspended until the overdue instalment is "
                "paid; your peer reviews open again as soon as it is."
            ),
            code="enrolment_suspended",
        )
    if seat is not None:
        raise NotAllowed(
            _("Your seat in this cohort is not active yet; peer reviews open once it is."),
            code="enrolment_not_active",
        )
    raise NotFound(missing)


def review_get(*, review_id: uuid.UUID, user: User) -> Review:
    """A review the user was given to write, with what they need to write it: the rubric
    and the submission's latest version. Other people's reviews do not exist for them,
    nor do their own once they left the cohort."""
    missing = _("You have no review with that id.")
    review = (
        review_seat_annotate(
            Review.objects.select_related(
                "rubric",
                "submission__cohort_assignment__assignment",
                "submission__cohort_assignment__cohort__course",
            ),
            person="reviewer",
        )
        .filter(public_id=review_id, reviewer=user)
        .first()
        if user.is_authenticated
        else None
    )
    if review is None:
        raise NotFound(missing)
    review_seat_require(seat=review.seat, missing=missing)
    if review.status == ReviewStatus.EXPIRED:
        # The work went to another reviewer; the one who let it lapse no longer reads it.
        raise NotFound(
            _("This review passed its deadline and went to another reviewer."),
            code="review_expired",
        )
    return review


def review_file_get(*, review_id: uuid.UUID, user: User) -> tuple[SubmissionVersion, Review]:
    """The latest version of the work a reviewer was given, for its file download."""
    review = review_get(review_id=review_id, user=user)
    version = review_version(review=review)
    if not version.file:
        raise NotFound(_("There is no file with that address."))
    return version, review


def review_version(*, review: Review) -> SubmissionVersion:
    """The version a reviewer reads: the latest one handed in (revisions stop at the
    deadline, before reviews are allocated)."""
    version = review.submission.versions.order_by("-number").first()
    if version is None:
        raise NotFound(_("This submission has no content."))
    return version


def received_review_get(*, review_id: uuid.UUID, user: User) -> Review:
    """A peer review of the user's work, for rating or reporting it."""
    missing = _("You received no review with that id.")
    review = (
        review_seat_annotate(
            Review.objects.select_related("submission__cohort_assignment"),
            person="submission__author",
        )
        .filter(public_id=review_id, submission__author=user, kind=ReviewKind.PEER)
        .first()
        if user.is_authenticated
        else None
    )
    if review is None:
        raise NotFound(missing)
    review_seat_require(seat=review.seat, missing=missing)
    return review


@dataclass
class ReviewsOwed:
    cohort: Cohort
    open: list[Review]
    done: list[Review]


def my_reviews(*, cohort_id: int, user: User) -> ReviewsOwed:
    """Reviews I have to give in a cohort, and the ones I gave. 3 queries.

    Only a seat that gives access lists them (cohort_access refuses a student who left
    or is suspended); an instructor or staff member has none to give here, even one who
    was once a student of the cohort."""
    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    rows = (
        list(
            Review.objects.filter(
                submission__cohort_assignment__cohort=cohort, reviewer=user, kind=ReviewKind.PEER
            )
            .exclude(status=ReviewStatus.EXPIRED)
            .select_related("submission__cohort_assignment__assignment")
            .order_by("due_at", "pk")
        )
        if access.enrolment is not None
        else []
    )
    return ReviewsOwed(
        cohort=cohort,
        open=[r for r in rows if r.status == ReviewStatus.ASSIGNED],
        done=[r for r in rows if r.status == ReviewStatus.SUBMITTED],
    )


@dataclass
class DueItem:
    slot: AssignmentSlot
    submission_status: str | None


@dataclass
class StudentWork:
    """The assignment part of a student's dashboard."""

    due: list[DueItem]
    reviews_owed: list[Review]
    feedback: list[Review]
    grades: list[Grade]


def student_work_get(
    *,
    cohort: Cohort,
    user: User,
    now: dt.datetime | None = None,
    enrolment: Enrolment | None = None,
) -> StudentWork:
    """Work due, reviews owed, feedback received and grades, on the student's schedule
    (``enrolment``: a self-paced member's own calendar). 7 queries."""
    now = now or timezone.now()
    slots = assignment_slots(cohort=cohort, now=now, enrolment=enrolment)
    statuses = dict(
        Submission.objects.filter(cohort_assignment__cohort=cohort, author=user).values_list(
            "cohort_assignment__assignment_id", "status"
        )
    )
    due = [
        DueItem(slot=s, submission_status=statuses.get(s.assignment.pk))
        for s in slots
        if s.is_open and (now < s.deadlines.cutoff_at) and s.assignment.pk not in statuses
    ]
    reviews_owed = list(
        Review.objects.filter(
            submission__cohort_assignment__cohort=cohort,
            reviewer=user,
            kind=ReviewKind.PEER,
            status=ReviewStatus.ASSIGNED,
        )
        .select_related("submission__cohort_assignment__assignment")
        .order_by("due_at")
    )
    feedback = list(
        Review.objects.filter(
            submission__cohort_assignment__cohort=cohort,
            submission__author=user,
            kind=ReviewKind.PEER,
            status=ReviewStatus.SUBMITTED,
        )
        .select_related("submission__cohort_assignment__assignment")
        .order_by("-submitted_at")[:10]
    )
    grades = list(
        Grade.objects.filter(
            submission__cohort_assignment__cohort=cohort,
            submission__author=user,
            released_at__isnull=False,
        )
        .select_related("submission__cohort_assignment__assignment")
        .order_by("-released_at")
    )
    return StudentWork(due=due, reviews_owed=reviews_owed, feedback=feedback, grades=grades)


def self_review_open(*, submission: Submission | None) -> Review | None:
    """The self-assessment the author still has to write, if any. AssignmentView only
    carries a submitted one, and my_reviews lists peer reviews only."""
    if submission is None:
        return None
    return (
        Review.objects.filter(
            submission=submission, kind=ReviewKind.SELF, status=ReviewStatus.ASSIGNED
        )
        .order_by("pk")
        .first()
    )


def own_submission_get(*, submission_id: int, user: User) -> Submission:
    """The user's own submission; anyone else's, or an unknown id, is NotFound."""
    submission = (
        Submission.objects.filter(pk=submission_id, author=user).first()
        if user.is_authenticated
        else None
    )
    if submission is None:
        raise NotFound(_("You have no submission with that id."))
    return submission
