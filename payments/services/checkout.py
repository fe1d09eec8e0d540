"""Stripe Checkout: the page a student pays on, the ids Stripe creates for an order,
bank debits that take days to clear, and the customer portal.

No call to Stripe is made while a row is locked: the session is created after the
order's transaction committed, and recorded under the order's lock.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import Conflict, NotFound
from lms.models import User
from payments import pricing, stripe_gateway
from payments.models import Order, OrderStatus, Provider, StripeCustomer

# A bank debit (SEPA, some iDEAL flows) takes days to clear; the seat stays held.
ASYNC_PAYMENT_HOLD = dt.timedelta(days=7)


def stripe_customer_for(*, user: User) -> str:
    known = StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True).first()
    if known:
        return known
    customer_id = stripe_gateway.customer_create(
        user_id=user.pk, email=user.email, name=user.get_display_name()
    )
    # Two first payments at once create one customer (same idempotency key) and one row.
    StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer_id})
    return customer_id


def checkout_start(*, order: Order, base_url: str, now: dt.datetime | None = None) -> str:
    """The Stripe Checkout page for a pending order: the one it has, or a new one. Runs
    after the order's transaction committed; safe to call again (same idempotency key,
    same session)."""
    now = now or timezone.now()
    if order.provider != Provider.STRIPE or order.status != OrderStatus.PENDING:
        raise Conflict(_("This order is not waiting for an online payment."), code="not_payable")
    if order.checkout_url:
        return order.checkout_url
    if order.hold_expires_at is not None and order.hold_expires_at <= now:
        raise Conflict(
            _("The time to pay for this seat has run out; enrol again if seats are left."),
            code="hold_ended",
        )
    customer = stripe_customer_for(user=order.user)
    cohort = order.enrolment.cohort
    quote_parts = pricing.instalment_parts(order.total_amount, order.instalments)
    name = f"{cohort.course.title}: {cohort.name}"
    if order.coupon_id:
        name += " " + _("(code %(code)s applied)") % {"code": order.coupon.code}
    elif order.benefit_label:
        name += f" ({order.benefit_label})"
    order_url = base_url + reverse("payments:order", args=[order.pk])
    session = stripe_gateway.checkout_session_create(
        order_id=order.pk,
        customer=customer,
        currency=order.currency,
        name=name,
        amounts=quote_parts,
        success_url=order_url + "?paid=1",
        cancel_url=order_url + "?cancelled=1",
        locale=order.user.language or "auto",
    )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not locked.checkout_session:
            locked.checkout_session, locked.checkout_url = session.id, session.url
            locked._change_reason = "checkout started"
            locked.save()
    return session.url


def portal_url(*, user: User, return_url: str) -> str:
    """Stripe's customer portal, where a student updates their payment method."""
    customer = (
        StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True).first()
    )
    if customer is None:
        raise NotFound(_("You have no online payments to manage."), code="no_customer")
    return stripe_gateway.portal_session_create(
        customer=customer, return_url=return_url, locale=user.language or "auto"
    )


def order_stripe_ids_remember(
    *,
    order: Order,
    checkout_session: str | None = None,
    payment_intent: str | None = None,
    subscription: str | None = None,
) -> None:
    """Keep the ids Stripe reports for an order (the first one seen wins), so later
    events find it by them. Caller holds the order's row lock."""
    changed = False
    for field, value in (
        ("checkout_session", checkout_session),
        ("payment_intent", payment_intent),
        ("subscription", subscription),
    ):
        if value and not getattr(order, field):
            setattr(order, field, value)
            changed = True
    if changed:
        order.save()


def order_hold_for_bank_debit(*, order: Order, now: dt.datetime) -> None:
    """A bank debit is under way for a pending order: keep the seat while it clears.
    Caller holds the order's row lock."""
    order.hold_expires_at = max(order.hold_expires_at or now, now + ASYNC_PAYMENT_HOLD)
    order._change_reason = "bank payment processing"
    order.save()
