"""The public surface of notifications: other apps call these, never the tasks.

- ``notify``: make one kind of notification for many users, in batches by user id
  (three queries per batch, whatever the number of users), once per (user, kind, key).
- ``notify_each``: one notification per user with their own facts (a count, a
  deadline), in one batch.
- ``notify_user``: one notification for one user.
- ``notification_mark_read`` / ``notifications_mark_all_read``, ``preference_set``.
- ``pending_deliver`` and ``digests_send``: the email side, each email sent once.

Call them inside the transaction that makes the fact they tell about (the award, the
allocation, the payment): the notification then exists exactly when the fact does, and
a worker delivers it whether or not any particular task message survives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.celery import TRANSIENT_ERRORS
from lms.errors import NotFound, ValidationFailed
from lms.links import absolute_url, base_url
from lms.models import User
from lms.timeutils import is_valid_timezone
from notifications.kinds import render
from notifications.models import (
    ALWAYS_EMAILED,
    Delivery,
    Kind,
    Notification,
    Preference,
    default_delivery,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000


def notify(
    *,
    kind: str,
    key: str,
    users: QuerySet | Iterable[int],
    params: dict,
    url: str = "",
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Make a notification of ``kind`` for every user (a User queryset or ids), unless
    that user turned the kind off or already has it (same key). Returns how many rows
    the batches offered; the email side follows on commit."""
    _check_kind(kind)
    now = now or timezone.now()
    offered = 0
    for ids in _batches(users, batch_size):
        offered += _offer(kind, [(user_id, key, params, url) for user_id in ids], now)
    if offered:
        _deliver_soon()
    return offered


def notify_each(*, kind: str, items: Iterable[tuple[int, str, dict, str]]) -> int:
    """One notification of ``kind`` per ``(user_id, key, params, url)``, each with its
    own facts, unless that user turned the kind off or has it already (same key). Two
    queries whatever the number of items; returns how many were offered."""
    _check_kind(kind)
    offered = _offer(kind, list(items), timezone.now())
    if offered:
        _deliver_soon()
    return offered


def _offer(kind: str, items: list[tuple[int, str, dict, str]], now: dt.datetime) -> int:
    """Insert the rows of one batch, skipping users who turned the kind off: the
    users' choices in one query, the rows in one INSERT ... ON CONFLICT DO NOTHING (a
    second producer of the same notification, a retried task, a restarted beat or
    another worker, adds nothing)."""
    if not items:
        return 0
    prefs = (
        {}
        if kind in ALWAYS_EMAILED
        else dict(
            Preference.objects.filter(
                user_id__in={user_id for user_id, *_rest in items}, kind=kind
            ).values_list("user_id", "delivery")
        )
    )
    rows = [
        Notification(
            user_id=user_id,
            kind=kind,
            key=key,
            params=params,
            url=url,
            created_at=now,
            delivery=prefs.get(user_id, default_delivery(kind)),
        )
        for user_id, key, params, url in items
        if prefs.get(user_id, default_delivery(kind)) != Delivery.OFF
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _deliver_soon() -> None:
    """Ask a worker to deliver once the transaction commits. Only a hint: if the message
    is lost (a broker restart, a worker that died) the delivery sweep finds the rows
    within LMS_SWEEP_SECONDS."""
    from notifications.tasks import deliver_pending

    deliver_pending.delay_on_commit()


def _batches(users: QuerySet | Iterable[int], size: int):
    """User ids in ascending batches: a keyset walk for a queryset (one query per
    batch, no OFFSET), slices for a list."""
    if isinstance(users, QuerySet):
        last = 0
        ids_qs = users.order_by("pk").values_list("pk", flat=True).distinct()
        while True:
            ids = list(ids_qs.filter(pk__gt=last)[:size])
            if not ids:
                return
            last = ids[-1]
            yield ids
    else:
        ids = sorted(set(users))
        for start in range(0, len(ids), size):
            yield ids[start : start + size]


def notify_user(
    *,
    kind: str,
    key: str,
    user_id: int,
    params: dict,
    url: str = "",
) -> bool:
    """One notification for one user; True when it is new (False when the user turned
    the kind off or it exists already, e.g. a retried task). Its email, if the user
    chose one, follows from the delivery."""
    _check_kind(kind)
    delivery = _delivery_of(user_id, kind)
    if delivery == Delivery.OFF:
        return False
    try:
        with transaction.atomic():
            Notification.objects.create(
                user_id=user_id,
                kind=kind,
                key=key,
                params=params,
                url=url,
                created_at=timezone.now(),
                delivery=delivery,
            )
    except IntegrityError:
        return False
    _deliver_soon()
    return True


def _check_kind(kind: str) -> None:
    if kind not in Kind.values:
        raise ValidationFailed(_("Unknown kind of notification."), field="kind")


def _delivery_of(user_id: int, kind: str) -> str:
    """The user's choice for ``kind``; kinds that ignore preferences go out at once."""
    if kind in ALWAYS_EMAILED:
        return Delivery.IMMEDIATELY
    return (
        Preference.objects.filter(user_id=user_id, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    ) or default_delivery(kind)


# --- Reading and preferences ------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        raise NotFound(_("There is no notification with that id."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, user: User, kind: str, delivery: str) -> Preference:
    """A kind in ALWAYS_EMAILED has no choice: "immediately" is accepted (and nothing
    stored), anything else refused."""
    if kind not in Kind.values:
        raise ValidationFailed(
            _("Choose one of the kinds: %(kinds)s.") % {"kinds": ", ".join(Kind.values)},
            field="kind",
        )
    if delivery not in Delivery.values:
        raise ValidationFailed(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Delivery.values)},
            field="delivery",
        )
    if kind in ALWAYS_EMAILED:
        if delivery != Delivery.IMMEDIATELY:
            raise ValidationFailed(
                _(
                    "Emails of the kind “%(kind)s” always go out straight away; that "
                    "cannot be changed."
                )
                % {"kind": Kind(kind).label},
                code="always_emailed",
                field="delivery",
            )
        return Preference(user=user, kind=kind, delivery=delivery)
    preference, _created = Preference.objects.update_or_create(
        user=user, kind=kind, defaults={"delivery": delivery}
    )
    return preference


# --- Email ------------------------------------------------------------------------------


def _zone(user: User) -> ZoneInfo:
    name = (
        user.timezone if is_valid_timezone(user.timezone) else settings.LMS_DEFAULT_VIEWER_TIMEZONE
    )
    return ZoneInfo(name)


def _absolute(url: str) -> str:
    return absolute_url(url)


# Kinds whose emails existed before the notification centre: their sent-markers keep
# the key they always had (the notification's key), so nothing is sent twice across
# the change.
OWN_EMAIL_KEY = {
    Kind.REVIEWS_ASSIGNED,
    Kind.FEEDBACK_RECEIVED,
    Kind.GRADE_RELEASED,
    Kind.REGRADE_ANSWERED,
    Kind.BADGE_AWARDED,
    Kind.WAITLIST_PROMOTED,
    Kind.INVOICE,
    Kind.RECEIPT,
    Kind.INSTALMENT_FAILED,
    Kind.ACCESS_SUSPENDED,
    Kind.ACCESS_RESTORED,
    Kind.REFUNDED,
    Kind.DEFERRAL,
}


def _email_key(notification: Notification) -> str:
    if notification.kind in OWN_EMAIL_KEY:
        return notification.key
    return f"notification:{notification.pk}"


def _template_for(kind: str) -> str:
    """A kind may have its own email (notifications/email/<kind>_body.txt); otherwise
    the generic one."""
    try:
        get_template(f"notifications/email/{kind}_body.txt")
    except TemplateDoesNotExist:
        return "single"
    return kind


def _moments(params: dict) -> dict[str, dt.datetime | dt.date]:
    """The facts that are moments (``*_at``) or days (``*_on``), stored as ISO text,
    as values that templates format in the recipient's language and zone."""
    moments: dict[str, dt.datetime | dt.date] = {}
    for name, value in params.items():
        if not isinstance(value, str):
            continue
        try:
            if name.endswith("_at"):
                moments[name] = dt.datetime.fromisoformat(value)
            elif name.endswith("_on"):
                moments[name] = dt.date.fromisoformat(value)
        except ValueError:
            continue
    return moments


def _reachable(user: User, kind: str) -> bool:
    """Whether to email: an address, and an active account unless the kind is one that
    ignores preferences (a refund is owed to a closed account too)."""
    if getattr(user, "erased_at", None) is not None:
        return False  # an erased account's address is a placeholder that reaches nobody
    return bool(user.email) and (user.is_active or kind in ALWAYS_EMAILED)


def _email_one(notification: Notification) -> bool:
    user = notification.user
    if not _reachable(user, notification.kind):
        return False
    return _send(
        user,
        _email_key(notification),
        _template_for(notification.kind),
        {"notifications": [notification]},
    )


def _send(user: User, key: str, template: str, context: dict) -> bool:
    from lms.services import email_user_once

    def in_their_language() -> dict:
        items = [
            {
                "title": t,
                "body": b,
                "url": _absolute(n.url),
                "params": n.params,
                "moments": _moments(n.params),
            }
            for n in context["notifications"]
            for t, b in [render(n.kind, n.params)]
        ]
        return {
            **context,
            "user": user,
            "items": items,
            "base_url": base_url(),
            "preferences_url": _absolute(reverse("notifications:preferences")),
        }

    return email_user_once(
        user=user,
        key=key,
        subject_template=f"notifications/email/{template}_subject.txt",
        body_template=f"notifications/email/{template}_body.txt",
        context=in_their_language,
        zone=_zone(user),
    )


# Rows one delivery claims at a time: small, so a claim left by a delivery that died
# holds back few emails (until its lease runs out), and several deliveries share a
# large fan-out.
DELIVERY_BATCH = 50


def pending_deliver(*, batch_size: int = DELIVERY_BATCH, max_seconds: float = 240.0) -> int:
    """Email every notification chosen "immediately" that has not gone out; returns
    how many were sent.

    Claim a batch (committed, so a concurrent delivery skips it: SKIP LOCKED on
    PostgreSQL, SQLite's write lock serialises), then send each email and mark its row
    emailed in one transaction that commits right after that one message. A delivery
    that dies in the middle therefore can send again only the message it was sending
    when it died (if the mail server took it but the mark was not yet committed); the
    rest of its claim is taken over once the lease (LMS_DELIVERY_LEASE_SECONDS) runs
    out. Each email is also keyed on its row (``email_send_once``), so two deliveries
    of one row never both send it.

    Stops after ``max_seconds`` and queues the next run, so one task never holds its
    broker message for long."""
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < max_seconds:
        batch = _claim(batch_size)
        if not batch:
            return sent
        sent += _deliver_claimed(batch)
    from notifications.tasks import deliver_pending

    deliver_pending.delay()
    return sent


def _claim(batch_size: int) -> list[Notification]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(delivery=Delivery.IMMEDIATELY, emailed_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return []
        lease = dt.timedelta(seconds=settings.LMS_DELIVERY_LEASE_SECONDS)
        Notification.objects.filter(pk__in=ids).update(claimed_until=now + lease)
    return list(Notification.objects.filter(pk__in=ids).select_related("user").order_by("pk"))


def _deliver_claimed(batch: list[Notification]) -> int:
    """Send each claimed row, committing its mark right after its message. A failure
    that passes (database, network, mail server) gives the rest of the claim back and
    is raised, so the task retries; any other failure of one row is logged and that row
    is left to its lease, so it cannot hold up the others."""
    sent = 0
    for position, notification in enumerate(batch):
        try:
            with transaction.atomic():
                sent += _email_one(notification)
                Notification.objects.filter(pk=notification.pk).update(
                    emailed_at=timezone.now(), claimed_until=None
                )
        except TRANSIENT_ERRORS:
            _release([n.pk for n in batch[position:]])
            raise
        except Exception:
            logger.exception("Notification %s could not be emailed", notification.pk)
    return sent


def _release(ids: list[int]) -> None:
    # If the database is away too, the claim runs out on its own.
    with contextlib.suppress(TRANSIENT_ERRORS):
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(claimed_until=None)


def digests_send(*, now: dt.datetime | None = None) -> int:
    """One email per user with everything they chose to get as a daily digest, once
    their local clock has passed LMS_DIGEST_HOUR; at most one digest per local day."""
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True)
        .select_related("user")
        .order_by("user_id", "created_at")
    )
    per_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in waiting:
        per_user[notification.user_id].append(notification)
    sent = 0
    for notifications in per_user.values():
        user = notifications[0].user
        local = now.astimezone(_zone(user))
        if local.hour < settings.LMS_DIGEST_HOUR or not user.email:
            continue
        with transaction.atomic():
            if _send(
                user, f"digest:{user.pk}:{local.date()}", "digest", {"notifications": notifications}
            ):
                Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
                    emailed_at=now
                )
                sent += 1
    return sent


def notifications_delete_older_than(*, before: dt.datetime, batch: int = 1000) -> int:
    """Delete notifications made before the cutoff (retention), in bounded batches so a
    first run on a large table neither locks it for long nor holds it all in memory."""
    deleted = 0
    while True:
        ids = list(
            Notification.objects.filter(created_at__lt=before).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += Notification.objects.filter(pk__in=ids).delete()[0]


def email_address_once(*, kind: str, key: str, to: str, params: dict, language: str = "") -> bool:
    """Email one kind to an address rather than an account, once per ``key``: for the
    confirmation that an account was erased, whose own address is scrubbed by then. No
    notification row is made, and the sent-marker keeps no address."""
    from django.utils import translation

    from lms.models import SentEmail
    from lms.services import email_send_once

    _check_kind(kind)
    with translation.override(language or settings.LANGUAGE_CODE):
        title, body = render(kind, params)
        context = {
            "items": [{"title": title, "body": body, "params": params}],
            "base_url": base_url(),
        }
        subject = get_template(f"notifications/email/{_template_for(kind)}_subject.txt")
        text = get_template(f"notifications/email/{_template_for(kind)}_body.txt")
        subject_text = subject.render(context).strip()
        body_text = text.render(context)
    with transaction.atomic():
        sent = email_send_once(key=key, to=to, subject=subject_text, body=body_text)
        SentEmail.objects.filter(key=key).update(recipient="")
    return sent


# --- Consent to list email: in its own module, part of this public surface --------------

from notifications.consents import (  # noqa: E402
    consent_confirm,
    consent_request,
    consent_unsubscribe_url,
    consent_withdraw,
    consent_withdraw_by_token,
    consents_erase,
    marketing_send,
)

__all__ = [
    "consent_confirm",
    "consent_request",
    "consent_unsubscribe_url",
    "consent_withdraw",
    "consent_withdraw_by_token",
    "consents_erase",
    "digests_send",
    "marketing_send",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notify",
    "notify_each",
    "notify_user",
    "pending_deliver",
    "preference_set",
]
