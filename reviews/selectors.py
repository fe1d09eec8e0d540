"""Reads for peer review, feedback, the instructor queue and overviews.

Students never get the other side's identity from here: reviewers see a submission's
content under a neutral label, authors see "Reviewer 1, 2, 3". Each page-level selector
costs a fixed number of queries whatever the number of rows; tests pin those numbers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import (
    CohortAssignment,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
)
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
from reviews.models import (
    Grade,
    QueueItem,
    RegradeRequest,
    Review,
    ReviewKind,
    ReviewStatus,
)

# --- Emails -----------------------------------------------------------------------------


def reviews_assigned_at(
    *, run_id: int, at: dt.datetime, reviewer_id: int | None = None
) -> dict[int, dict]:
    """Reviewer id → {"count", "due_at", "assignment", "cohort"} for reviews handed out
    at moment ``at`` in a run and still to do."""
    rows = Review.objects.filter(
        submission__cohort_assignment_id=run_id,
        assigned_at=at,
        status=ReviewStatus.ASSIGNED,
        kind=ReviewKind.PEER,
    )
    if reviewer_id is not None:
        rows = rows.filter(reviewer_id=reviewer_id)
    run = CohortAssignment.objects.select_related("assignment", "cohort").filter(pk=run_id).first()
    if run is None:
        return {}
    result: dict[int, dict] = {}
    for reviewer, count, due_at in (
        rows.values("reviewer_id")
        .annotate(n=Count("pk"), due=Min("due_at"))
        .values_list("reviewer_id", "n", "due")
    ):
        result[reviewer] = {
            "count": count,
            "due_at": due_at,
            "assignment": run.assignment,
            "cohort": run.cohort,
        }
    return result


def review_for_email(*, review_id: int) -> Review | None:
    return (
        Review.objects.select_related(
            "submission__author",
            "submission__cohort_assignment__assignment",
            "submission__cohort_assignment__cohort",
        )
        .filter(pk=review_id, status=ReviewStatus.SUBMITTED)
        .first()
    )


def grade_for_email(*, grade_id: int) -> Grade | None:
    return (
        Grade.objects.select_related(
            "submission__author",
            "submission__cohort_assignment__assignment",
            "submission__cohort_assignment__cohort",
        )
        .filter(pk=grade_id, released_at__isnull=False)
        .first()
    )


def regrade_for_email(*, regrade_id: int) -> RegradeRequest | None:
    return (
        RegradeRequest.objects.select_related(
            "submission__author",
            "submission__cohort_assignment__assignment",
            "submission__cohort_assignment__cohort",
        )
        .filter(pk=regrade_id, status="answered")
        .first()
    )


# --- The student's side -----------------------------------------------------------------


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
    slot = assignment_slot_get(cohort=cohort, assignment_id=assignment_id, now=now)
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


def student_work_get(*, cohort: Cohort, user: User, now: dt.datetime | None = None) -> StudentWork:
    """Work due, reviews owed, feedback received and grades. 7 queries."""
    now = now or timezone.now()
    slots = assignment_slots(cohort=cohort, now=now)
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


# --- The instructor's side --------------------------------------------------------------


def _require_teacher(user: User, cohort: Cohort) -> CohortAccess:
    access = cohort_access(user=user, cohort=cohort)
    if not access.reads_locked:
        raise NotAllowed(_("Only this cohort's instructors see this page."), code="not_instructor")
    return access


@dataclass
class QueueEntry:
    item: QueueItem
    waited: dt.timedelta
    assignment_title: str
    author_name: str

    @property
    def reason_labels(self) -> list[str]:
        from reviews.models import QueueReason

        return [QueueReason(r).label for r in self.item.reasons if r in QueueReason.values]


@dataclass
class Queue:
    cohort: Cohort
    entries: list[QueueEntry]
    page: PaginatorPage
    total: int
    oldest_wait: dt.timedelta | None
    mine: QueueItem | None
    now: dt.datetime


def queue_get(
    *, cohort_id: int, user: User, page: int = 1, per_page: int = 50, now: dt.datetime | None = None
) -> Queue:
    """The open queue, oldest waiting first, with how long each waited. 5 queries."""
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    _require_teacher(user, cohort)
    items = (
        QueueItem.objects.filter(cohort=cohort, resolved_at__isnull=True)
        .select_related(
            "submission__author", "submission__cohort_assignment__assignment", "leased_by"
        )
        .order_by("entered_at", "pk")
    )
    paginator = Paginator(items, per_page)
    current = paginator.get_page(page)
    entries = [
        QueueEntry(
            item=item,
            waited=now - item.entered_at,
            assignment_title=item.submission.cohort_assignment.assignment.title,
            author_name=item.submission.author.get_display_name(),
        )
        for item in current.object_list
    ]
    oldest = items.aggregate(oldest=Min("entered_at"))["oldest"]
    mine = (
        QueueItem.objects.filter(
            cohort=cohort, resolved_at__isnull=True, leased_by=user, lease_expires_at__gt=now
        )
        .order_by("entered_at")
        .first()
    )
    return Queue(
        cohort=cohort,
        entries=entries,
        page=current,
        total=paginator.count,
        oldest_wait=now - oldest if oldest else None,
        mine=mine,
        now=now,
    )


def grade_version(*, grade: Grade | None) -> int | None:
    """The version of a grade a form is based on: its latest history record."""
    if grade is None:
        return None
    latest = grade.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return latest


@dataclass
class GradingView:
    cohort: Cohort
    submission: Submission
    slot: AssignmentSlot
    version: SubmissionVersion
    reviews: list[Review]
    item: QueueItem | None
    grade: Grade | None
    regrade: RegradeRequest | None
    rubric_criteria: list[dict]

    @property
    def grade_version(self) -> int | None:
        """Send back with the grading form: a grade changed meanwhile is not overwritten."""
        return grade_version(grade=self.grade)


def grading_view_get(
    *, cohort_id: int, submission_id: int, user: User, now: dt.datetime | None = None
) -> GradingView:
    """Everything an instructor needs to grade one submission, names included."""
    from assignments.services import rubric_criteria

    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    _require_teacher(user, cohort)
    submission = (
        Submission.objects.select_related("author", "cohort_assignment__assignment")
        .filter(pk=submission_id, cohort_assignment__cohort=cohort)
        .first()
    )
    if submission is None:
        raise NotFound(_("This cohort has no submission with that id."))
    slot = assignment_slot_get(
        cohort=cohort, assignment_id=submission.cohort_assignment.assignment_id, now=now
    )
    version = submission.versions.order_by("-number").first()
    reviews = list(
        submission.reviews.exclude(status=ReviewStatus.EXPIRED)
        .select_related("reviewer", "rubric")
        .order_by("kind", "submitted_at", "pk")
    )
    return GradingView(
        cohort=cohort,
        submission=submission,
        slot=slot,
        version=version,
        reviews=reviews,
        item=QueueItem.objects.select_related("leased_by")
        .filter(submission=submission, resolved_at__isnull=True)
        .first(),
        grade=Grade.objects.filter(submission=submission).first(),
        regrade=RegradeRequest.objects.filter(submission=submission).first(),
        rubric_criteria=rubric_criteria(assignment=slot.assignment),
    )


@dataclass
class AssignmentProgress:
    slot: AssignmentSlot
    students: int
    submitted: int
    late: int
    graded: int
    in_queue: int
    oldest_wait: dt.timedelta | None
    not_submitted: list[User] = field(default_factory=list)
    owing_reviews: list[tuple[User, int]] = field(default_factory=list)


def assignments_overview(
    *, cohort_id: int, user: User, now: dt.datetime | None = None
) -> list[AssignmentProgress]:
    """Per assignment: who has not handed in, who owes reviews, what waits in the queue
    and for how long. 8 queries whatever the number of students or assignments."""
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    _require_teacher(user, cohort)
    slots = assignment_slots(cohort=cohort, now=now)
    students = list(
        User.objects.filter(
            enrolments__cohort=cohort,
            enrolments__status__in=(EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED),
        ).order_by("display_name", "username")
    )
    counts = {
        row["cohort_assignment__assignment_id"]: row
        for row in Submission.objects.filter(cohort_assignment__cohort=cohort)
        .values("cohort_assignment__assignment_id")
        .annotate(
            submitted=Count("pk"),
            late=Count("pk", filter=Q(is_late=True)),
            graded=Count("pk", filter=Q(status=SubmissionStatus.GRADED)),
        )
    }
    authors: dict[int, set[int]] = {}
    for assignment_id, author_id in Submission.objects.filter(
        cohort_assignment__cohort=cohort
    ).values_list("cohort_assignment__assignment_id", "author_id"):
        authors.setdefault(assignment_id, set()).add(author_id)
    queue = {
        row["submission__cohort_assignment__assignment_id"]: row
        for row in QueueItem.objects.filter(cohort=cohort, resolved_at__isnull=True)
        .values("submission__cohort_assignment__assignment_id")
        .annotate(n=Count("pk"), oldest=Min("entered_at"))
    }
    owing: dict[int, list[tuple[int, int]]] = {}
    for assignment_id, reviewer_id, n in (
        Review.objects.filter(
            submission__cohort_assignment__cohort=cohort,
            kind=ReviewKind.PEER,
            status=ReviewStatus.ASSIGNED,
        )
        .values("submission__cohort_assignment__assignment_id", "reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("submission__cohort_assignment__assignment_id", "reviewer_id", "n")
    ):
        owing.setdefault(assignment_id, []).append((reviewer_id, n))
    by_id = {u.pk: u for u in students}
    result = []
    for slot in slots:
        aid = slot.assignment.pk
        row = counts.get(aid, {})
        q = queue.get(aid)
        handed_in = authors.get(aid, set())
        result.append(
            AssignmentProgress(
                slot=slot,
                students=len(students),
                submitted=row.get("submitted", 0),
                late=row.get("late", 0),
                graded=row.get("graded", 0),
                in_queue=q["n"] if q else 0,
                oldest_wait=now - q["oldest"] if q else None,
                not_submitted=[u for u in students if u.pk not in handed_in]
                if slot.is_open
                else [],
                owing_reviews=[(by_id[r], n) for r, n in owing.get(aid, []) if r in by_id],
            )
        )
    return result


# --- Page helpers -----------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionScore:
    """One criterion of a rubric with the points a review or grade gave it."""

    id: str
    title: str
    points: float | int | None
    max_points: int
    level: str  # the label of the level scored; empty for a median between two levels
    comment: str


def criterion_scores(*, criteria: list[dict], scores: dict) -> list[CriterionScore]:
    """Scores (``{criterion id: {"points", "comment"}}``) in the rubric's order, for
    display. No queries: pass the criteria of the rubric version the scores belong to."""
    rows = []
    for criterion in criteria:
        given = scores.get(criterion["id"]) or {}
        points = given.get("points")
        level = next(
            (
                lvl["label"]
                for lvl in criterion["levels"]
                if points is not None and lvl["points"] == points
            ),
            "",
        )
        rows.append(
            CriterionScore(
                id=criterion["id"],
                title=criterion["title"],
                points=points,
                max_points=max((lvl["points"] for lvl in criterion["levels"]), default=0),
                level=level,
                comment=given.get("comment") or "",
            )
        )
    return rows


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


def queue_item_get(*, cohort_id: int, item_id: int, user: User) -> QueueItem:
    """An open queue item of the cohort, for its instructors and staff."""
    cohort = cohort_get(cohort_id=cohort_id)
    _require_teacher(user, cohort)
    item = QueueItem.objects.filter(pk=item_id, cohort=cohort, resolved_at__isnull=True).first()
    if item is None:
        raise NotFound(_("Nothing with that id is waiting in this cohort's queue."))
    return item


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


def regrade_for_instructor(*, regrade_id: int, user: User) -> RegradeRequest:
    """A regrade request, for the instructors and staff of its cohort: a student of the
    cohort gets a 403, anyone else a 404."""
    regrade = (
        RegradeRequest.objects.select_related("submission__cohort_assignment__cohort")
        .filter(pk=regrade_id)
        .first()
    )
    if regrade is None:
        raise NotFound(_("There is no regrade request with that id."))
    _require_teacher(user, regrade.submission.cohort_assignment.cohort)
    return regrade


def regrade_get(*, cohort_id: int, regrade_id: int, user: User) -> RegradeRequest:
    """A regrade request of the cohort with its assignment, for instructors and staff."""
    cohort = cohort_get(cohort_id=cohort_id)
    _require_teacher(user, cohort)
    regrade = (
        RegradeRequest.objects.select_related("submission__cohort_assignment__assignment")
        .filter(pk=regrade_id, submission__cohort_assignment__cohort=cohort)
        .first()
    )
    if regrade is None:
        raise NotFound(_("This cohort has no regrade request with that id."))
    return regrade
