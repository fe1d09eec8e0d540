"""The instructor queue: what waits for an instructor, who holds it ("grade next"
leases), and taking it off the queue."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import SUBMISSION_MACHINE, Submission, SubmissionStatus
from assignments.services import submission_transition
from cohorts.models import Cohort
from cohorts.selectors import cohort_access
from lms.errors import Conflict, NotAllowed, NotFound
from lms.models import User
from reviews.models import Grade, QueueItem, RegradeRequest, RegradeStatus


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
    """Queue a set of submissions in a fixed number of statements (allocation and
    closing touch every submission of an assignment at once); each one moved gets its
    history row."""
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
    # Locked and read whole: the history rows copy every field.
    moving = Submission.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    SUBMISSION_MACHINE.move_many(
        [s for s in moving if s.status != SubmissionStatus.WITH_INSTRUCTOR],
        SubmissionStatus.WITH_INSTRUCTOR,
        reason=reason,
        changes={"updated_at": now},
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
