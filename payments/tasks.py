"""Thin Celery tasks: fetch by id, call a service or send one email (once)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


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
            "base_url": settings.WAGTAILADMIN_BASE_URL,
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


@shared_task
def expire_payment_holds() -> int:
    from payments.services import payment_holds_expire

    return payment_holds_expire()
