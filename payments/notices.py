"""What payments tells the buyer: invoices (an order's, or one on its own), receipts,
instalments that failed, access paused and back, refunds, answers to a request to move
their seat. Each is called
inside the transaction that makes its fact (the order paid, the refund recorded), so
the notification exists exactly when the fact does; every payment kind is always
emailed (preferences do not apply) and keeps the email key it always had."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from notifications.models import Kind
from notifications.services import notify_user
from payments.models import Deferral, Invoice, Order


def _notify(kind: str, key: str, order, **facts) -> bool:
    """Tell the buyer about their order through notifications: every payment kind is
    always emailed (preferences do not apply) and keeps the email key it always had."""
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
    )


def _order(order_id: int, status: str | None = None):
    orders = Order.objects.select_related("enrolment__cohort__course", "invoice").filter(
        pk=order_id
    )
    return (orders.filter(status=status) if status else orders).first()


def _invoice(order):
    return getattr(order, "invoice", None)


def invoice_notify(*, order_id: int) -> bool:
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


def receipt_notify(*, order_id: int) -> bool:
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


def payment_notify(*, order_id: int, kind: str, reference: str) -> bool:
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


def _invoice_facts(invoice: Invoice) -> dict:
    """An invoice issued on its own (no order, no seat): what it is for instead."""
    return {
        "invoice_id": invoice.pk,
        "invoice_number": invoice.number,
        "description": invoice.description,
        "amount": invoice.amount,
        "currency": invoice.currency,
    }


def invoice_issued_notify(*, invoice_id: int) -> bool:
    """The bill of an invoice on its own: always emailed, once."""
    invoice = Invoice.objects.filter(pk=invoice_id, order__isnull=True).first()
    if invoice is None or not invoice.is_open:
        return False
    return notify_user(
        kind=Kind.INVOICE,
        key=f"invoice-issued:{invoice.pk}",
        user_id=invoice.user_id,
        params={
            **_invoice_facts(invoice),
            "due_on": invoice.due_on.isoformat(),
            "payee": settings.LMS_INVOICE_PAYEE,
            "iban": settings.LMS_INVOICE_IBAN,
            "payment_reference": invoice.payment_reference,
        },
        url=reverse("payments:portal"),
    )


def invoice_paid_notify(*, invoice_id: int) -> bool:
    """The receipt of an invoice on its own: always emailed, once."""
    invoice = Invoice.objects.filter(
        pk=invoice_id, order__isnull=True, paid_at__isnull=False
    ).first()
    if invoice is None:
        return False
    return notify_user(
        kind=Kind.RECEIPT,
        key=f"invoice-paid:{invoice.pk}",
        user_id=invoice.user_id,
        params=_invoice_facts(invoice),
        url=reverse("payments:portal"),
    )


def deferral_notify(*, deferral_id: int) -> bool:
    """The request received, approved or declined: always emailed, once per status."""
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
    )
