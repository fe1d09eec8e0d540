"""Thin Celery tasks: fetch by id, call a service or send one email (once)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from lms.links import base_url
from payments.stripe_gateway import PaymentServiceDown


def _send(key: str, order, template: str) -> bool:
    from lms.services import email_send_once

    user = order.user
    with translation.override(user.language or "en"):
        context = {
            "user": user,
            "order": order,
            "cohort": order.enrolment.cohort,
            "invoice": getattr(order, "invoice", None),
            "payee": settings.LMS_INVOICE_PAYEE,
            "iban": settings.LMS_INVOICE_IBAN,
            "grace_days": settings.LMS_PAYMENT_GRACE_DAYS,
            "base_url": base_url(),
        }
        subject = render_to_string(f"payments/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"payments/email/{template}_body.txt", context)
    return email_send_once(key=key, to=user.email, subject=subject, body=body)


def _order(order_id: int, status: str):
    from payments.models import Order

    return (
        Order.objects.select_related("user", "enrolment__cohort__course", "invoice")
        .filter(pk=order_id, status=status)
        .first()
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invoice_email(order_id: int) -> bool:
    order = _order(order_id, "pending")
    return bool(order) and _send(f"invoice:{order_id}", order, "invoice")


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_receipt_email(order_id: int) -> bool:
    order = _order(order_id, "paid")
    return bool(order) and _send(f"receipt:{order_id}", order, "receipt")


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_payment_email(order_id: int, kind: str, reference: str) -> bool:
    """instalment_failed, access_suspended, access_restored, refunded: once per order,
    kind and reference (the failed invoice, the refund)."""
    from payments.models import Order

    order = (
        Order.objects.select_related("user", "enrolment__cohort__course", "invoice")
        .filter(pk=order_id)
        .first()
    )
    return bool(order) and _send(f"{kind}:{order_id}:{reference}", order, kind)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_deferral_email(deferral_id: int) -> bool:
    from lms.services import email_send_once
    from payments.models import Deferral

    deferral = (
        Deferral.objects.select_related("enrolment__user", "enrolment__cohort__course", "to_cohort")
        .filter(pk=deferral_id)
        .first()
    )
    if deferral is None:
        return False
    user = deferral.enrolment.user
    with translation.override(user.language or "en"):
        context = {"user": user, "deferral": deferral, "base_url": base_url()}
        subject = render_to_string("payments/email/deferral_subject.txt", context).strip()
        body = render_to_string("payments/email/deferral_body.txt", context)
    return email_send_once(
        key=f"deferral:{deferral_id}:{deferral.status}", to=user.email, subject=subject, body=body
    )


# Stripe calls: retried on a network failure; the idempotency keys make a retry safe.
@shared_task(autoretry_for=(OSError, PaymentServiceDown), retry_backoff=True, max_retries=8)
def refund_late_payment(order_id: int) -> None:
    from payments.models import Order
    from payments.services import late_payment_refund

    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        late_payment_refund(order=order)


@shared_task(autoretry_for=(OSError, PaymentServiceDown), retry_backoff=True, max_retries=8)
def end_instalment_plan(order_id: int) -> None:
    from payments.models import Order
    from payments.services import instalment_plan_end

    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        instalment_plan_end(order=order)


@shared_task
def expire_payment_holds() -> tuple[int, int]:
    from payments.services import instalments_suspend_overdue, payment_holds_expire

    return payment_holds_expire(), instalments_suspend_overdue()
