"""The public surface of notifications: other apps call these, never the tasks.

- ``notify``: make one kind of notification for many users, in batches by user id
  (three queries per batch, whatever the number of users), once per (user, kind, key).
- ``notification_mark_read`` / ``notifications_mark_all_read``, ``preference_set``.
- ``pending_deliver`` and ``digests_send``: the email side, each email sent once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.errors import NotFound, ValidationFailed
from lms.links import absolute_url
from lms.models import User
from lms.timeutils import is_valid_timezone
from notifications.kinds import render
from notifications.models import Delivery, Kind, Notification, Preference

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
    if kind not in Kind.values:
        raise ValidationFailed(_("Unknown kind of notification."), field="kind")
    now = now or timezone.now()
    offered = 0
    for ids in _batches(users, batch_size):
        prefs = dict(
            Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "delivery")
        )
        rows = [
            Notification(
                user_id=user_id,
                kind=kind,
                key=key,
                params=params,
                url=url,
                created_at=now,
                delivery=prefs.get(user_id, Delivery.IMMEDIATELY),
            )
            for user_id in ids
            if prefs.get(user_id) != Delivery.OFF
        ]
        # INSERT ... ON CONFLICT DO NOTHING: a second producer of the same notification
        # (a retried task, a restarted beat, another worker) adds nothing.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        offered += len(rows)
    if offered:
        from notifications.tasks import deliver_pending

        deliver_pending.delay_on_commit()
    return offered


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


def notify_user(*, kind: str, key: str, user_id: int, params: dict, url: str = "") -> bool:
    """One notification for one user; True when it is new (False when the user turned
    the kind off or it exists already, e.g. a retried task)."""
    if kind not in Kind.values:
        raise ValidationFailed(_("Unknown kind of notification."), field="kind")
    delivery = (
        Preference.objects.filter(user_id=user_id, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    ) or Delivery.IMMEDIATELY
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
    from notifications.tasks import deliver_pending

    deliver_pending.delay_on_commit()
    return True


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


def _moments(params: dict) -> dict[str, dt.datetime]:
    moments = {}
    for name, value in params.items():
        if name.endswith("_at") and isinstance(value, str):
            try:
                moments[name] = dt.datetime.fromisoformat(value)
            except ValueError:
                continue
    return moments


def _send(user: User, key: str, template: str, context: dict) -> bool:
    from lms.services import email_send_once

    with (
        translation.override(user.language or settings.LANGUAGE_CODE),
        timezone.override(_zone(user)),
    ):
        items = [
            {"title": t, "body": b, "url": _absolute(n.url), "params": n.params}
            for n in context["notifications"]
            for t, b in [render(n.kind, n.params)]
        ]
        context = {
            **context,
            "user": user,
            "items": items,
            "preferences_url": _absolute(reverse("notifications:preferences")),
        }
        subject = render_to_string(f"notifications/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"notifications/email/{template}_body.txt", context)
    return email_send_once(key=key, to=user.email, subject=subject, body=body)


def pending_deliver(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Email every notification chosen "immediately" that has not gone out. The email
    is keyed on the notification's row, so two workers or a retry send it once; rows
    locked by another worker are skipped (PostgreSQL)."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(delivery=Delivery.IMMEDIATELY, emailed_at__isnull=True)
                .select_related("user")
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return sent
            for notification in batch:
                if notification.user.email and notification.user.is_active:
                    sent += _send(
                        notification.user,
                        _email_key(notification),
                        _template_for(notification.kind),
                        {"notifications": [notification]},
                    )
            Notification.objects.filter(pk__in=[n.pk for n in batch]).update(emailed_at=now)


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
