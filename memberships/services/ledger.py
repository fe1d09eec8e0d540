"""Every change of a membership goes through here: the status machine, the ledger row
with its effect on MRR, and the access the tier gives (library enrolments), in one
transaction. The revenue page reads the ledger alone."""

from __future__ import annotations

import datetime as dt

from memberships.models import (
    INTERVAL_MONTHS,
    MEMBERSHIP_MACHINE,
    PAYING_STATUSES,
    ChangeKind,
    Membership,
    MembershipChange,
    MembershipStatus,
    Tier,
    TierPrice,
)


def membership_lock(**lookup) -> Membership | None:
    """The membership matching ``lookup`` under its row lock, with its tier and price
    read once the lock is held (None when there is none). Every change of a
    membership starts here.

    Two statements on purpose. PostgreSQL rechecks a row that another transaction
    changed while this one waited for its lock against the rows it had joined before
    waiting: locked with select_related, a membership whose price or tier the other
    transaction changed (an upgrade from a webhook) no longer matches its old tier and
    is not found at all."""
    pk = (
        Membership.objects.select_for_update()
        .filter(**lookup)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        return None
    return Membership.objects.select_related("tier", "price").get(pk=pk)


def mrr_of(membership: Membership) -> int:
    """What the membership adds to monthly recurring revenue in its current state:
    the recurring amount it pays per month while paying; trials, pauses, suspensions,
    lifetime and free memberships add nothing."""
    months = INTERVAL_MONTHS.get(membership.interval)
    if membership.status not in PAYING_STATUSES or not months or not membership.amount:
        return 0
    return round(membership.amount / months)


def is_paying(membership: Membership) -> bool:
    return mrr_of(membership) > 0


def record(
    *,
    membership: Membership,
    kind: str,
    now: dt.datetime,
    source: str,
    from_tier: Tier | None = None,
    was_paying: bool | None = None,
) -> MembershipChange:
    """A ledger row for a change already made to ``membership`` (saved by the caller):
    the MRR delta is the new share less the stored one, which it then updates. A change
    of tier brings access in line with the new tier."""
    new_mrr = mrr_of(membership)
    paying_now = new_mrr > 0
    paying_before = membership.mrr > 0 if was_paying is None else was_paying
    change = MembershipChange.objects.create(
        membership=membership,
        kind=kind,
        at=now,
        tier=membership.tier,
        from_tier=from_tier,
        currency=membership.currency,
        mrr_delta=new_mrr - membership.mrr,
        paying_delta=int(paying_now) - int(paying_before),
        end_reason=membership.end_reason if kind == ChangeKind.ENDED else "",
        source=source[:255],
    )
    if new_mrr != membership.mrr:
        membership.mrr = new_mrr
        Membership.objects.filter(pk=membership.pk).update(mrr=new_mrr)
    if from_tier is not None and from_tier.pk != membership.tier_id:
        from memberships.services.access import access_sync

        access_sync(membership=membership, now=now)  # another tier, other courses
    return change


def move(
    *,
    membership: Membership,
    to: str,
    kind: str,
    now: dt.datetime,
    source: str,
    by=None,
    end_reason: str = "",
) -> Membership:
    """Change the status through the machine, write the ledger row and bring access in
    line. The caller holds the membership's row lock."""
    from memberships.services.access import access_sync

    if to == MembershipStatus.ENDED:
        membership.end_reason = end_reason or membership.end_reason
        membership.cancel_at_period_end = False
        membership.scheduled_price = None
    MEMBERSHIP_MACHINE.move(membership, to, by=by, reason=f"{kind}: {source}"[:100], now=now)
    record(membership=membership, kind=kind, now=now, source=source)
    access_sync(membership=membership, now=now)
    return membership


def end(
    *,
    membership: Membership,
    now: dt.datetime,
    source: str,
    end_reason: str,
    by=None,
    tell: bool = True,
) -> Membership:
    """End a membership (the caller holds its lock): the ledger row, access taken back,
    and the member told (unless ``tell`` is off: a sign-up replaced by a new one)."""
    from memberships.notices import membership_notify

    move(
        membership=membership,
        to=MembershipStatus.ENDED,
        kind=ChangeKind.ENDED,
        now=now,
        source=source,
        by=by,
        end_reason=end_reason,
    )
    if tell:
        membership_notify(membership=membership, event="ended", key="end")
    return membership


def change_kind(old: TierPrice | None, new: TierPrice, *, old_tier=None) -> str:
    """What moving from one price to another is in the ledger: another interval of the
    same tier, a new price of it, or a move up or down the levels."""
    tier = old.tier if old is not None else old_tier
    if tier is None or tier.pk == new.tier_id:
        if old is not None and old.interval != new.interval:
            return ChangeKind.SWITCHED
        return ChangeKind.PRICE_MOVED
    return ChangeKind.UPGRADED if new.tier.level > tier.level else ChangeKind.DOWNGRADED
