"""Notices to members, through notifications (kind ``membership``: money and access,
always emailed; anniversaries follow the member's preferences). Sent once per key,
after the change commits."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse

from memberships.models import Membership
from notifications.models import Kind
from notifications.services import notify_user


def membership_notify(
    *,
    membership: Membership,
    event: str,
    key: str,
    when: dt.datetime | None = None,
    tier: str = "",
    amount: int | None = None,
) -> None:
    params = {
        "event": event,
        "tier": tier or membership.tier.name,
        "amount": membership.amount if amount is None else amount,
        "currency": membership.currency,
        "when": when.isoformat() if when else "",
    }
    user_id = membership.user_id
    transaction.on_commit(
        lambda: notify_user(
            kind=Kind.MEMBERSHIP,
            key=f"membership:{membership.pk}:{event}:{key}",
            user_id=user_id,
            params=params,
            url=reverse("memberships:portal"),
        )
    )


def milestone_notify(*, membership: Membership, years: int) -> None:
    params = {"years": years, "tier": membership.tier.name}
    user_id = membership.user_id
    transaction.on_commit(
        lambda: notify_user(
            kind=Kind.MEMBERSHIP_MILESTONE,
            key=f"membership:{membership.pk}:anniversary:{years}",
            user_id=user_id,
            params=params,
            url=reverse("memberships:portal"),
        )
    )
