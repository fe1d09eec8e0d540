"""Memberships plug into the apps below them through the hooks those apps offer:
payments' Stripe events, seat benefits, dunning and paid invoices."""

from __future__ import annotations

from django.dispatch import receiver

from memberships.services import (
    dunning_link,
    manual_invoice_paid,
    seat_benefit_claim,
    seat_benefit_offer,
    seat_benefit_release,
)
from memberships.services.stripe_events import HANDLERS, SHAPES
from payments import dunning, hooks, signals, webhooks

for event_type, handler in HANDLERS.items():
    webhooks.register_event_handler(event_type, handler, shape=SHAPES.get(event_type))


def _coupon_uses(*, coupon) -> int:
    """Sign-ups that used the code (not those that never paid), for its maximum uses."""
    from memberships.models import Membership

    return Membership.objects.filter(coupon=coupon).exclude(end_reason="never_paid").count()


hooks.register_coupon_uses(_coupon_uses)

hooks.register_seat_benefits(
    offer=seat_benefit_offer, claim=seat_benefit_claim, release=seat_benefit_release
)

dunning.register_kind(
    dunning_link.KIND,
    suspend=dunning_link.suspend,
    restore=dunning_link.restore,
    describe=dunning_link.describe,
    url=dunning_link.url,
)


@receiver(signals.invoice_paid, dispatch_uid="memberships-invoice-paid")
def invoice_paid(sender, invoice_id: int, **kwargs) -> None:
    from payments.models import Invoice

    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is not None:
        manual_invoice_paid(invoice=invoice, now=invoice.paid_at)


@receiver(signals.invoice_voided, dispatch_uid="memberships-invoice-voided")
def invoice_voided(sender, invoice_id: int, **kwargs) -> None:
    from memberships.models import BillStatus, MembershipBill

    MembershipBill.objects.filter(invoice_id=invoice_id).exclude(status=BillStatus.PAID).update(
        status=BillStatus.VOID
    )
