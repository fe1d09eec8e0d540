"""Tiers, their prices and members for the API tests. Tiers and prices are rows staff
make in the admin; memberships come from the services, as a member reaches them."""

from __future__ import annotations

import datetime as dt
import itertools

from memberships import services
from memberships.models import Membership, Tier, TierPrice

_numbers = itertools.count(1)


def tier(*, name: str = "", prices: dict[str, int] | None = None, **fields) -> Tier:
    """A tier open for sign-up with one offered EUR price per interval in ``prices``
    (amounts in cents; none: a free tier)."""
    n = next(_numbers)
    fields.setdefault("level", 100 + n)
    made = Tier.objects.create(name=name or f"Tier {n}", slug=f"tier-{n}", **fields)
    for interval, amount in (prices or {}).items():
        TierPrice.objects.create(tier=made, interval=interval, amount=amount, currency="EUR")
    return made


def invoiced_member(*, user, tier: Tier, interval: str = "year", now: dt.datetime | None = None):
    """A member who joined on an invoice-paid plan and paid the first invoice: active
    for the period paid."""
    membership = services.membership_join(user=user, tier=tier, interval=interval, now=now)
    services.manual_invoice_paid(invoice=membership.bills.get().invoice, now=now)
    return Membership.objects.get(pk=membership.pk)


def free_member(*, user, tier: Tier) -> Membership:
    return services.membership_join(user=user, tier=tier)
