"""Memberships billed by the manual invoice provider (payments.Invoice, paid by bank
transfer and marked paid by staff): the first invoice, renewals ahead of the period's
end, the end of a trial, pauses and cancellations at the end of the period. Payment
arrives through ``payments.signals.invoice_paid``."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from memberships.models import (
    INTERVAL_MONTHS,
    BillStatus,
    ChangeKind,
    EndReason,
    Interval,
    Membership,
    MembershipBill,
    MembershipProvider,
    MembershipStatus,
)
from memberships.notices import membership_notify
from memberships.services import dunning_link, ledger
from payments.models import Invoice
from payments.pricing import coupon_discount
from payments.services import invoice_issue

# How long after its paid period a suspended invoice-paid membership ends unpaid.
SUSPENDED_ENDS_AFTER = dt.timedelta(days=30)


def _lead() -> dt.timedelta:
    return dt.timedelta(days=settings.LMS_MEMBERSHIP_INVOICE_LEAD_DAYS)


def _issue(*, membership: Membership, amount: int, what: str, now: dt.datetime) -> MembershipBill:
    due_on = timezone.localdate(now) + dt.timedelta(days=settings.LMS_MEMBERSHIP_INVOICE_DAYS)
    invoice = invoice_issue(
        user=membership.user,
        amount=amount,
        currency=membership.currency,
        description=what,
        due_on=due_on,
        now=now,
    )
    bill = MembershipBill.objects.create(
        membership=membership,
        reference=f"invoice-{invoice.pk}",
        number=invoice.number,
        status=BillStatus.OPEN,
        amount=amount,
        currency=membership.currency,
        invoice=invoice,
    )
    membership_notify(
        membership=membership,
        event="invoice",
        key=invoice.number,
        amount=amount,
        when=timezone.make_aware(dt.datetime.combine(due_on, dt.time(23, 59))),
    )
    return bill


def invoice_first(*, membership: Membership, now: dt.datetime) -> MembershipBill | None:
    """The first invoice, less the sign-up code's discount. A code that covers all of
    it starts the paid period at once (nothing to invoice)."""
    what = _("%(tier)s membership (%(interval)s)") % {
        "tier": membership.tier.name,
        "interval": Interval(membership.interval).label.lower(),
    }
    amount = membership.amount
    if membership.coupon is not None:
        amount -= coupon_discount(membership.coupon, amount)
    if amount > 0:
        return _issue(membership=membership, amount=amount, what=what, now=now)
    _start_period(membership, now, source=f"code {membership.coupon.code}")
    return None


def _start_period(membership: Membership, now: dt.datetime, *, source: str) -> None:
    months = INTERVAL_MONTHS.get(membership.interval)
    start = max(membership.trial_ends_at or now, now)
    membership.current_period_start = start
    membership.current_period_end = start + relativedelta(months=months) if months else None
    membership.started_at = membership.started_at or now
    membership.save()
    kind = (
        ChangeKind.CONVERTED
        if membership.status == MembershipStatus.TRIALING
        else ChangeKind.JOINED
    )
    ledger.move(
        membership=membership, to=MembershipStatus.ACTIVE, kind=kind, now=now, source=source
    )
    membership_notify(membership=membership, event="joined", key="start")


def _open_bill(membership: Membership) -> MembershipBill | None:
    return membership.bills.filter(status=BillStatus.OPEN).order_by("-pk").first()


def _renewal_amount(membership: Membership) -> int:
    price = membership.scheduled_price or membership.price
    amount = price.amount if price else membership.amount
    if (
        membership.retention_offer_used_at
        and not membership.bills.filter(
            status=BillStatus.PAID, created_at__gt=membership.retention_offer_used_at
        ).exists()
    ):
        amount -= amount * (membership.tier.retention_percent_off or 0) // 100
    return amount


@transaction.atomic
def manual_invoice_paid(*, invoice: Invoice, now: dt.datetime | None = None) -> Membership | None:
    """A membership invoice was paid: the first payment starts the membership (or ends
    the trial), a renewal extends the paid period, a late payment restores access.
    Once per bill, also when told twice at once: the bill is read again under the
    membership's lock, so the second finds it paid."""
    now = now or timezone.now()
    found = MembershipBill.objects.filter(invoice=invoice).values_list("membership_id").first()
    if found is None:
        return None
    membership = ledger.membership_lock(pk=found[0])
    bill = MembershipBill.objects.get(invoice=invoice)
    if membership is None or bill.status == BillStatus.PAID:
        return None
    bill.status, bill.paid_at = BillStatus.PAID, now
    if membership.status == MembershipStatus.ENDED:
        # Paid after all for a membership that ended (a sign-up replaced by a second
        # one, a trial that ran out): recorded, nothing restarts; staff decide.
        bill.save()
        membership.problem = (
            f"Invoice {invoice.number} was paid after this membership ended: refund it "
            "or count it towards the member's live membership."
        )[:500]
        membership.save(update_fields=["problem", "updated_at"])
        return membership
    months = INTERVAL_MONTHS.get(membership.interval)
    if membership.scheduled_price is not None:
        _take_scheduled_price(membership, now)
    start = membership.current_period_end or membership.trial_ends_at or now
    start = max(start, now) if membership.status != MembershipStatus.ACTIVE else start
    bill.period_start = start
    bill.period_end = start + relativedelta(months=months) if months else None
    bill.save()
    if membership.status != MembershipStatus.ACTIVE or membership.current_period_start is None:
        membership.current_period_start = start
    membership.current_period_end = bill.period_end
    membership.save()
    source = f"invoice {invoice.number} paid"
    if membership.status == MembershipStatus.INCOMPLETE:
        membership.started_at = membership.started_at or now
        ledger.move(
            membership=membership,
            to=MembershipStatus.ACTIVE,
            kind=ChangeKind.JOINED,
            now=now,
            source=source,
        )
        membership_notify(membership=membership, event="joined", key="start")
    elif membership.status == MembershipStatus.TRIALING:
        ledger.move(
            membership=membership,
            to=MembershipStatus.ACTIVE,
            kind=ChangeKind.CONVERTED,
            now=now,
            source=source,
        )
    elif membership.status in (MembershipStatus.PAST_DUE, MembershipStatus.SUSPENDED):
        dunning_link.settle(membership=membership, now=now)
    return membership


def _take_scheduled_price(membership: Membership, now: dt.datetime) -> None:
    price = membership.scheduled_price
    old_tier = membership.tier
    kind = ledger.change_kind(membership.price, price, old_tier=old_tier)
    membership.price, membership.tier, membership.scheduled_price = price, price.tier, None
    membership.amount, membership.currency, membership.interval = (
        price.amount,
        price.currency,
        price.interval,
    )
    membership.save()
    ledger.record(
        membership=membership, kind=kind, now=now, source="period renewed", from_tier=old_tier
    )


def manual_memberships_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily round of invoice-paid memberships; each membership in its own
    transaction under its lock, safe to run twice."""
    now = now or timezone.now()
    done = {"invoiced": 0, "ended": 0, "past_due": 0, "resumed": 0}
    rows = (
        Membership.objects.filter(provider=MembershipProvider.MANUAL)
        .exclude(status__in=(MembershipStatus.ENDED, MembershipStatus.INCOMPLETE))
        .exclude(interval=Interval.LIFETIME)
    )
    for membership_id in rows.values_list("pk", flat=True):
        with transaction.atomic():
            membership = ledger.membership_lock(pk=membership_id)
            outcome = _round(membership, now) if membership is not None else None
            if outcome:
                done[outcome] += 1
    return done


def _round(membership: Membership, now: dt.datetime) -> str | None:
    status = membership.status
    if status == MembershipStatus.TRIALING:
        ends = membership.trial_ends_at or now
        if now >= ends:
            if _open_bill(membership) is not None or not membership.bills.exists():
                ledger.end(
                    membership=membership,
                    now=now,
                    source="trial ended unpaid",
                    end_reason="trial_expired",
                )
                return "ended"
        elif now >= ends - _lead() and not membership.bills.exists():
            invoice_first(membership=membership, now=now)
            return "invoiced"
        return None
    if status == MembershipStatus.PAUSED:
        paid_until = membership.current_period_end
        if membership.cancel_at_period_end and paid_until and now >= paid_until:
            return _end_at_period_end(membership, now)
        resumes = membership.pause_resumes_at
        if resumes and now >= resumes:
            membership.pause_resumes_at = None
            membership.current_period_start = membership.current_period_end = resumes
            membership.save()
            ledger.move(
                membership=membership,
                to=MembershipStatus.ACTIVE,
                kind=ChangeKind.RESUMED,
                now=now,
                source="pause ended",
            )
            _renew(membership, now)
            return "resumed"
        return None
    end = membership.current_period_end
    if end is None:
        return None
    if status == MembershipStatus.SUSPENDED and now >= end + SUSPENDED_ENDS_AFTER:
        # Unpaid a month after access was suspended: the membership ends (involuntary
        # churn) instead of staying suspended forever; the open invoice stays for staff.
        ledger.end(
            membership=membership,
            now=now,
            source="renewal unpaid after suspension",
            end_reason=EndReason.FAILED_PAYMENT,
        )
        return "ended"
    if now >= end and status == MembershipStatus.ACTIVE:
        if membership.cancel_at_period_end:
            return _end_at_period_end(membership, now)
        bill = _open_bill(membership)
        if bill is not None:
            ledger.move(
                membership=membership,
                to=MembershipStatus.PAST_DUE,
                kind=ChangeKind.PAYMENT_FAILED,
                now=now,
                source="renewal unpaid",
            )
            dunning_link.open(membership=membership, reference=bill.reference, now=now)
            return "past_due"
    renewing = status == MembershipStatus.ACTIVE and not membership.cancel_at_period_end
    if renewing and now >= end - _lead() and _renew(membership, now):
        return "invoiced"
    return None


def _end_at_period_end(membership: Membership, now: dt.datetime) -> str:
    ledger.end(
        membership=membership,
        now=now,
        source="ended at the end of the period",
        end_reason="voluntary",
    )
    return "ended"


def _renew(membership: Membership, now: dt.datetime) -> bool:
    """The invoice for the next period, once."""
    if _open_bill(membership) is not None:
        return False
    if membership.bills.filter(period_start__gte=membership.current_period_end).exists():
        return False
    what = _("%(tier)s membership, renewal") % {"tier": membership.tier.name}
    _issue(membership=membership, amount=_renewal_amount(membership), what=what, now=now)
    return True
