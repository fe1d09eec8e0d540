"""Stripe's view of a subscription, applied to our membership: the one function the
webhooks and the nightly reconciliation both call.

It compares and changes only what differs, under the membership's row lock, so the
same view applied twice (a duplicate delivery, a webhook meeting the reconciliation)
changes nothing the second time. Webhooks do not trust their payload's snapshot: the
handler reads the subscription as Stripe has it now, so events arriving out of order
all converge on Stripe's latest state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from memberships.models import (
    BillStatus,
    ChangeKind,
    EndReason,
    Interval,
    Membership,
    MembershipBill,
    MembershipStatus,
    TierPrice,
)
from memberships.notices import membership_notify
from memberships.services import ledger

Json = dict[str, Any]

# Stripe's subscription status → ours (pause_collection and our own grace decision
# refine it, see _target).
STATUS_MAP = {
    "incomplete": MembershipStatus.INCOMPLETE,
    "trialing": MembershipStatus.TRIALING,
    "active": MembershipStatus.ACTIVE,
    "past_due": MembershipStatus.PAST_DUE,
    "unpaid": MembershipStatus.SUSPENDED,
    "paused": MembershipStatus.SUSPENDED,
    "canceled": MembershipStatus.ENDED,
    "incomplete_expired": MembershipStatus.ENDED,
}


def _moment(ts: Any) -> dt.datetime | None:
    if isinstance(ts, bool) or not isinstance(ts, int) or ts <= 0:
        return None
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def _item(sub: Json) -> Json:
    items = (sub.get("items") or {}).get("data") or [{}]
    return items[0] or {}


def price_id_of(sub: Json) -> str:
    price = _item(sub).get("price") or {}
    return price.get("id", "") if isinstance(price, dict) else str(price)


def period_of(sub: Json) -> tuple[dt.datetime | None, dt.datetime | None]:
    item = _item(sub)
    start = item.get("current_period_start") or sub.get("current_period_start")
    end = item.get("current_period_end") or sub.get("current_period_end")
    return _moment(start), _moment(end)


def _target(membership: Membership, sub: Json) -> str:
    target = STATUS_MAP.get(sub.get("status", ""), membership.status)
    if target == MembershipStatus.ACTIVE and sub.get("pause_collection"):
        return MembershipStatus.PAUSED
    if target == MembershipStatus.PAST_DUE and membership.status == MembershipStatus.SUSPENDED:
        return MembershipStatus.SUSPENDED  # our grace period ran out; payment restores it
    return target


def _end_reason(membership: Membership, sub: Json) -> str:
    details = (sub.get("cancellation_details") or {}).get("reason")
    if membership.status == MembershipStatus.INCOMPLETE:
        return EndReason.NEVER_PAID
    if membership.status == MembershipStatus.TRIALING:
        return EndReason.TRIAL_EXPIRED
    if details == "payment_failed" or membership.status in (
        MembershipStatus.PAST_DUE,
        MembershipStatus.SUSPENDED,
    ):
        return EndReason.FAILED_PAYMENT
    return EndReason.VOLUNTARY


def _apply_price(membership: Membership, sub: Json) -> tuple[str, Any] | None:
    """Take over the price Stripe bills; returns the kind of change and the tier before,
    or None when the price is ours already. A price that is not one of ours is not
    taken over: recorded as a problem for staff."""
    stripe_price = price_id_of(sub)
    if not stripe_price or (membership.price and membership.price.stripe_price == stripe_price):
        return None
    price = TierPrice.objects.select_related("tier").filter(stripe_price=stripe_price).first()
    if price is None:
        membership.problem = f"Stripe bills price {stripe_price}, which is not one of ours."[:500]
        return None
    old_price, old_tier = membership.price, membership.tier
    kind = ledger.change_kind(old_price, price, old_tier=old_tier)
    membership.price, membership.tier = price, price.tier
    membership.amount, membership.currency = price.amount, price.currency
    membership.interval = price.interval
    if membership.scheduled_price_id == price.pk:
        membership.scheduled_price = None
        membership.stripe_schedule = ""
    return kind, old_tier


def subscription_apply(
    *, membership: Membership, sub: Json, source: str, as_of: dt.datetime, now=None
) -> list[str]:
    """Bring ``membership`` (locked by the caller) in line with Stripe's subscription as
    read at ``as_of`` (taken before the request that read it). A view older than the
    one applied last is skipped: two webhooks racing, or the reconciliation meeting a
    webhook, never take the membership back to an earlier state. Returns what changed
    (empty when nothing did)."""
    now = now or timezone.now()
    changed: list[str] = []
    if membership.synced_at is not None and membership.synced_at > as_of:
        return changed
    if not membership.stripe_subscription and sub.get("id"):
        membership.stripe_subscription = sub["id"]
        changed.append("subscription")
    was_paying, before = membership.mrr > 0, membership.status
    problem_before, started_before = membership.problem, membership.started_at
    price_change = _apply_price(membership, sub)
    if price_change:
        changed.append(price_change[0])
    start, end = period_of(sub)
    facts = {
        "current_period_start": start,
        "current_period_end": end,
        "trial_ends_at": _moment(sub.get("trial_end")),
        "cancel_at_period_end": bool(sub.get("cancel_at_period_end")),
        "pause_resumes_at": _moment((sub.get("pause_collection") or {}).get("resumes_at")),
    }
    cancel_before = membership.cancel_at_period_end
    for field, value in facts.items():
        if getattr(membership, field) != value:
            setattr(membership, field, value)
            changed.append(field)
    if membership.started_at is None and sub.get("start_date"):
        membership.started_at = _moment(sub["start_date"])
    membership.synced_at = as_of
    if changed or (membership.problem, membership.started_at) != (problem_before, started_before):
        membership.save()
    else:
        # Compared and found in line (the nightly reconciliation, thousands of times):
        # the stamp alone, without writing the whole row or a history row for it.
        Membership.objects.filter(pk=membership.pk).update(synced_at=as_of)
    if price_change:
        ledger.record(
            membership=membership,
            kind=price_change[0],
            now=now,
            source=source,
            from_tier=price_change[1],
        )
        membership_notify(membership=membership, event="changed", key=str(membership.price_id))
    if cancel_before != membership.cancel_at_period_end and membership.is_live:
        cancel_kind = (
            ChangeKind.CANCEL_REQUESTED
            if membership.cancel_at_period_end
            else ChangeKind.CANCEL_WITHDRAWN
        )
        ledger.record(membership=membership, kind=cancel_kind, now=now, source=source)
        if membership.cancel_at_period_end:
            membership_notify(
                membership=membership,
                event="cancel_requested",
                key=str(int(now.timestamp())),
                when=membership.current_period_end,
            )
    target = _target(membership, sub)
    if target != membership.status:
        _move(membership, before, target, sub, now, source, was_paying)
        changed.append(target)
    return changed


def _move(membership, before, target, sub, now, source, was_paying) -> None:
    if target == MembershipStatus.ENDED:
        ledger.end(
            membership=membership, now=now, source=source, end_reason=_end_reason(membership, sub)
        )
        return
    kind = {
        MembershipStatus.TRIALING: ChangeKind.TRIAL_STARTED,
        MembershipStatus.PAST_DUE: ChangeKind.PAYMENT_FAILED,
        MembershipStatus.SUSPENDED: ChangeKind.SUSPENDED,
        MembershipStatus.PAUSED: ChangeKind.PAUSED,
    }.get(target)
    if target == MembershipStatus.ACTIVE:
        kind = {
            MembershipStatus.INCOMPLETE: ChangeKind.JOINED,
            MembershipStatus.TRIALING: ChangeKind.CONVERTED,
            MembershipStatus.PAUSED: ChangeKind.RESUMED,
        }.get(before, ChangeKind.RECOVERED)
    if before == MembershipStatus.INCOMPLETE and membership.started_at is None:
        membership.started_at = now
    ledger.move(membership=membership, to=target, kind=kind, now=now, source=source)
    if kind in (ChangeKind.JOINED, ChangeKind.TRIAL_STARTED):
        event = "joined" if kind == ChangeKind.JOINED else "trial_started"
        membership_notify(
            membership=membership, event=event, key="start", when=membership.trial_ends_at
        )


def bill_record(*, membership: Membership, invoice: Json, now=None) -> tuple[MembershipBill, str]:
    """A Stripe invoice of the membership, kept for the member's portal. Paid wins over
    failed and open (events may come in any order); an amount or currency that does
    not fit the plan is not recorded as paid but flagged for staff. Returns the bill and
    the problem (empty when none)."""
    now = now or timezone.now()
    problem = ""
    paid = invoice.get("status") == "paid" or bool(invoice.get("paid"))
    currency = (invoice.get("currency") or "").upper()
    amount = invoice.get("amount_paid") if paid else invoice.get("amount_due")
    amount = amount if isinstance(amount, int) else 0
    plan = membership.price
    if currency and currency != membership.currency:
        problem = f"Invoice {invoice['id']} is in {currency}, the plan in {membership.currency}."
    elif paid and plan is not None and amount > max(plan.amount, membership.amount):
        problem = f"Invoice {invoice['id']} charged {amount}, more than the plan's {plan.amount}."
    if problem:
        status = BillStatus.OPEN
        membership.problem = problem[:500]
        membership.save(update_fields=["problem"])
    elif paid:
        status = BillStatus.PAID
    elif invoice.get("status") == "void":
        status = BillStatus.VOID
    elif invoice.get("attempt_count"):
        status = BillStatus.FAILED
    else:
        status = BillStatus.OPEN
    lines = (invoice.get("lines") or {}).get("data") or [{}]
    period = (lines[-1] or {}).get("period") or {}
    bill, created = MembershipBill.objects.get_or_create(
        reference=invoice["id"],
        defaults={
            "membership": membership,
            "number": invoice.get("number") or "",
            "status": status,
            "amount": amount,
            "currency": currency or membership.currency,
            "period_start": _moment(period.get("start")),
            "period_end": _moment(period.get("end")),
            "url": invoice.get("hosted_invoice_url") or "",
            "paid_at": now if status == BillStatus.PAID else None,
        },
    )
    if not created and bill.status != BillStatus.PAID and bill.status != status:
        bill.status, bill.amount = status, amount
        bill.paid_at = now if status == BillStatus.PAID else None
        bill.save(update_fields=["status", "amount", "paid_at", "updated_at"])
    return bill, problem


def lifetime_or_free(membership: Membership) -> bool:
    return membership.interval == Interval.LIFETIME or membership.price_id is None
