"""Thin Celery tasks: fetch by id, call a service or tell the buyer (notifications,
once per key)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from notifications.models import Kind
from payments.stripe_gateway import PaymentServiceDown


def _notify(kind: str, key: str, order, **facts) -> bool:
    """Tell the buyer about their order through notifications: every payment kind is
    always emailed (preferences do not apply) and keeps the email key it always had."""
    from notifications.services import notify_user

    cohort = order.enrolment.cohort
    return notify_user(
        kind=kind,
        key=key,
        user_id=order.user_id,
        params={
            "cohort": cohort.name,
            "cohort_id": cohort.pk,
            "course": cohort.course.title,
            "order_id": order.pk,
            "currency": order.currency,
            **facts,
        },
        url=reverse("payments:order", kwargs={"order_id": order.pk}),
        email_now=True,
    )


def _order(order_id: int, status: str | None = None):
    from payments.models import Order

    orders = Order.objects.select_related("enrolment__cohort__course", "invoice").filter(
        pk=order_id
    )
    return (orders.filter(status=status) if status else orders).first()


def _invoice(order):
    return getattr(order, "invoice", None)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invoice_email(order_id: int) -> bool:
    order = _order(order_id, "pending")
    invoice = _invoice(order) if order else None
    if invoice is None:
        return False
    return _notify(
        Kind.INVOICE,
        f"invoice:{order_id}",
        order,
        invoice_number=invoice.number,
        amount=invoice.amount,
        currency=invoice.currency,
        due_on=invoice.due_on.isoformat(),
        payee=settings.LMS_INVOICE_PAYEE,
        iban=settings.LMS_INVOICE_IBAN,
        payment_reference=invoice.payment_reference,
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_receipt_email(order_id: int) -> bool:
    order = _order(order_id, "paid")
    if order is None:
        return False
    invoice = _invoice(order)
    return _notify(
        Kind.RECEIPT,
        f"receipt:{order_id}",
        order,
        amount=order.total_amount,
        invoice_number=invoice.number if invoice else "",
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_payment_email(order_id: int, kind: str, reference: str) -> bool:
    """instalment_failed, access_suspended, access_restored, refunded: once per order,
    kind and reference (the failed invoice, the refund)."""
    order = _order(order_id)
    if order is None:
        return False
    return _notify(
        kind,
        f"{kind}:{order_id}:{reference}",
        order,
        grace_days=settings.LMS_PAYMENT_GRACE_DAYS,
        refunded_amount=order.refunded_amount,
        provider=order.provider,
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_deferral_email(deferral_id: int) -> bool:
    """The request received, approved or declined: always emailed, once per status."""
    from notifications.services import notify_user
    from payments.models import Deferral

    deferral = (
        Deferral.objects.select_related("enrolment__cohort__course", "to_cohort")
        .filter(pk=deferral_id)
        .first()
    )
    if deferral is None:
        return False
    cohort = deferral.enrolment.cohort
    return notify_user(
        kind=Kind.DEFERRAL,
        key=f"deferral:{deferral_id}:{deferral.status}",
        user_id=deferral.enrolment.user_id,
        params={
            "status": deferral.status,
            "course": cohort.course.title,
            "from_cohort": cohort.name,
            "to_cohort": deferral.to_cohort.name,
            "answer": deferral.answer,
        },
        url=reverse("payments:portal"),
        email_now=True,
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
