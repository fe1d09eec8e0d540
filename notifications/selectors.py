"""Reads for the notification centre: the latest notifications rendered in the viewer's
language and zone, the unread count, the preferences table, and each member's consent
to list email with its history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lms.models import User
from notifications.kinds import render
from notifications.models import (
    ALWAYS_EMAILED,
    Consent,
    ConsentEvent,
    ConsentList,
    ConsentStatus,
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


@dataclass
class ConsentRow:
    mailing_list: str
    label: str
    # What subscribing means, in the viewer's language: the text a request records.
    text: str
    status: str
    changed_at: dt.datetime | None
    # Oldest first: every request, grant and withdrawal with the text agreed to.
    history: list[ConsentEvent] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(ConsentStatus(self.status).label)


def consents_overview(*, user: User) -> list[ConsentRow]:
    """One row per list, with its state and history, for the member's own page and
    API. Two queries whatever the length of the history."""
    from notifications.consents import consent_text

    states = {c.mailing_list: c for c in Consent.objects.filter(user=user)}
    history: dict[str, list[ConsentEvent]] = {value: [] for value in ConsentList.values}
    for event in ConsentEvent.objects.filter(user=user).order_by("at", "pk"):
        history[event.mailing_list].append(event)
    rows = []
    for value, label in ConsentList.choices:
        state = states.get(value)
        rows.append(
            ConsentRow(
                mailing_list=value,
                label=str(label),
                text=consent_text(value),
                status=state.status if state else ConsentStatus.WITHDRAWN,
                changed_at=state.changed_at if state else None,
                history=history[value],
            )
        )
    return rows


@dataclass
class ConsentRecords:
    """Everything stored about a member's consent to list email."""

    states: list[Consent]
    events: list[ConsentEvent]


def consent_records_for(*, user: User) -> ConsentRecords:
    """For the member's data export: the current state per list and every event (when,
    how, the text agreed to and its language). Two queries."""
    return ConsentRecords(
        states=list(Consent.objects.filter(user=user).order_by("mailing_list")),
        events=list(ConsentEvent.objects.filter(user=user).order_by("at", "pk")),
    )
