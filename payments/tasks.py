"""Thin Celery tasks: fetch by id, call a service. The send_* tasks are kept for
messages queued before notifications were written with their facts; each makes its
notification if it is missing (once per key), so running one again is harmless."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from lms.celery import TRANSIENT_ERRORS
from payments import notices
from payments.stripe_gateway import PaymentServiceDown


@shared_task
@transaction.atomic
def send_invoice_email(order_id: int) -> bool:
    return notices.invoice_notify(order_id=order_id)


@shared_task
@transaction.atomic
def send_receipt_email(order_id: int) -> bool:
    return notices.receipt_notify(order_id=order_id)


@shared_task
@transaction.atomic
def send_payment_email(order_id: int, kind: str, reference: str) -> bool:
    return notices.payment_notify(order_id=order_id, kind=kind, reference=reference)


@shared_task
@transaction.atomic
def send_deferral_email(deferral_id: int) -> bool:
    return notices.deferral_notify(deferral_id=deferral_id)


# Stripe calls: retried on a network failure; the idempotency keys make a retry safe.
@shared_task(autoretry_for=(*TRANSIENT_ERRORS, PaymentServiceDown))
def refund_late_payment(order_id: int) -> None:
    from payments.models import Order
    from payments.services import late_payment_refund

    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        late_payment_refund(order=order)


@shared_task(autoretry_for=(*TRANSIENT_ERRORS, PaymentServiceDown))
def end_instalment_plan(order_id: int) -> None:
    from payments.models import Order
    from payments.services import instalment_plan_end

    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        instalment_plan_end(order=order)


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def expire_payment_holds() -> tuple[int, int, int]:
    """Holds that ran out, payments in arrears (reminders due, access paused past the
    grace period: instalments and whatever else registered with payments.dunning), and
    provider calls whose task was lost (a late payment to refund, a plan to stop)."""
    from payments.dunning import dunning_sweep
    from payments.services import payment_holds_expire, provider_actions_resume

    return payment_holds_expire(), dunning_sweep().suspended, provider_actions_resume()
