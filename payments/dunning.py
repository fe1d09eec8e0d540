"""Dunning: one way to chase a payment that failed, whatever was being paid for.

A kind of subject (payments' instalment plans; memberships, from the app above) is
registered with how to pause and restore its access and how to name it to the person
who owes. A failed payment opens arrears for the subject (``arrears_open``, once: the
grace period starts at the first failure); the beat task's ``dunning_sweep`` sends the
reminders due (settings.LMS_DUNNING_REMINDER_DAYS after the failure, each once) and
pauses access past settings.LMS_PAYMENT_GRACE_DAYS (once); the payment coming in
settles them (``arrears_settle``), which restores access.

Locks: a kind's ``suspend`` and ``restore`` lock their subject's row themselves. The
sweep calls ``suspend`` before it locks the arrears row, so the order is always the
subject first, then its arrears: call ``arrears_open``, ``arrears_settle``,
``arrears_suspend`` and ``arrears_close`` holding your subject's row lock (payments
does so with the order's), and two of them never wait on each other in a circle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind
from notifications.services import notify_user
from payments.models import Arrears

OPENED, REMINDER, SUSPENDED, SETTLED = "opened", "reminder", "suspended", "settled"
STAGES = (OPENED, REMINDER, SUSPENDED, SETTLED)

# What the person who owes is told at each stage, unless the kind words it itself.
_GENERIC_NOTICE = {
    OPENED: Kind.PAYMENT_FAILED,
    REMINDER: Kind.PAYMENT_REMINDER,
    SUSPENDED: Kind.PAYMENT_ACCESS_PAUSED,
    SETTLED: Kind.PAYMENT_SETTLED,
}


class Suspend(Protocol):
    def __call__(self, *, subject_id: int, now: dt.datetime) -> bool: ...


class Restore(Protocol):
    def __call__(self, *, subject_id: int, now: dt.datetime) -> bool: ...


class Describe(Protocol):
    def __call__(self, *, subject_id: int) -> str: ...


class SubjectUrl(Protocol):
    def __call__(self, *, subject_id: int) -> str: ...


@dataclass(frozen=True)
class DunningKind:
    kind: str
    suspend: Suspend
    restore: Restore | None
    describe: Describe
    url: SubjectUrl | None = None
    # Stages the kind words itself: stage -> callable(*, arrears, now, restored).
    notices: Mapping[str, Callable[..., Any]] = field(default_factory=dict)


_KINDS: dict[str, DunningKind] = {}


def register_kind(
    kind: str,
    suspend: Suspend,
    restore: Restore | None,
    describe: Describe,
    *,
    url: SubjectUrl | None = None,
    notices: Mapping[str, Callable[..., Any]] | None = None,
) -> None:
    """Register a kind of subject, in the registering app's AppConfig.ready().

    ``suspend(*, subject_id, now) -> bool`` pauses access (True when it did; False when
    there was nothing to pause); ``restore(*, subject_id, now) -> bool`` gives it back
    (None: access is not paused, e.g. only reminders); ``describe(*, subject_id) -> str``
    names the subject in the emails ("Premium membership"); ``url(*, subject_id)`` is
    where the emails lead (default: the payments page). Both run inside the caller's
    transaction: whatever they write commits or rolls back with the arrears."""
    if not kind or len(kind) > 40:
        raise ValueError("A dunning kind is named in 1 to 40 characters.")
    unknown = set(notices or {}) - set(STAGES)
    if unknown:
        raise ValueError(f"Unknown dunning stages: {sorted(unknown)}")
    _KINDS[kind] = DunningKind(
        kind=kind,
        suspend=suspend,
        restore=restore,
        describe=describe,
        url=url,
        notices=dict(notices or {}),
    )


def unregister_kind(kind: str) -> None:
    _KINDS.pop(kind, None)


def _kind(kind: str) -> DunningKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"No dunning kind {kind!r} is registered.") from None


def reminder_days() -> list[int]:
    """The days after the failure a reminder is due, from the setting ("3,6"); days at
    or past the grace period are left out (access pauses then, and says so)."""
    grace = settings.LMS_PAYMENT_GRACE_DAYS
    parts = str(settings.LMS_DUNNING_REMINDER_DAYS).split(",")
    days = {int(part) for part in parts if part.strip().isdigit()}
    return sorted(day for day in days if 0 < day < grace)


def _open(kind: str, subject_id: int) -> Arrears | None:
    return (
        Arrears.objects.select_for_update()
        .filter(kind=kind, subject_id=subject_id, settled_at__isnull=True)
        .first()
    )


def arrears_get(*, kind: str, subject_id: int) -> Arrears | None:
    """The subject's open arrears, if any (a read: no lock)."""
    return Arrears.objects.filter(kind=kind, subject_id=subject_id, settled_at__isnull=True).first()


@transaction.atomic
def arrears_open(
    *, kind: str, subject_id: int, user: Any, reference: str, now: dt.datetime
) -> Arrears:
    """A payment for the subject failed. Idempotent: while arrears are open, another
    failure (a retry, the next invoice) changes nothing and the grace period keeps
    running from the first. The first email is sent here."""
    spec = _kind(kind)
    arrears = _open(kind, subject_id)
    if arrears is not None:
        return arrears
    arrears = Arrears(
        kind=kind,
        subject_id=subject_id,
        user_id=getattr(user, "pk", user),
        failing_since=now,
        reference=(reference or "")[:255],
    )
    arrears._change_reason = "payment failed"
    try:
        with transaction.atomic():
            arrears.save()
    except IntegrityError:  # opened by a concurrent failure of the same subject
        return Arrears.objects.select_for_update().get(
            kind=kind, subject_id=subject_id, settled_at__isnull=True
        )
    _tell(spec, arrears, OPENED, now)
    return arrears


@transaction.atomic
def arrears_settle(*, kind: str, subject_id: int, now: dt.datetime) -> Arrears | None:
    """The payment came in: the arrears are settled, paused access comes back through
    the kind's ``restore``, and the person is told. None when nothing was open."""
    spec = _kind(kind)
    arrears = _open(kind, subject_id)
    if arrears is None:
        return None
    arrears.settled_at = now
    arrears._change_reason = "settled"
    arrears.save()
    restored = False
    if arrears.suspended_at is not None and spec.restore is not None:
        restored = bool(spec.restore(subject_id=subject_id, now=now))
    _tell(spec, arrears, SETTLED, now, restored=restored)
    return arrears


@transaction.atomic
def arrears_suspend(*, kind: str, subject_id: int, now: dt.datetime) -> bool:
    """Pause access now, not at the end of the grace period (the provider gave up
    collecting). Once per arrears; True when access was paused."""
    spec = _kind(kind)
    arrears = _open(kind, subject_id)
    if arrears is None or arrears.suspended_at is not None:
        return False
    paused = bool(spec.suspend(subject_id=subject_id, now=now))
    arrears.suspended_at = now
    arrears._change_reason = "access paused at once"
    arrears.save()
    if paused:
        _tell(spec, arrears, SUSPENDED, now)
    return paused


@transaction.atomic
def arrears_close(*, kind: str, subject_id: int, now: dt.datetime, reason: str) -> bool:
    """The subject ended otherwise (refunded, cancelled): nothing is owed any more, no
    reminder follows, nothing is restored and nobody is told. True when some were
    open."""
    arrears = _open(kind, subject_id)
    if arrears is None:
        return False
    arrears.settled_at = now
    arrears._change_reason = reason[:100] or "closed"
    arrears.save()
    return True


# --- The sweep ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DunningSweep:
    reminded: int
    suspended: int


class _SettledMeanwhile(Exception):
    """The arrears were settled or paused while their subject was being paused: roll
    the pause back."""


def dunning_sweep(
    *, now: dt.datetime | None = None, kinds: list[str] | None = None
) -> DunningSweep:
    """Send the reminders due and pause access past the grace period, each once; safe
    to run any time and twice at once. Each subject in its own transaction."""
    now = now or timezone.now()
    grace = dt.timedelta(days=settings.LMS_PAYMENT_GRACE_DAYS)
    days = reminder_days()
    earliest = dt.timedelta(days=days[0]) if days else grace
    names = [k for k in (kinds if kinds is not None else _KINDS) if k in _KINDS]
    due = (
        Arrears.objects.filter(
            kind__in=names,
            settled_at__isnull=True,
            suspended_at__isnull=True,
            failing_since__lte=now - min(earliest, grace),
        )
        .order_by("failing_since", "pk")
        .values_list("pk", "kind", "subject_id", "failing_since")
    )
    reminded = suspended = 0
    for pk, kind, subject_id, failing_since in due:
        spec = _KINDS[kind]
        if failing_since + grace <= now:
            suspended += _suspend_overdue(spec, pk, subject_id, now)
        else:
            reminded += _remind(spec, pk, days, now)
    return DunningSweep(reminded=reminded, suspended=suspended)


def _suspend_overdue(spec: DunningKind, pk: int, subject_id: int, now: dt.datetime) -> int:
    try:
        with transaction.atomic():
            # The subject is locked (by suspend) before its arrears, as everywhere.
            paused = bool(spec.suspend(subject_id=subject_id, now=now))
            arrears = Arrears.objects.select_for_update().get(pk=pk)
            if arrears.settled_at is not None or arrears.suspended_at is not None:
                raise _SettledMeanwhile
            arrears.suspended_at = now
            arrears._change_reason = "access paused after the grace period"
            arrears.save()
            if paused:
                _tell(spec, arrears, SUSPENDED, now)
    except _SettledMeanwhile:
        return 0
    return int(paused)


def _remind(spec: DunningKind, pk: int, days: list[int], now: dt.datetime) -> int:
    with transaction.atomic():
        arrears = Arrears.objects.select_for_update().get(pk=pk)
        if arrears.settled_at is not None or arrears.suspended_at is not None:
            return 0
        due = sum(1 for day in days if arrears.failing_since + dt.timedelta(days=day) <= now)
        if due <= arrears.reminders_sent:
            return 0
        # Only the latest reminder due is sent: a sweep that did not run for days
        # does not send a batch.
        arrears.reminders_sent = due
        arrears._change_reason = f"reminder {due} sent"
        arrears.save()
        _tell(spec, arrears, REMINDER, now)
    return 1


# --- Telling the person who owes ------------------------------------------------------


def _tell(
    spec: DunningKind, arrears: Arrears, stage: str, now: dt.datetime, *, restored: bool = False
) -> None:
    """Through notifications, inside the transaction that makes the fact: it exists
    exactly when the fact does, and is sent once (its key names the stage)."""
    own = spec.notices.get(stage)
    if own is not None:
        own(arrears=arrears, now=now, restored=restored)
        return
    grace = dt.timedelta(days=settings.LMS_PAYMENT_GRACE_DAYS)
    key = f"arrears:{arrears.pk}:{stage}"
    if stage == REMINDER:
        key += f":{arrears.reminders_sent}"
    url = spec.url(subject_id=arrears.subject_id) if spec.url else reverse("payments:portal")
    notify_user(
        kind=_GENERIC_NOTICE[stage],
        key=key,
        user_id=arrears.user_id,
        params={
            "subject": spec.describe(subject_id=arrears.subject_id),
            "arrears_kind": arrears.kind,
            "subject_id": arrears.subject_id,
            "grace_days": settings.LMS_PAYMENT_GRACE_DAYS,
            "failed_at": arrears.failing_since.isoformat(),
            "pauses_at": (arrears.failing_since + grace).isoformat(),
            "restored": restored,
        },
        url=url,
    )
