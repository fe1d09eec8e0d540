"""Money out: staff refunds within the policy, refunds reported by Stripe, and late
payments sent back."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.services import enrolment_end
from lms.errors import Conflict, NotAllowed, ValidationFailed
from lms.models import User
from payments import notices, selectors, stripe_gateway
from payments.models import Order, OrderStatus, Provider, ProviderAction, Refund
from payments.services.orders import order_transition


@transaction.atomic
def order_refund(
    *,
    order: Order,
    by: User,
    reason: str,
    amount: int | None = None,
    outside_policy: bool = False,
    end_enrolment: bool = False,
    now: dt.datetime | None = None,
) -> Refund:
    """Staff give money back, in full or in part. Within the refund policy any amount may
    go back; after it only with ``outside_policy`` (recorded). A full refund cancels
    the enrolment and releases the seat; after a partial one the student keeps the seat
    unless ``end_enrolment``. The order is locked, so a refund and a payment (or two
    refunds) for the same order are served one after the other."""
    now = now or timezone.now()
    if not selectors.user_can_manage_orders(by):
        raise NotAllowed(_("Only staff refund payments."), code="not_staff")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the money goes back; the reason is kept with the refund."),
            code="reason_required",
            field="reason",
        )
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != OrderStatus.PAID:
        raise Conflict(
            _("Only a paid order can be refunded; this one is %(status)s.")
            % {"status": OrderStatus(order.status).label.lower()},
            code="order_not_paid",
        )
    received = selectors.money_received(order=order)
    if order.total_amount == 0 or received == 0:
        raise ValidationFailed(
            _("Nothing was paid for this order, so there is nothing to refund."),
            code="nothing_to_refund",
            field="amount",
        )
    refundable = received - order.refunded_amount
    amount = refundable if amount is None else amount
    if amount <= 0 or amount > refundable:
        raise ValidationFailed(
            _("The refund must be between 0.01 and %(max)s (what was paid and not yet refunded).")
            % {"max": f"{refundable / 100:.2f} {order.currency}"},
            code="refund_amount",
            field="amount",
        )
    policy_ends_at = selectors.refund_policy_ends_at(cohort=order.enrolment.cohort)
    if now > policy_ends_at and not outside_policy:
        raise Conflict(
            _(
                "The refund period of this cohort ended on %(date)s. Tick “outside the "
                "refund policy” to refund anyway; it is recorded."
            )
            % {"date": policy_ends_at.date().isoformat()},
            code="refund_period_over",
        )
    if order.provider == Provider.STRIPE:
        if order.instalments > 1 or not order.payment_intent:
            raise Conflict(
                _(
                    "Instalment plans are refunded per payment in Stripe's dashboard; the "
                    "refund is recorded here when Stripe reports it."
                ),
                code="refund_in_stripe",
            )
        stripe_refund = stripe_gateway.refund_create(
            order_id=order.pk,
            payment_intent=order.payment_intent,
            amount=amount,
            already_refunded=order.refunded_amount,
        )
        reference = stripe_refund.id
    else:  # invoiced: the money goes back by bank transfer, recorded here
        reference = f"manual-{order.pk}-refund-{order.refunded_amount}-{amount}"
    refund = _refund_record(
        order,
        amount=amount,
        reference=reference,
        reason=reason,
        by=by,
        outside_policy=outside_policy,
        source=f"staff {by.get_username()}",
        now=now,
    )
    if order.status == OrderStatus.REFUNDED or end_enrolment:
        enrolment_end(enrolment=order.enrolment, by=by, reason="refunded", now=now)
    return refund


def _refund_record(
    order: Order, *, amount, reference, reason, by, outside_policy, source, now
) -> Refund | None:
    """Record money out once per provider reference and move the order. Caller holds
    the order lock."""
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                order=order,
                amount=amount,
                currency=order.currency,
                reason=reason,
                provider_reference=reference,
                outside_policy=outside_policy,
                by=by,
                recorded_by=source,
            )
    except IntegrityError:
        return None
    order.refunded_amount += amount
    received = selectors.money_received(order=order)
    if order.refunded_amount >= received and order.status in (
        OrderStatus.PAID,
        OrderStatus.EXPIRED,
        OrderStatus.CANCELLED,
    ):
        order_transition(order=order, to=OrderStatus.REFUNDED, by=by, reason="refunded", now=now)
    else:
        if by is not None:
            order._history_user = by
        order._change_reason = f"refunded {amount} ({source})"
        order.save()
    notices.payment_notify(order_id=order.pk, kind="refunded", reference=reference)
    return refund


def refund_recorded_by_stripe(
    *, order: Order, refunded_total: int, reference: str, now: dt.datetime
) -> str:
    """Stripe reports a charge's refunded total (our own refund echoed back, or one made
    in Stripe's dashboard). Only the part not yet recorded is recorded."""
    missing = refunded_total - order.refunded_amount
    if missing <= 0:
        return "refund recorded already"
    _refund_record(
        order,
        amount=missing,
        reference=reference,
        reason=_("Refunded in Stripe"),
        by=None,
        outside_policy=False,
        source="Stripe",
        now=now,
    )
    if order.status == OrderStatus.REFUNDED:
        enrolment_end(enrolment=order.enrolment, by=None, reason="refunded in Stripe", now=now)
        return "refunded in full: seat released"
    return "partly refunded"


def late_payment_refund(*, order: Order) -> None:
    """A payment arrived after its seat was given away: send it all back."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        received = selectors.money_received(order=order)
        owed = received - order.refunded_amount
        # Whatever follows settles the due call (a refund made, or one for staff).
        Order.objects.filter(pk=order.pk).update(provider_action=ProviderAction.NONE)
        order.provider_action = ProviderAction.NONE
        if owed <= 0 or order.status not in (OrderStatus.EXPIRED, OrderStatus.CANCELLED):
            return
        if order.payment_intent:
            stripe_refund = stripe_gateway.refund_create(
                order_id=order.pk,
                payment_intent=order.payment_intent,
                amount=owed,
                already_refunded=order.refunded_amount,
            )
            reference = stripe_refund.id
        else:
            return  # instalment plans and transfers: staff refund by hand (the order says so)
        _refund_record(
            order,
            amount=owed,
            reference=reference,
            reason=_("Paid after the seat was released; the cohort was full."),
            by=None,
            outside_policy=False,
            source="automatic",
            now=timezone.now(),
        )
