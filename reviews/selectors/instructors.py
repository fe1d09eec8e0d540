"""Reads for the instructor's side: the queue, the grading page, the overview and the
requests they answer. Names included; only for the cohort's instructors and staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import Submission, SubmissionStatus, SubmissionVersion
from assignments.selectors import AssignmentSlot, assignment_slot_get, assignment_slots
from cohorts.models import Cohort, EnrolmentStatus
from cohorts.selectors import CohortAccess, cohort_access, cohort_get
from lms.errors import NotAllowed, NotFound
from lms.models import User
from reviews.models import Grade, QueueItem, RegradeRequest, Review, ReviewKind, ReviewStatus


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


def queue_item_get(*, cohort_id: int, item_id: int, user: User) -> QueueItem:
    """An open queue item of the cohort, for its instructors and staff."""
    cohort = cohort_get(cohort_id=cohort_id)
    _require_teacher(user, cohort)
    item = QueueItem.objects.filter(pk=item_id, cohort=cohort, resolved_at__isnull=True).first()
    if item is None:
        raise NotFound(_("Nothing with that id is waiting in this cohort's queue."))
    return item


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
