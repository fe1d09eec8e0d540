"""Orders: enrolling in a paid cohort, invoices, money coming in and holds that run
out. Stripe Checkout is in payments.services.checkout, instalment plans in
payments.services.instalments.

Every function is atomic and records who or what moved money (django-simple-history on
orders and invoices). The seat itself is always taken and released by cohorts.services,
under the cohort's row lock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Enrolment, EnrolmentStatus
from cohorts.seats import SeatStart
from cohorts.services import (
    enrolment_create,
    enrolment_release_unpaid,
    enrolment_restore,
    enrolment_seat_for_late_payment,
    enrolment_transition,
)
from lms.errors import Conflict, NotAllowed
from lms.models import User
from lms.timeutils import local_moment, local_today
from payments import hooks, notices, pricing, selectors, stripe_gateway, tasks
from payments.invoice_numbers import billed_to, invoice_number_next, payment_reference
from payments.models import (
    ORDER_MACHINE,
    CohortPrice,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    Provider,
    ProviderAction,
)
from payments.services.checkout import checkout_start, order_hold_for_bank_debit
from payments.services.instalments import instalment_arrears_close, instalment_arrears_settle

# Stripe will not expire a Checkout Session sooner than this after creating it.
CHECKOUT_MIN_MINUTES = 30


def order_transition(
    *,
    order: Order,
    to: str,
    by: User | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Order:
    """The one function that changes an order's status: ORDER_MACHINE checks the table,
    stamps ``paid_at`` on payment, saves the order with the other fields the caller set,
    records who and why, and signals on commit. Caller holds the order's row lock.

    An order that held a seat benefit (payments.hooks) and ends unpaid or refunded gives
    it back, once the change committed."""
    was = order.status
    if was == OrderStatus.PAID and to != was and order.failing_since is not None:
        # Refunded: nothing is owed any more, so no reminder follows.
        instalment_arrears_close(order=order, now=now or timezone.now())
    ORDER_MACHINE.move(order, to, by=by, reason=reason, now=now)
    if order.benefit_key and was in _HOLDING_BENEFIT and to in _ENDING_BENEFIT:
        hooks.seat_benefit_release_on_commit(
            key=order.benefit_key, enrolment_id=order.enrolment_id, now=now or timezone.now()
        )
    return order


# An order holds its benefit while it waits for payment or is paid; it gives it back
# when it ends unpaid or is refunded in full (an order that expired gave it back then).
_HOLDING_BENEFIT = frozenset({OrderStatus.PENDING, OrderStatus.PAID})
_ENDING_BENEFIT = frozenset({OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.REFUNDED})


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

    A free cohort (or a 100 % coupon or seat benefit: a scholarship) gives an active
    seat at once. A paid one holds the seat (pending_payment) and opens an order the
    student pays; a full one puts the student on the waitlist with no order yet (one
    opens when a seat frees). A seat benefit the order uses is claimed under the
    cohort's lock before anything commits: its refusal (a Conflict) refuses it all.
    """
    now = now or timezone.now()
    quote = selectors.quote_get(
        cohort=cohort, coupon_code=coupon_code, instalments=instalments, now=now, user=user
    )
    needs_payment = quote is not None and not quote.is_free
    enrolment = enrolment_create(cohort=cohort, user=user, now=now, pending_payment=needs_payment)
    if quote is None or enrolment.status == EnrolmentStatus.WAITLISTED:
        return enrolment, None
    if quote.benefit is not None:
        hooks.seat_benefit_claim(benefit=quote.benefit, enrolment=enrolment, now=now)
    if quote.is_free:
        return enrolment, _scholarship_record(enrolment, quote, now)
    return enrolment, _order_open(enrolment, quote, now)


def _scholarship_record(enrolment: Enrolment, quote: pricing.Quote, now: dt.datetime) -> Order:
    """Nothing to pay: recorded all the same, so the coupon's uses are counted and the
    benefit can be given back."""
    order = Order(
        enrolment=enrolment,
        user=enrolment.user,
        status=OrderStatus.PAID,
        provider=Provider.NONE,
        currency=quote.currency,
        list_amount=quote.list_amount,
        discount_amount=quote.discount_amount,
        total_amount=0,
        coupon=quote.coupon,
        paid_at=now,
        **_benefit_fields(quote),
    )
    order._change_reason = "scholarship"
    order.save()
    return order


def _benefit_fields(quote: pricing.Quote) -> dict:
    benefit = quote.benefit
    if benefit is None:
        return {}
    return {
        "benefit_key": benefit.key,
        "benefit_label": benefit.label,
        "benefit_percent_off": benefit.percent_off,
    }


def enrolment_start(
    *,
    cohort,
    user: User,
    coupon_code: str = "",
    instalments: int = 1,
    base_url: str,
    now: dt.datetime | None = None,
) -> SeatStart:
    """Enrol from the enrol form or the API, and open the way to pay: the seat is taken
    (paid_enrolment_start, atomic), then, once that committed, the Stripe Checkout page
    of a held seat is created. Stripe not answering leaves the seat held: the order's
    page offers to pay again, and ``problem`` says why."""
    enrolment, order = paid_enrolment_start(
        cohort=cohort, user=user, coupon_code=coupon_code, instalments=instalments, now=now
    )
    if order is None or order.status != OrderStatus.PENDING:
        return SeatStart(enrolment=enrolment, order=order)
    order_page = reverse("payments:order", args=[order.pk])
    if order.provider != Provider.STRIPE:
        return SeatStart(enrolment=enrolment, order=order, pay_url=order_page)
    try:
        pay_url = checkout_start(order=order, base_url=base_url)
    except stripe_gateway.PaymentServiceDown as exc:
        return SeatStart(enrolment=enrolment, order=order, pay_url=order_page, problem=exc)
    order.refresh_from_db()
    return SeatStart(enrolment=enrolment, order=order, pay_url=pay_url)


def order_for_promotion(*, enrolment: Enrolment, price: CohortPrice, now: dt.datetime) -> Order:
    """A waitlisted student moved into a paid seat, held for them (pending_payment):
    open their order at today's price, with the seat benefit offered to them if it can
    still be claimed (a refusal does not stop the waitlist: they pay the price). A
    100 % benefit confirms the seat at once. The caller (cohorts.services, through the
    seat policy) holds the cohort lock and read ``price`` under it."""
    benefit = hooks.seat_benefit_offer(user=enrolment.user, cohort=enrolment.cohort, now=now)
    quote = pricing.quote(price=price, now=now, benefit=benefit)
    if quote.benefit is not None:
        try:
            with transaction.atomic():
                hooks.seat_benefit_claim(benefit=quote.benefit, enrolment=enrolment, now=now)
        except Conflict:
            quote = pricing.quote(price=price, now=now)
    if quote.is_free:
        order = _scholarship_record(enrolment, quote, now)
        enrolment_transition(
            enrolment=enrolment, to=EnrolmentStatus.ACTIVE, reason="seat included", now=now
        )
        return order
    return _order_open(enrolment, quote, now, price=price)


def _order_open(
    enrolment: Enrolment,
    quote: pricing.Quote,
    now: dt.datetime,
    *,
    price: CohortPrice | None = None,
) -> Order:
    price = price or selectors.cohort_price_get(cohort=enrolment.cohort)
    provider = selectors.payment_provider(price=price)
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
        **_benefit_fields(quote),
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
            user=enrolment.user,
            number=invoice_number_next(now=now),
            amount=quote.total_amount,
            currency=quote.currency,
            due_on=due_on,
            payment_reference=payment_reference(order.pk),
            **billed_to(enrolment.user),
        )
        notices.invoice_notify(order_id=order.pk)
    else:
        # The student pays in Stripe Checkout, created after this commits
        # (checkout_start): no network call while the cohort is locked.
        minutes = max(price.hold_minutes, CHECKOUT_MIN_MINUTES)
        order.hold_expires_at = now + dt.timedelta(minutes=minutes)
        order.save()
    return order


@transaction.atomic
def order_mark_paid(
    *, order: Order, by: User, reference: str = "", now: dt.datetime | None = None
) -> Order:
    """Staff confirm an invoice was paid (or a bank transfer was reconciled against its
    reference); the held seat becomes active. A plan in arrears is settled: the rest is
    recorded as paid and access comes back."""
    now = now or timezone.now()
    if not selectors.user_can_manage_orders(by):
        raise NotAllowed(_("Only staff mark invoices paid."), code="not_staff")
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == OrderStatus.PAID and order.instalments_paid >= order.instalments:
        return order  # marked twice (two tabs, a retried request): once is enough
    if order.status == OrderStatus.PAID:
        owed = order.total_amount - selectors.money_received(order=order)
        _payment_record(
            order,
            amount=max(owed, 0),
            reference=reference or f"manual-{order.pk}-settled",
            source=f"staff {by.get_username()}",
            now=now,
        )
        order.instalments_paid = order.instalments
        order.failing_since = None
        order._history_user, order._change_reason = by, "rest of the plan paid by transfer"
        order.save()
        instalment_arrears_settle(order=order, now=now)
        enrolment_restore(enrolment=order.enrolment, reason="paid", now=now)
        return order
    enrolment = Enrolment.objects.select_for_update().get(pk=order.enrolment_id)
    if order.status != OrderStatus.PENDING or enrolment.status != EnrolmentStatus.PENDING_PAYMENT:
        raise Conflict(
            _(
                "This order is %(status)s and its seat was released; refund the transfer "
                "or enrol the student again."
            )
            % {"status": OrderStatus(order.status).label.lower()},
            code="order_not_pending",
        )
    invoice = getattr(order, "invoice", None)
    _payment_record(
        order,
        amount=order.total_amount,
        reference=reference or (invoice.number if invoice else f"manual-{order.pk}"),
        source=f"staff {by.get_username()}",
        now=now,
    )
    order.payment_problem = ""
    order.instalments_paid = order.instalments
    order_transition(order=order, to=OrderStatus.PAID, by=by, reason="invoice paid", now=now)
    if invoice is not None:
        invoice.paid_at, invoice.paid_by = now, by
        invoice._history_user = by
        invoice.save()
    enrolment_transition(
        enrolment=enrolment, to=EnrolmentStatus.ACTIVE, by=by, reason="paid", now=now
    )
    notices.receipt_notify(order_id=order.pk)
    return order


def payment_holds_expire(*, now: dt.datetime | None = None) -> int:
    """End holds whose time is up: the order expires, the seat goes back to the window or
    the waitlist. A Stripe session is closed at Stripe first, so nobody can pay for a
    seat that is being released; if Stripe says it was just paid, the payment counts.
    Returns the number ended."""
    now = now or timezone.now()
    ended = 0
    # An order whose reported payment did not match waits for staff: real money came
    # in, so its seat is not released behind their back.
    for order_id in Order.objects.filter(
        status=OrderStatus.PENDING, hold_expires_at__lte=now, payment_problem=""
    ).values_list("pk", flat=True):
        order = Order.objects.get(pk=order_id)
        session = None
        if order.provider == Provider.STRIPE and order.checkout_session:
            try:
                session = stripe_gateway.checkout_session_expire(order.checkout_session)
            except stripe_gateway.PaymentServiceDown:
                continue  # try again at the next tick; never release a seat being paid
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.PENDING:
                continue
            if session is not None and session.status == "complete":
                if session.payment_status in ("paid", "no_payment_required"):
                    payment_confirm(
                        order=order,
                        amount=session.amount_total or 0,
                        currency=session.currency or "",
                        reference=session.payment_intent or session.invoice or session.id,
                        source="hold check at Stripe",
                        now=now,
                    )
                else:  # a bank debit under way: keep the seat while it clears
                    order_hold_for_bank_debit(order=order, now=now)
                continue
            order_expire(order=order, reason="hold ended", now=now)
            ended += 1
    return ended


def order_expire(*, order: Order, reason: str, now: dt.datetime, to: str = OrderStatus.EXPIRED):
    """A pending order ends unpaid; its seat is released. Caller holds the order lock."""
    order_transition(order=order, to=to, reason=reason, now=now)
    enrolment_release_unpaid(enrolment=order.enrolment, reason=reason, now=now)
    return order


# --- Money in -------------------------------------------------------------------------


def _payment_record(order: Order, *, amount: int, reference: str, source: str, now) -> bool:
    """Record money in once per provider reference; False when it was recorded before."""
    try:
        with transaction.atomic():
            Payment.objects.create(
                order=order,
                amount=amount,
                currency=order.currency,
                provider_reference=reference,
                paid_at=now,
                recorded_by=source,
            )
    except IntegrityError:
        return False
    return True


def expected_payment(*, order: Order) -> int | None:
    """What the next payment for an order must be, in minor units: the total, or the
    next instalment (the first carries the odd cents); None when all is paid."""
    parts = pricing.instalment_parts(order.total_amount, order.instalments)
    paid = order.instalments_paid if order.status == OrderStatus.PAID else 0
    return parts[paid] if paid < len(parts) else None


def payment_mismatch(*, order: Order, amount: int, currency: str) -> str | None:
    """Why money reported by Stripe cannot be this order's next payment, or None."""
    if order.provider != Provider.STRIPE:
        return _("Stripe reported a payment for an order paid through “%(provider)s”.") % {
            "provider": Provider(order.provider).label
        }
    if (currency or "").upper() != order.currency:
        return _("Stripe reported a payment in %(got)s; the order is in %(expected)s.") % {
            "got": (currency or "?").upper(),
            "expected": order.currency,
        }
    expected = expected_payment(order=order)
    if expected is None:
        return _("Stripe reported a payment of %(got)s but everything was paid already.") % {
            "got": f"{amount / 100:.2f} {order.currency}"
        }
    if amount != expected:
        return _("Stripe reported %(got)s; this order expects %(expected)s.") % {
            "got": f"{amount / 100:.2f} {order.currency}",
            "expected": f"{expected / 100:.2f} {order.currency}",
        }
    return None


def payment_confirm(
    *, order: Order, amount: int, currency: str, reference: str, source: str, now: dt.datetime
) -> str:
    """Money for ``order`` arrived (a Checkout payment, the first or a later instalment).
    Caller holds the order's row lock. Returns what happened, for the event log.

    Seen twice, it is recorded once. Money that does not match the order (amount,
    currency, an invoiced order) is not recorded: the order is flagged for staff and
    the seat stays as it was. Paid after the hold ended, the student gets the seat if
    one is still free, else the money goes back automatically."""
    if Payment.objects.filter(provider_reference=reference).exists():
        return "payment recorded already"
    problem = payment_mismatch(order=order, amount=amount, currency=currency)
    if problem is not None:
        note = f"{problem} ({source}, {reference})"[:500]
        if order.payment_problem != note:
            order.payment_problem = note
            order._change_reason = "payment did not match: left for staff"
            order.save()
        return f"payment did not match, left for staff: {problem}"
    if not _payment_record(order, amount=amount, reference=reference, source=source, now=now):
        return "payment recorded already"
    order.instalments_paid = order.payments.count()
    enrolment = Enrolment.objects.select_for_update().get(pk=order.enrolment_id)
    if order.status == OrderStatus.PENDING and enrolment.status in (
        EnrolmentStatus.PENDING_PAYMENT,
        EnrolmentStatus.ACTIVE,
    ):
        order_transition(order=order, to=OrderStatus.PAID, reason=f"paid ({source})", now=now)
        if enrolment.status == EnrolmentStatus.PENDING_PAYMENT:
            enrolment_transition(
                enrolment=enrolment, to=EnrolmentStatus.ACTIVE, reason="paid", now=now
            )
        notices.receipt_notify(order_id=order.pk)
        _plan_complete_check(order)
        return "paid: seat confirmed"
    if order.status == OrderStatus.PENDING:
        # The student gave the held seat up while paying: the order ends with it, and the
        # money is treated like any payment that came after its seat was released.
        order_transition(order=order, to=OrderStatus.CANCELLED, reason="seat given up")
    if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED):
        enrolment = enrolment_seat_for_late_payment(
            cohort=order.enrolment.cohort, user=order.user, now=now
        )
        if enrolment is not None:
            order.enrolment = enrolment
            _benefit_claim_again(order, enrolment, now)
            order_transition(
                order=order, to=OrderStatus.PAID, reason="paid after the hold ended", now=now
            )
            notices.receipt_notify(order_id=order.pk)
            _plan_complete_check(order)
            return "paid late: seat still free, confirmed"
        order._change_reason = "paid after the hold ended; cohort full"
        order.provider_action = ProviderAction.REFUND_LATE_PAYMENT
        order.save()
        tasks.refund_late_payment.delay_on_commit(order.pk)
        return "paid late: cohort full, refund started"
    # A later instalment: a plan in arrears is settled, and access comes back.
    order._change_reason = f"instalment {order.instalments_paid} paid"
    order.failing_since = None
    order.save()
    instalment_arrears_settle(order=order, now=now)
    _plan_complete_check(order)
    return f"instalment {order.instalments_paid} of {order.instalments} paid"


def _benefit_claim_again(order: Order, enrolment: Enrolment, now: dt.datetime) -> None:
    """Money for an order that ended unpaid (its benefit given back then) takes the seat
    after all: the benefit is claimed again. The student paid the price they were
    shown, so a refusal keeps the money and the seat; the order then no longer holds
    the benefit and gives nothing back later."""
    if not order.benefit_key or order.benefit_percent_off is None:
        return
    benefit = hooks.SeatBenefit(
        percent_off=order.benefit_percent_off, label=order.benefit_label, key=order.benefit_key
    )
    if not hooks.seat_benefit_reclaim(benefit=benefit, enrolment=enrolment, now=now):
        order.benefit_key = ""


def _plan_complete_check(order: Order) -> None:
    if order.subscription and order.instalments > 1 and order.instalments_paid >= order.instalments:
        order.provider_action = ProviderAction.END_PLAN
        Order.objects.filter(pk=order.pk).update(
            provider_action=ProviderAction.END_PLAN, updated_at=timezone.now()
        )
        tasks.end_instalment_plan.delay_on_commit(order.pk)


def provider_actions_resume(*, now: dt.datetime | None = None) -> int:
    """Orders still waiting for a call to the payment provider (a late payment to
    refund, a plan to stop) a lease after it was due: its task was lost (a worker that
    died, a broker restart); queue it again. Each call is idempotent (Stripe
    idempotency keys, the order's row lock)."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.LMS_DELIVERY_LEASE_SECONDS)
    due = Order.objects.filter(updated_at__lte=stale).exclude(provider_action="")
    queued = 0
    for order_id, action in due.values_list("pk", "provider_action"):
        task = (
            tasks.refund_late_payment
            if action == ProviderAction.REFUND_LATE_PAYMENT
            else tasks.end_instalment_plan
        )
        task.delay(order_id)
        queued += 1
    return queued
