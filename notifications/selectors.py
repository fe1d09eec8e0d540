"""Reads for the notification centre: the latest notifications rendered in the viewer's
language and zone, the unread count, and the preferences table."""

from __future__ import annotations

from dataclasses import dataclass

from lms.models import User
from notifications.kinds import render
from notifications.models import (
    ALWAYS_EMAILED,
    Delivery,
    Kind,
    Notification,
    Preference,
    default_delivery,
)


@dataclass
class NotificationItem:
    notification: Notification
    title: str
    body: str


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_list(*, user: User, limit: int = 50, unread_only: bool = False):
    """The latest notifications, newest first. 1 query."""
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    rows = list(qs.order_by("-created_at", "-pk")[:limit])
    items = []
    for n in rows:
        title, body = render(n.kind, n.params)
        items.append(NotificationItem(notification=n, title=title, body=body))
    return items


@dataclass
class PreferenceRow:
    kind: str
    label: str
    delivery: str
    # Always emailed straight away (receipts, invoices, ...): shown, not chosen.
    fixed: bool = False


def preferences_get(*, user: User) -> list[PreferenceRow]:
    """One row per kind; the kinds in ALWAYS_EMAILED are offered as fixed."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return [
        PreferenceRow(kind=kind, label=str(label), delivery=Delivery.IMMEDIATELY, fixed=True)
        if kind in ALWAYS_EMAILED
        else PreferenceRow(
            kind=kind, label=str(label), delivery=chosen.get(kind, default_delivery(kind))
        )
        for kind, label in Kind.choices
    ]
