"""Erasure requests: ask, cancel, retry, and which are due; the run itself is in
``privacy.services.erasure_engine``.

A member asks to be erased; the request waits a cool-off
(``LMS_PRIVACY["ERASURE_COOL_OFF_DAYS"]``, 14 days by default) during which they can
cancel it with one click, then the worker runs it. Staff may ask on a member's behalf,
and retry a run that failed; nobody can skip the cool-off, which protects the member
against a stolen session or a rash click.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Cohort, CohortStatus
from lms.errors import Conflict, NotFound
from lms.links import absolute_url
from lms.models import User
from notifications.models import Kind
from notifications.services import notify_user
from privacy.models import (
    ERASURE_MACHINE,
    OPEN_ERASURE_STATUSES,
    ErasureEvent,
    ErasureEventKind,
    ErasureRequest,
    ErasureStatus,
)
from privacy.services.erasure_engine import erasure_run, event_add

__all__ = [
    "cool_off_days",
    "erasure_cancel",
    "erasure_refusal",
    "erasure_request",
    "erasure_retry",
    "erasure_run",
    "erasures_due",
    "open_erasure_get",
]

# A failed run is retried automatically after 5, 10, 20... minutes, up to this many
# attempts; staff can retry any time after that.
AUTO_ATTEMPTS = 6
# A run that has not written a step for this long is taken over (its worker died).
STALE_RUN = dt.timedelta(minutes=30)


def cool_off_days() -> int:
    return int(getattr(settings, "LMS_PRIVACY", {}).get("ERASURE_COOL_OFF_DAYS", 14))


def retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=5 * 2 ** max(attempts - 1, 0))


def erasure_refusal(user: User, *, now: dt.datetime | None = None) -> str | None:
    """Why ``user`` cannot be erased now, in words that say what to do; None: they can."""
    if user.is_superuser:
        return _(
            "A superuser account cannot be erased: it is what keeps the site administered. "
            "Ask another administrator to take away its superuser status first, then ask again."
        )
    today = timezone.localdate(now or timezone.now())
    alone = (
        Cohort.objects.filter(
            pk__in=Cohort.instructors.through.objects.filter(user=user).values("cohort"),
            ends_on__gte=today,
        )
        .exclude(status=CohortStatus.CANCELLED)
        .annotate(teachers=Count("instructors", distinct=True))
        .filter(teachers=1)
        .order_by("starts_on", "pk")
        .first()
    )
    if alone is not None:
        return _(
            "You are the only instructor of the cohort “%(cohort)s”, which is running or "
            "about to start. Appoint another instructor for it first, then ask again."
        ) % {"cohort": alone.name}
    return None


def open_erasure_get(*, user: User) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(user=user, status__in=OPEN_ERASURE_STATUSES).first()


def _cancel_url() -> str:
    return absolute_url(reverse("privacy:home")) + "#erasure"


def erasure_request(
    *, user: User, by: User | None, now: dt.datetime | None = None
) -> ErasureRequest:
    """Ask to erase ``user`` (by themselves, or by staff on their behalf). It runs once
    the cool-off has passed; the member is emailed the date and how to cancel."""
    now = now or timezone.now()
    refusal = erasure_refusal(user, now=now)
    if refusal:
        raise Conflict(refusal, code="erasure_refused")
    if user.erased_at is not None:
        raise Conflict(_("This account is erased already."), code="erased")
    exists = Conflict(
        _("An erasure of this account is already asked for; it runs on its date."),
        code="erasure_open",
    )
    if open_erasure_get(user=user) is not None:
        raise exists
    try:
        with transaction.atomic():
            request = ErasureRequest.objects.create(
                user=user,
                requested_by=by,
                runs_after=now + dt.timedelta(days=cool_off_days()),
            )
            event_add(request, ErasureEventKind.REQUESTED, actor=by, now=now)
            notify_user(
                kind=Kind.ERASURE_REQUESTED,
                key=f"erasure-requested:{request.pk}",
                user_id=user.pk,
                params={"runs_at": request.runs_after.isoformat(), "cancel_url": _cancel_url()},
                url=reverse("privacy:home"),
            )
    except IntegrityError:
        # Another request for the same member committed first (the unique constraint).
        raise exists from None
    return request


@transaction.atomic
def erasure_cancel(*, user: User, by: User, now: dt.datetime | None = None) -> ErasureRequest:
    """Cancel the member's waiting request; only during the cool-off."""
    request = (
        ErasureRequest.objects.select_for_update()
        .filter(user=user, status__in=OPEN_ERASURE_STATUSES)
        .first()
    )
    if request is None:
        raise NotFound(_("There is no erasure to cancel."), code="no_erasure")
    ERASURE_MACHINE.move(
        request,
        ErasureStatus.CANCELLED,
        by=by,
        reason="cancelled",
        now=now,
        refusal=Conflict(
            _("The erasure has started and can no longer be cancelled."), code="erasure_started"
        ),
    )
    event_add(request, ErasureEventKind.CANCELLED, actor=by, now=now)
    notify_user(
        kind=Kind.ERASURE_CANCELLED,
        key=f"erasure-cancelled:{request.pk}",
        user_id=user.pk,
        params={},
        url=reverse("privacy:home"),
    )
    return request


def erasure_retry(*, request_id: int, by: User, now: dt.datetime | None = None) -> ErasureRequest:
    """Staff: run a failed request again now (recorded); the worker picks it up."""
    now = now or timezone.now()
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise NotFound(_("There is no such erasure request."))
        if request.status != ErasureStatus.FAILED:
            raise Conflict(_("Only a failed erasure can be retried."), code="not_failed")
        request.retry_at = now
        request.save(update_fields=["retry_at", "updated_at"])
        event_add(request, ErasureEventKind.RETRIED, actor=by, now=now)
    from privacy.jobs.erasures import run_erasure

    transaction.on_commit(lambda: run_erasure.delay(request.pk))
    return request


def erasures_due(*, now: dt.datetime | None = None) -> QuerySet[ErasureRequest]:
    """Requests the worker should run now: cool-off over, a failed run due for its
    retry, or a run whose worker stopped writing (it died)."""
    now = now or timezone.now()
    return ErasureRequest.objects.filter(
        Q(status=ErasureStatus.REQUESTED, runs_after__lte=now)
        | Q(status=ErasureStatus.FAILED, retry_at__lte=now)
        | Q(status=ErasureStatus.RUNNING, updated_at__lte=now - STALE_RUN)
    ).order_by("runs_after", "pk")


def erasure_events(request: ErasureRequest) -> QuerySet[ErasureEvent]:
    return request.events.select_related("actor")
