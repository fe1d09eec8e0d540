"""Reads for memberships: the pricing page, the member's portal, staff lists and the
revenue page. Each page costs a fixed number of queries whatever the number of
members or months; the revenue figures come from the ledger alone."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from memberships.models import (
    INTERVAL_MONTHS,
    ChangeKind,
    EndReason,
    Interval,
    Membership,
    MembershipBill,
    MembershipChange,
    MembershipStatus,
    Tier,
    TierPrice,
)


def user_can_manage_memberships(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("memberships.manage_memberships"))


# --- Pricing ------------------------------------------------------------------------


@dataclass(frozen=True)
class TierCard:
    tier: Tier
    prices: dict[str, TierPrice]  # interval -> offered price

    @property
    def is_free(self) -> bool:
        return not self.prices

    @property
    def yearly_saving(self) -> int:
        """What a year costs less when paid yearly instead of monthly (minor units)."""
        month, year = self.prices.get(Interval.MONTH), self.prices.get(Interval.YEAR)
        if not month or not year or month.currency != year.currency:
            return 0
        return max(month.amount * 12 - year.amount, 0)

    @property
    def yearly_saving_percent(self) -> int:
        month = self.prices.get(Interval.MONTH)
        return round(100 * self.yearly_saving / (month.amount * 12)) if self.yearly_saving else 0


def pricing_get() -> list[TierCard]:
    """Tiers open for sign-up with their offered prices. 3 queries."""
    tiers = Tier.objects.filter(open_for_signup=True).prefetch_related(
        Prefetch("prices", queryset=TierPrice.objects.filter(active=True), to_attr="offered"),
        "library_courses",
    )
    return [TierCard(tier=t, prices={p.interval: p for p in t.offered}) for t in tiers]


def tier_card_get(*, tier: Tier) -> TierCard:
    """One tier with its offered prices, open or not. 1 query."""
    return TierCard(tier=tier, prices={p.interval: p for p in tier.prices.filter(active=True)})


def tier_get(*, slug: str) -> Tier | None:
    return Tier.objects.filter(slug=slug).first()


def price_get(*, price_id: int) -> TierPrice | None:
    return TierPrice.objects.select_related("tier").filter(pk=price_id).first()


# --- The member's portal ------------------------------------------------------------


@dataclass
class Portal:
    membership: Membership | None
    last_ended: Membership | None
    bills: list[MembershipBill] = field(default_factory=list)
    options: list[TierPrice] = field(default_factory=list)

    @property
    def next_amount(self) -> int | None:
        m = self.membership
        if m is None or m.cancel_at_period_end or m.is_lifetime or not m.amount:
            return None
        return m.scheduled_price.amount if m.scheduled_price else m.amount

    @property
    def next_renewal(self) -> dt.datetime | None:
        m = self.membership
        if m is None or m.cancel_at_period_end or m.is_lifetime:
            return None
        if m.status == MembershipStatus.PAUSED:
            return m.pause_resumes_at
        if m.status == MembershipStatus.TRIALING:
            return m.trial_ends_at
        return m.current_period_end


def membership_current(*, user) -> Membership | None:
    return (
        Membership.objects.select_related("tier", "price", "scheduled_price__tier")
        .filter(user=user)
        .exclude(status=MembershipStatus.ENDED)
        .first()
    )


def portal_get(*, user) -> Portal:
    """The member's membership, invoices and the plans they may move to. 4 queries."""
    membership = membership_current(user=user)
    last_ended = None
    if membership is None:
        last_ended = (
            Membership.objects.select_related("tier")
            .filter(user=user, status=MembershipStatus.ENDED)
            .order_by("-ended_at")
            .first()
        )
    shown = membership or last_ended
    bills = list(shown.bills.select_related("invoice")[:24]) if shown else []
    options: list[TierPrice] = []
    if membership is not None and membership.price_id:
        options = [
            p
            for p in TierPrice.objects.select_related("tier").filter(
                active=True, tier__open_for_signup=True, currency=membership.currency
            )
            if p.pk != membership.price_id and p.interval != Interval.LIFETIME
        ]
    return Portal(membership=membership, last_ended=last_ended, bills=bills, options=options)


def membership_for_user(*, user) -> Membership | None:
    return membership_current(user=user)


# --- Staff ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RetiredPrice:
    """A price no longer offered that live memberships still pay, with the tier's
    current price for the same interval (None: the tier offers that interval no more)."""

    price: TierPrice
    current: TierPrice | None
    members: int


def retired_prices_with_members(*, price_id: int | None = None) -> list[RetiredPrice]:
    """Retired prices with live members (or the one ``price_id``). 2 queries."""
    retired = (
        TierPrice.objects.filter(active=False)
        .select_related("tier")
        .annotate(live=Count("memberships", filter=~Q(memberships__status=MembershipStatus.ENDED)))
        .filter(live__gt=0)
        .order_by("tier__level", "interval", "created_at")
    )
    if price_id is not None:
        retired = retired.filter(pk=price_id)
    retired = list(retired)
    if not retired:
        return []
    current = {
        (p.tier_id, p.interval): p
        for p in TierPrice.objects.select_related("tier").filter(
            active=True, tier_id__in={p.tier_id for p in retired}
        )
    }
    return [
        RetiredPrice(price=p, current=current.get((p.tier_id, p.interval)), members=p.live)
        for p in retired
    ]


def _members(*, tier_id: int | None, status: str, query: str):
    rows = Membership.objects.select_related("user", "tier").order_by("-created_at", "-pk")
    if tier_id:
        rows = rows.filter(tier_id=tier_id)
    if status:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(Q(user__email__icontains=query) | Q(user__display_name__icontains=query))
    return rows


def members_list(*, tier_id: int | None = None, status: str = "", query: str = "", limit=100):
    return list(_members(tier_id=tier_id, status=status, query=query)[:limit])


def members_page(
    *, tier_id: int | None = None, status: str = "", query: str = "", page: int = 1, per_page=50
) -> Page:
    """One page of memberships, newest first; past the last page, the last page. 2
    queries whatever the number of members."""
    rows = _members(tier_id=tier_id, status=status, query=query)
    return Paginator(rows, per_page).get_page(page)


@dataclass
class MonthFigures:
    month: dt.date
    mrr: dict[str, int] = field(default_factory=dict)  # currency -> MRR at the month's end
    paying: int = 0  # paying members at the month's end
    counts: dict[str, int] = field(default_factory=dict)  # change kind -> how many
    churn_voluntary: int = 0
    churn_failed: int = 0
    trials_ended: int = 0

    @property
    def new(self) -> int:
        return self.counts.get(ChangeKind.JOINED, 0) + self.counts.get(ChangeKind.CONVERTED, 0)

    @property
    def conversion_percent(self) -> int | None:
        converted = self.counts.get(ChangeKind.CONVERTED, 0)
        ended = converted + self.trials_ended
        return round(100 * converted / ended) if ended else None


@dataclass
class Revenue:
    months: list[MonthFigures]
    by_tier: list[dict]
    mrr_now: dict[str, int]
    paying_now: int


def revenue_get(*, months: int = 24, now: dt.datetime | None = None) -> Revenue:
    """Monthly figures from the ledger: MRR and paying members at each month's end (the
    running sum of the deltas), changes per kind, churn by reason and trial conversion;
    and members per tier now. 4 queries whatever the number of members or months."""
    now = now or timezone.now()
    first = (timezone.localtime(now).date().replace(day=1)) - relativedelta(months=months - 1)
    first_moment = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    before = MembershipChange.objects.filter(at__lt=first_moment)
    opening = {
        row["currency"]: row["mrr"]
        for row in before.values("currency").annotate(mrr=Sum("mrr_delta"))
    }
    paying = before.aggregate(n=Sum("paying_delta"))["n"] or 0
    rows = (
        MembershipChange.objects.filter(at__gte=first_moment, at__lte=now)
        .annotate(month=TruncMonth("at"))
        .values("month", "kind", "currency", "end_reason")
        .annotate(n=Count("pk"), mrr=Sum("mrr_delta"), paying=Sum("paying_delta"))
        .order_by("month")
    )
    per_month: dict[dt.date, MonthFigures] = {}
    for i in range(months):
        day = first + relativedelta(months=i)
        per_month[day] = MonthFigures(month=day)
    deltas: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    paying_deltas: dict[dt.date, int] = defaultdict(int)
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        figures = per_month.get(month)
        if figures is None:
            continue
        figures.counts[row["kind"]] = figures.counts.get(row["kind"], 0) + row["n"]
        if row["kind"] == ChangeKind.ENDED:
            if row["end_reason"] == EndReason.FAILED_PAYMENT:
                figures.churn_failed += row["n"]
            elif row["end_reason"] == EndReason.TRIAL_EXPIRED:
                figures.trials_ended += row["n"]
            elif row["end_reason"] in (EndReason.VOLUNTARY, EndReason.STAFF):
                figures.churn_voluntary += row["n"]
        deltas[month][row["currency"]] += row["mrr"] or 0
        paying_deltas[month] += row["paying"] or 0
    running = dict(opening)
    for month, figures in per_month.items():
        for currency, delta in deltas[month].items():
            running[currency] = running.get(currency, 0) + delta
        paying += paying_deltas[month]
        figures.mrr, figures.paying = dict(running), paying
    by_tier = list(
        Tier.objects.annotate(
            members=Count("memberships", filter=~Q(memberships__status=MembershipStatus.ENDED)),
            paying=Count(
                "memberships",
                filter=Q(
                    memberships__status__in=(MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)
                )
                & Q(memberships__mrr__gt=0),
            ),
            trialing=Count("memberships", filter=Q(memberships__status=MembershipStatus.TRIALING)),
            mrr=Sum("memberships__mrr"),
        )
        .order_by("level")
        .values("pk", "name", "members", "paying", "trialing", "mrr")
    )
    ordered = list(per_month.values())
    last = ordered[-1] if ordered else MonthFigures(month=first)
    return Revenue(months=ordered, by_tier=by_tier, mrr_now=last.mrr, paying_now=last.paying)


def months_of(interval: str) -> int | None:
    return INTERVAL_MONTHS.get(interval)
