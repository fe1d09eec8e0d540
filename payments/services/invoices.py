"""Invoices paid by bank transfer: issued on their own (an app above payments bills a
yearly membership; no order, no seat), marked paid by staff or matched to a transfer by
their payment reference, and voided. An order's invoice is made with the order
(payments.services.orders) and paid through it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from lms.models import User
from payments import notices, selectors, signals
from payments.invoice_numbers import billed_to, invoice_number_next, invoice_payment_reference
from payments.models import Currency, Invoice
from payments.services.orders import order_mark_paid

_MAX_AMOUNT = 2_147_483_647


@transaction.atomic
def invoice_issue(
    *,
    user: User,
    amount: int,
    currency: str,
    description: str,
    due_on: dt.date,
    now: dt.datetime | None = None,
) -> Invoice:
    """Bill ``user`` by invoice for something other than a seat: the next number of the
    series, a bank reference of its own, and the invoice emailed (always, once)."""
    now = now or timezone.now()
    description = (description or "").strip()
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= _MAX_AMOUNT:
        raise ValidationFailed(
            _("An invoice is for an amount above zero."), code="invoice_amount", field="amount"
        )
    if currency not in Currency.values:
        raise ValidationFailed(
            _("Choose one of the currencies: %(currencies)s.")
            % {"currencies": ", ".join(Currency.values)},
            code="invoice_currency",
            field="currency",
        )
    if not description or len(description) > 200:
        raise ValidationFailed(
            _("Say in up to 200 characters what the invoice is for."),
            code="invoice_description",
            field="description",
        )
    if due_on < timezone.localdate(now):
        raise ValidationFailed(
            _("The due date has passed already; choose a later one."),
            code="invoice_due_on",
            field="due_on",
        )
    number = invoice_number_next(now=now)
    invoice = Invoice(
        user=user,
        description=description,
        number=number,
        amount=amount,
        currency=currency,
        due_on=due_on,
        payment_reference=invoice_payment_reference(number),
        **billed_to(user),
    )
    invoice._change_reason = "issued"
    invoice.save()
    notices.invoice_issued_notify(invoice_id=invoice.pk)
    return invoice


@transaction.atomic
def invoice_mark_paid(
    *,
    invoice: Invoice,
    by: User,
    reference: str = "",
    amount: int | None = None,
    now: dt.datetime | None = None,
) -> Invoice:
    """Staff record that an invoice was paid by transfer. An order's invoice pays its
    order (order_mark_paid); one on its own is stamped paid, its buyer gets a receipt,
    and ``payments.signals.invoice_paid`` is sent inside this transaction. Marked twice,
    nothing changes the second time. With ``amount`` (the transfer), an amount other
    than the invoice's is refused."""
    now = now or timezone.now()
    if not selectors.user_can_manage_orders(by):
        raise NotAllowed(_("Only staff mark invoices paid."), code="not_staff")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.order_id is not None:
        _amount_check(invoice, amount)
        order_mark_paid(order=invoice.order, by=by, reference=reference, now=now)
        invoice.refresh_from_db()
        return invoice
    if invoice.paid_at is not None:
        return invoice  # marked twice (two tabs, a retried request): once is enough
    if invoice.voided_at is not None:
        raise Conflict(
            _("Invoice %(number)s was voided; nothing is owed on it. Refund the transfer.")
            % {"number": invoice.number},
            code="invoice_voided",
        )
    _amount_check(invoice, amount)
    invoice.paid_at, invoice.paid_by = now, by
    invoice.paid_reference = (reference or "")[:255]
    invoice._history_user, invoice._change_reason = by, "paid by transfer"
    invoice.save()
    notices.invoice_paid_notify(invoice_id=invoice.pk)
    signals.invoice_paid.send(sender=Invoice, invoice_id=invoice.pk, user_id=invoice.user_id)
    return invoice


def _amount_check(invoice: Invoice, amount: int | None) -> None:
    if amount is not None and amount != invoice.amount:
        raise ValidationFailed(
            _("Invoice %(number)s is for %(expected)s, the transfer was %(got)s.")
            % {
                "number": invoice.number,
                "expected": f"{invoice.amount / 100:.2f} {invoice.currency}",
                "got": f"{amount / 100:.2f} {invoice.currency}",
            },
            code="amount_mismatch",
            field="amount",
        )


def invoice_reconcile(
    *, reference: str, amount: int, by: User, now: dt.datetime | None = None
) -> Invoice:
    """Match a bank transfer to its invoice (an order's or one on its own) by the payment
    reference (spaces and case do not matter); a wrong reference or amount is refused
    with the reason."""
    cleaned = "".join(reference.split()).upper()
    invoice = Invoice.objects.filter(payment_reference=cleaned).first()
    if invoice is None:
        raise NotFound(
            _("No invoice has the payment reference “%(ref)s”.") % {"ref": reference},
            code="unknown_reference",
        )
    return invoice_mark_paid(
        invoice=invoice, by=by, reference=f"transfer-{invoice.number}", amount=amount, now=now
    )


@transaction.atomic
def invoice_void(
    *, invoice: Invoice, by: User, reason: str, now: dt.datetime | None = None
) -> Invoice:
    """Staff cancel an invoice issued on its own that will not be paid (billed by
    mistake, the membership ended); ``payments.signals.invoice_voided`` is sent inside
    this transaction. An order's invoice ends with its order instead; a paid one is
    refunded instead."""
    now = now or timezone.now()
    if not selectors.user_can_manage_orders(by):
        raise NotAllowed(_("Only staff void invoices."), code="not_staff")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the invoice is voided; the reason is kept with it."),
            code="reason_required",
            field="reason",
        )
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.order_id is not None:
        raise Conflict(
            _("This invoice belongs to order %(order)s; cancel or refund the order instead.")
            % {"order": invoice.order_id},
            code="invoice_of_an_order",
        )
    if invoice.paid_at is not None:
        raise Conflict(
            _("Invoice %(number)s is paid; refund the transfer instead of voiding it.")
            % {"number": invoice.number},
            code="invoice_paid",
        )
    if invoice.voided_at is not None:
        return invoice
    invoice.voided_at, invoice.voided_by, invoice.void_reason = now, by, reason
    invoice._history_user, invoice._change_reason = by, "voided"
    invoice.save()
    signals.invoice_voided.send(sender=Invoice, invoice_id=invoice.pk, user_id=invoice.user_id)
    return invoice
