"""Writes for paid enrolment: orders that hold a seat, invoices, payment and expiry.

Every function is atomic and records who or what moved money (django-simple-history on
orders and invoices). The seat itself is always taken and released by cohorts.services,
under the cohort's row lock.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Enrolment, EnrolmentStatus
from cohorts.services import enrolment_create, enrolment_release_unpaid, enrolment_transition
from lms.errors import Conflict, NotAllowed
from lms.models import User
from lms.timeutils import local_moment, local_today
from payments import pricing, selectors, tasks
from payments.models import (
    ORDER_TRANSITIONS,
    Invoice,
    Order,
    OrderStatus,
    Provider,
)


def order_transition(*, order: Order, to: str, by: User | None = None, reason: str = "") -> Order:
    """The one function that changes an order's status; it follows the table."""
    if to not in ORDER_TRANSITIONS[order.status]:
        raise Conflict(
            _("This order cannot move from “%(current)s” to “%(target)s”.")
            % {"current": OrderStatus(order.status).label, "target": OrderStatus(to).label},
            code="invalid_transition",
        )
    order.status = to
    if by is not None and getattr(by, "is_authenticated", False):
        order._history_user = by
    order._change_reason = reason or f"to {to}"
    return order


@transaction.atomic
def paid_enrolment_start(
    *,
    cohort,
    user: User,
    coupon_code: str = "",
    instalments: int = 1,
    now: dt.datetime | None = None,
) -> tuple[Enrolment, Order | None]:
    """Enrol in a cohort, paying where it is paid for.

    A free cohort (or a 100 % coupon: a scholarship) gives an active seat at once. A paid
    one holds the seat (pending_payment) and opens an order the student pays; a full one
    puts the student on the waitlist with no order yet (one opens when a seat frees).
    """
    now = now or timezone.now()
    quote = selectors.quote_get(
        cohort=cohort, coupon_code=coupon_code, instalments=instalments, now=now
    )
    needs_payment = quote is not None and not quote.is_free
    enrolment = enrolment_create(cohort=cohort, user=user, now=now, pending_payment=needs_payment)
    if quote is None or enrolment.status == EnrolmentStatus.WAITLISTED:
        return enrolment, None
    if quote.is_free:  # a scholarship: recorded, so the coupon's uses are counted
        order = Order(
            enrolment=enrolment,
            user=user,
            status=OrderStatus.PAID,
            provider=Provider.NONE,
            currency=quote.currency,
            list_amount=quote.list_amount,
            discount_amount=quote.discount_amount,
            total_amount=0,
            coupon=quote.coupon,
            paid_at=now,
        )
        order._change_reason = "scholarship"
        order.save()
        return enrolment, order
    return enrolment, _order_open(enrolment, quote, now)


def order_for_promotion(*, enrolment: Enrolment, now: dt.datetime) -> Order:
    """A waitlisted student moved into a paid seat: open their order at today's price.
    The caller (cohorts.services) holds the cohort lock."""
    quote = selectors.quote_get(cohort=enrolment.cohort, now=now)
    if quote is None:  # the price was removed meanwhile: the seat is free
        enrolment_transition(
            enrolment=enrolment, to=EnrolmentStatus.ACTIVE, reason="cohort became free", now=now
        )
        return None
    return _order_open(enrolment, quote, now)


def _order_open(enrolment: Enrolment, quote: pricing.Quote, now: dt.datetime) -> Order:
    price = selectors.cohort_price_get(cohort=enrolment.cohort)
    provider = selectors.payment_provider()
    order = Order(
        enrolment=enrolment,
        user=enrolment.user,
        provider=provider,
        currency=quote.currency,
        list_amount=quote.list_amount,
        discount_amount=quote.discount_amount,
        total_amount=quote.total_amount,
        instalments=quote.instalments,
        coupon=quote.coupon,
    )
    order._change_reason = "opened"
    if provider == Provider.MANUAL:
        tz = enrolment.cohort.timezone
        due_on = local_today(tz, now) + dt.timedelta(days=price.invoice_days)
        # The seat is held until the end of the invoice's due date.
        order.hold_expires_at = local_moment(due_on + dt.timedelta(days=1), dt.time(0, 0), tz)
        order.save()
        Invoice.objects.create(
            order=order,
            number=f"{now:%Y}-{order.pk:06d}",
            amount=quote.total_amount,
            currency=quote.currency,
            due_on=due_on,
            payment_reference=payment_reference(order.pk),
        )
        tasks.send_invoice_email.delay_on_commit(order.pk)
    return order


def payment_reference(order_id: int) -> str:
    """A reference for the bank transfer with two check digits (ISO 7064 mod 97-10), so
    a mistyped reference is recognised when payments are reconciled."""
    body = f"{order_id:010d}"
    check = 98 - (int(body) * 100) % 97
    return f"LMS{check:02d}{body}"


@transaction.atomic
def order_mark_paid(*, order: Order, by: User, now: dt.datetime | None = None) -> Order:
    """Staff confirm an invoice was paid; the held seat becomes active."""
    now = now or timezone.now()
    if not (by.is_superuser or by.has_perm("payments.change_order")):
        raise NotAllowed(_("Only staff mark invoices paid."), code="not_staff")
    order = Order.objects.select_for_update().get(pk=order.pk)
    enrolment = Enrolment.objects.select_for_update().get(pk=order.enrolment_id)
    if order.status == OrderStatus.PAID:
        return order  # marked twice (two tabs, a retried request): once is enough
    if order.status != OrderStatus.PENDING or enrolment.status != EnrolmentStatus.PENDING_PAYMENT:
        raise Conflict(
            _(
                "This order is %(status)s and its seat was released; refund the transfer "
                "or enrol the student again."
            )
            % {"status": OrderStatus(order.status).label.lower()},
            code="order_not_pending",
        )
    order_transition(order=order, to=OrderStatus.PAID, by=by, reason="invoice paid")
    order.paid_at = now
    order.save()
    invoice = getattr(order, "invoice", None)
    if invoice is not None:
        invoice.paid_at, invoice.paid_by = now, by
        invoice._history_user = by
        invoice.save()
    enrolment_transition(
        enrolment=enrolment, to=EnrolmentStatus.ACTIVE, by=by, reason="paid", now=now
    )
    tasks.send_receipt_email.delay_on_commit(order.pk)
    return order


def payment_holds_expire(*, now: dt.datetime | None = None) -> int:
    """End holds whose time is up (or whose seat was given up): the order expires, the
    seat goes back to the window or the waitlist. Returns the number ended."""
    now = now or timezone.now()
    ended = 0
    for order_id in Order.objects.filter(
        status=OrderStatus.PENDING, hold_expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.PENDING:
                continue
            order_transition(order=order, to=OrderStatus.EXPIRED, reason="hold ended")
            order.save()
            enrolment_release_unpaid(
                enrolment=order.enrolment, reason="payment not completed in time", now=now
            )
            ended += 1
    return ended
