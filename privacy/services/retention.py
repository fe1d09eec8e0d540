"""Retention: remove what has outlived its purpose, each job at most once a day, each run
recorded (``RetentionRun``). The periods are settings.LMS_PRIVACY, in days."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from lms.models import User
from lms.services import unactivated_accounts_delete
from notifications.models import Kind
from notifications.services import notifications_delete_older_than, notify_user
from privacy.models.retention import InactivityNotice, RetentionJob, RetentionRun

__all__ = ["inactive_accounts_run", "retention_run", "retention_tick"]

logger = logging.getLogger(__name__)


def _days(name: str) -> dt.timedelta:
    return dt.timedelta(days=settings.LMS_PRIVACY[name])


def _unactivated(run: RetentionRun, now: dt.datetime) -> None:
    run.cutoff = now - _days("UNACTIVATED_DAYS")
    run.removed, run.kept = unactivated_accounts_delete(joined_before=run.cutoff, limit=100_000)


def _notifications(run: RetentionRun, now: dt.datetime) -> None:
    run.cutoff = now - _days("NOTIFICATION_DAYS")
    run.removed = notifications_delete_older_than(before=run.cutoff)


def _sessions(run: RetentionRun, now: dt.datetime) -> None:
    run.cutoff = now
    run.removed = Session.objects.filter(expire_date__lt=now).delete()[0]


def _exports(run: RetentionRun, now: dt.datetime) -> None:
    from privacy.services.exports import exports_expire

    run.cutoff = now
    run.removed = exports_expire(now=now)


def _inactive(run: RetentionRun, now: dt.datetime) -> None:
    run.cutoff = now - _days("INACTIVE_DAYS")
    run.warned, run.removed, run.kept = inactive_accounts_run(now=now)


JOBS = {
    RetentionJob.UNACTIVATED: _unactivated,
    RetentionJob.NOTIFICATIONS: _notifications,
    RetentionJob.SESSIONS: _sessions,
    RetentionJob.EXPORTS: _exports,
    RetentionJob.INACTIVE: _inactive,
}


def retention_run(*, job: str, now: dt.datetime | None = None) -> RetentionRun | None:
    """Run one job for today unless it ran today already (None then). A failing job is
    recorded with its error and tried again the next day; the others still run."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            run = RetentionRun.objects.create(job=job, day=now.date(), started_at=now)
    except IntegrityError:
        return None  # ran today already, or running in another worker
    try:
        with transaction.atomic():
            JOBS[RetentionJob(job)](run, now)
    except Exception as error:  # recorded for staff; the next day's run tries again
        logger.exception("Retention job %s failed", job)
        run.error = f"{type(error).__name__}: {error}"[:2000]
    run.finished_at = timezone.now()
    run.save()
    return run


def retention_tick(*, now: dt.datetime | None = None) -> list[RetentionRun]:
    """Every job that has not run today (the beat calls this every hour)."""
    return [run for job in RetentionJob if (run := retention_run(job=job, now=now))]


def _inactive_accounts(cutoff: dt.datetime):
    """Members who have not signed in since the cutoff and have nothing running: no
    staff, no open membership, no current enrolment, not erased or being erased."""
    from cohorts.models import EnrolmentStatus
    from memberships.models import MembershipStatus

    open_membership = [s for s in MembershipStatus.values if s != MembershipStatus.ENDED]
    return (
        User.objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(memberships__status__in=open_membership)
        .exclude(enrolments__status=EnrolmentStatus.ACTIVE, enrolments__cohort__ends_on__gte=cutoff)
    )


def inactive_accounts_run(*, now: dt.datetime | None = None) -> tuple[int, int, int]:
    """Warn members unused for LMS_PRIVACY["INACTIVE_DAYS"] by email, and once the
    warning period has passed without a sign-in, request their erasure (which has its
    own cool-off and cancel link). A sign-in after the warning withdraws it. Returns
    (warned, erasures requested, withdrawn)."""
    now = now or timezone.now()
    cutoff = now - _days("INACTIVE_DAYS")
    # Signed in since the warning: nothing to do any more.
    withdrawn = InactivityNotice.objects.filter(
        erasure_requested_at__isnull=True, user__last_login__gt=F("warned_at")
    ).delete()[0]
    warned = 0
    for user in _inactive_accounts(cutoff).filter(inactivity_notice__isnull=True).distinct()[:1000]:
        erase_after = now + _days("INACTIVE_WARNING_DAYS")
        with transaction.atomic():
            _, made = InactivityNotice.objects.get_or_create(
                user=user, defaults={"warned_at": now, "erase_after": erase_after}
            )
            if made:
                last = user.last_login or user.date_joined
                notify_user(
                    user_id=user.pk,
                    kind=Kind.ACCOUNT_INACTIVE,
                    key=f"inactive:{now:%Y-%m-%d}",
                    params={
                        "last_seen": last.date().isoformat(),
                        "erase_after": erase_after.isoformat(),
                    },
                    url="/",
                )
                warned += 1
    requested = 0
    due = InactivityNotice.objects.filter(erasure_requested_at__isnull=True, erase_after__lte=now)
    for notice in due.select_related("user")[:1000]:
        if _erasure_request_for_inactivity(notice.user, now):
            InactivityNotice.objects.filter(pk=notice.pk).update(erasure_requested_at=now)
            requested += 1
    return warned, requested, withdrawn


def _erasure_request_for_inactivity(user: User, now: dt.datetime) -> bool:
    """Ask for the account's erasure as the retention job (not the member): the member
    is emailed the date and how to cancel, as for their own request. An account that
    cannot be erased now (the only instructor of a cohort, one asked for already) is
    left for the next day."""
    from lms.errors import Conflict
    from privacy.services.erasures import erasure_request

    try:
        erasure_request(user=user, by=None, now=now)
    except Conflict:
        return False
    return True
