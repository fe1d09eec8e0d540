"""Membership test data. Memberships are built in a given state directly (as staff
data would be after its services ran); tests of the flows themselves go through the
services and pages."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from memberships.models import (
    ChangeKind,
    Interval,
    Membership,
    MembershipChange,
    MembershipProvider,
    MembershipStatus,
    Tier,
    TierPrice,
)
from tests.factories import UserFactory


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"Tier {n}")
    slug = factory.Sequence(lambda n: f"tier-{n}")
    level = factory.Sequence(lambda n: n + 1)
    highlights = "Every library course\nLive Q&A each month"


class TierPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierPrice

    tier = factory.SubFactory(TierFactory)
    interval = Interval.YEAR
    amount = 12_000
    currency = "EUR"


class MembershipFactory(factory.django.DjangoModelFactory):
    """An active member paying by invoice, 40 days into a yearly period."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    price = factory.SubFactory(TierPriceFactory)
    tier = factory.LazyAttribute(lambda o: o.price.tier)
    status = MembershipStatus.ACTIVE
    provider = MembershipProvider.MANUAL
    amount = factory.LazyAttribute(lambda o: o.price.amount)
    currency = factory.LazyAttribute(lambda o: o.price.currency)
    interval = factory.LazyAttribute(lambda o: o.price.interval)
    mrr = factory.LazyAttribute(
        lambda o: (
            round(o.amount / {"month": 1, "quarter": 3, "year": 12}[o.interval])
            if o.status in (MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)
            and o.interval in ("month", "quarter", "year")
            else 0
        )
    )
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=40))
    current_period_start = factory.LazyAttribute(lambda o: o.started_at)
    current_period_end = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(days=365))


class MembershipChangeFactory(factory.django.DjangoModelFactory):
    """A ledger row: by default the membership's joining, with its MRR."""

    class Meta:
        model = MembershipChange

    membership = factory.SubFactory(MembershipFactory)
    kind = ChangeKind.JOINED
    at = factory.LazyAttribute(lambda o: o.membership.started_at)
    tier = factory.LazyAttribute(lambda o: o.membership.tier)
    currency = factory.LazyAttribute(lambda o: o.membership.currency)
    mrr_delta = factory.LazyAttribute(lambda o: o.membership.mrr)
    paying_delta = factory.LazyAttribute(lambda o: int(o.membership.mrr > 0))
    source = "test"
