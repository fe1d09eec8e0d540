"""Reads for prices, coupons and orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts import schedule
from cohorts.models import Cohort, CohortPace, CohortStatus, Enrolment, EnrolmentStatus
from lms.api import MAX_ID
from lms.errors import NotFound, ValidationFailed
from payments import hooks, pricing
from payments.models import (
    CohortPrice,
    Coupon,
    CouponScope,
    Deferral,
    DeferralStatus,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    Provider,
    Refund,
    StripeCustomer,
)


def user_can_manage_orders(user) -> bool:
    """Staff money work: everyone's orders, refunds, invoices marked paid, deferral
    decisions and the per-cohort payment pages. A named permission, so that ``is_staff``
    alone grants nothing; active superusers have every permission."""
    return user.has_perm("payments.manage_orders")


def cohort_price_get(*, cohort: Cohort) -> CohortPrice | None:
    """The cohort's price, or None when seats are free."""
    price = CohortPrice.objects.filter(cohort=cohort).first()
    return price if price is not None and price.amount > 0 else None


def payment_provider(*, price: CohortPrice) -> str:
    """How seats of this price are paid for: online through Stripe when its keys are
    configured (unless the cohort is invoiced), else by invoice, which works with no
    payment account anywhere."""
    from payments import stripe_gateway

    if price.payment_method == "invoice" or not stripe_gateway.configured():
        return Provider.MANUAL
    return Provider.STRIPE


def coupon_for(*, code: str, cohort: Cohort, currency: str, now: dt.datetime) -> Coupon:
    """The coupon behind a code a student typed for a seat in ``cohort``, or a message
    saying why it cannot be used."""
    return _coupon_usable(
        code=code, currency=currency, now=now, purpose=CouponScope.SEATS, cohort=cohort
    )


def coupon_for_membership(*, code: str, currency: str, now: dt.datetime) -> Coupon:
    """The coupon behind a code typed for a membership (sold by an app above payments),
    or a message saying why it cannot be used: the same checks as for a seat, and a
    code for seats only is refused (``coupon_not_for_memberships``). Wrap the call in
    payments.throttling's ``coupon_attempt`` (pages) or ``CouponThrottleMixin`` (API):
    codes that did not work are counted with those typed for seats."""
    return _coupon_usable(code=code, currency=currency, now=now, purpose=CouponScope.MEMBERSHIPS)


def _coupon_usable(
    *, code: str, currency: str, now: dt.datetime, purpose: str, cohort: Cohort | None = None
) -> Coupon:
    # Every refusal's code starts with "coupon_": payments.throttling counts it.
    coupon = Coupon.objects.filter(code__iexact=code.strip()).first()
    if coupon is None or not coupon.active:
        raise ValidationFailed(
            _("“%(code)s” is not a valid code. Check the spelling.") % {"code": code.strip()},
            code="coupon_invalid",
            field="coupon",
        )
    if purpose == CouponScope.SEATS and coupon.applies_to == CouponScope.MEMBERSHIPS:
        raise ValidationFailed(
            _("The code “%(code)s” is for memberships, not for a seat in a cohort.")
            % {"code": coupon.code},
            code="coupon_not_for_seats",
            field="coupon",
        )
    if purpose == CouponScope.MEMBERSHIPS and (
        coupon.applies_to == CouponScope.SEATS or coupon.cohort_id is not None
    ):
        raise ValidationFailed(
            _("The code “%(code)s” is for seats in a cohort, not for a membership.")
            % {"code": coupon.code},
            code="coupon_not_for_memberships",
            field="coupon",
        )
    if coupon.expires_at is not None and now >= coupon.expires_at:
        raise ValidationFailed(
            _("The code “%(code)s” has expired.") % {"code": coupon.code},
            code="coupon_expired",
            field="coupon",
        )
    if cohort is not None and coupon.cohort_id is not None and coupon.cohort_id != cohort.pk:
        raise ValidationFailed(
            _("The code “%(code)s” is not valid for this cohort.") % {"code": coupon.code},
            code="coupon_other_cohort",
            field="coupon",
        )
    if coupon.amount_off is not None and coupon.currency != currency:
        raise ValidationFailed(
            _("The code “%(code)s” is not valid for this currency.") % {"code": coupon.code},
            code="coupon_invalid",
            field="coupon",
        )
    if coupon.max_uses is not None and coupon_uses(coupon=coupon) >= coupon.max_uses:
        raise ValidationFailed(
            _("The code “%(code)s” has been used up.") % {"code": coupon.code},
            code="coupon_used_up",
            field="coupon",
        )
    return coupon


def coupon_uses(*, coupon: Coupon) -> int:
    """How often a coupon is in use: orders awaiting payment or paid, and the uses
    apps above payments report (payments.hooks.register_coupon_uses)."""
    in_orders = Order.objects.filter(
        coupon=coupon, status__in=(OrderStatus.PENDING, OrderStatus.PAID)
    ).count()
    return in_orders + hooks.coupon_uses_elsewhere(coupon=coupon)


def quote_get(
    *,
    cohort: Cohort,
    coupon_code: str = "",
    instalments: int = 1,
    now: dt.datetime | None = None,
    user=None,
) -> pricing.Quote | None:
    """What this student would pay now, or None for a free cohort: the price of the
    day with the code, or the seat benefit offered to ``user`` (payments.hooks) when
    it takes more off, and the plan."""
    now = now or timezone.now()
    price = cohort_price_get(cohort=cohort)
    if price is None:
        return None
    if instalments not in (1, price.instalments):
        raise ValidationFailed(
            _("This cohort can be paid in full or in %(n)s instalments.") % {"n": price.instalments}
            if price.instalments > 1
            else _("This cohort is paid in full."),
            code="instalments_not_offered",
            field="instalments",
        )
    if instalments > 1 and payment_provider(price=price) == Provider.MANUAL:
        raise ValidationFailed(
            _("This cohort is invoiced; an invoice is paid in full."),
            code="instalments_not_offered",
            field="instalments",
        )
    coupon = (
        coupon_for(code=coupon_code, cohort=cohort, currency=price.currency, now=now)
        if coupon_code and coupon_code.strip()
        else None
    )
    benefit = hooks.seat_benefit_offer(user=user, cohort=cohort, now=now)
    return pricing.quote(
        price=price, now=now, coupon=coupon, instalments=instalments, benefit=benefit
    )


def money_received(*, order: Order) -> int:
    """What has come in for an order so far (every payment and instalment), in cents."""
    return order.payments.aggregate(total=Sum("amount"))["total"] or 0


def pending_orders_by_enrolment(*, user) -> dict[int, Order]:
    """The user's orders awaiting payment by enrolment id (a held seat's order), in one
    query."""
    return {
        order.enrolment_id: order
        for order in Order.objects.filter(user=user, status=OrderStatus.PENDING)
    }


# --- Pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InstalmentRow:
    number: int
    amount: int
    due_on: dt.date | None
    paid_at: dt.datetime | None


@dataclass(frozen=True)
class OrderView:
    order: Order
    payments: list[Payment]
    refunds: list[Refund]
    schedule: list[InstalmentRow]
    refund_policy_ends_at: dt.datetime
    can_pay: bool
    payee: str
    iban: str

    @property
    def next_due(self) -> InstalmentRow | None:
        if self.order.status != OrderStatus.PAID:
            return None
        return next((row for row in self.schedule if row.paid_at is None), None)

    @property
    def received(self) -> int:
        return sum(p.amount for p in self.payments)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _schedule(order: Order, payments: list[Payment]) -> list[InstalmentRow]:
    """The plan: the first part when paying, then one a month (Stripe bills on the day
    of the first payment)."""
    parts = pricing.instalment_parts(order.total_amount, order.instalments)
    start = (order.paid_at or order.created_at).date()
    return [
        InstalmentRow(
            number=i + 1,
            amount=amount,
            due_on=_add_months(start, i) if order.paid_at else None,
            paid_at=payments[i].paid_at if i < len(payments) else None,
        )
        for i, amount in enumerate(parts)
    ]


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related(
        "enrolment__cohort__course", "invoice", "coupon", "user"
    ).prefetch_related(
        Prefetch("payments", queryset=Payment.objects.order_by("paid_at", "pk")),
        Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "pk")),
    )


def refund_policy_ends_at(*, cohort: Cohort) -> dt.datetime:
    """Full refund until the end of the cohort's refund week (week 1 starts when the
    cohort starts); shown to the student before paying."""
    price = getattr(cohort, "price", None)
    weeks = price.refund_weeks if price is not None else 2
    return schedule.term_starts_at(cohort) + dt.timedelta(weeks=weeks)


def _order_view(order: Order, now: dt.datetime) -> OrderView:
    payments = list(order.payments.all())
    cohort = order.enrolment.cohort
    return OrderView(
        order=order,
        payments=payments,
        refunds=list(order.refunds.all()),
        schedule=_schedule(order, payments),
        refund_policy_ends_at=refund_policy_ends_at(cohort=cohort),
        can_pay=order.provider == Provider.STRIPE
        and order.status == OrderStatus.PENDING
        and (order.hold_expires_at is None or order.hold_expires_at > now),
        payee=settings.LMS_INVOICE_PAYEE,
        iban=settings.LMS_INVOICE_IBAN,
    )


def order_view_get(*, order_id: int, user, now: dt.datetime) -> OrderView:
    """One of the user's own orders (staff may look at any)."""
    orders = _orders().select_related("enrolment__cohort__price")
    order = orders.filter(pk=order_id).first() if order_id <= MAX_ID else None
    # Someone else's order only for staff; one's own costs no permission query.
    if order is not None and order.user_id != user.pk and not user_can_manage_orders(user):
        order = None
    if order is None:
        raise NotFound(_("There is no such order among yours."), code="order_not_found")
    return _order_view(order, now)


@dataclass(frozen=True)
class MemberPortal:
    orders: list[OrderView]
    can_manage_payment_method: bool
    deferrals: list[Deferral]

    @property
    def next_due(self) -> tuple[OrderView, InstalmentRow] | None:
        due = [(view, view.next_due) for view in self.orders if view.next_due is not None]
        due += [
            (view, view.schedule[0])
            for view in self.orders
            if view.order.status == OrderStatus.PENDING
        ]
        return min(due, key=lambda pair: pair[1].due_on or dt.date.max, default=None)


def member_portal_get(*, user, now: dt.datetime) -> MemberPortal:
    orders = list(
        _orders()
        .select_related("enrolment__cohort__price")
        .filter(user=user)
        .order_by("-created_at")
    )
    return MemberPortal(
        orders=[_order_view(order, now) for order in orders],
        can_manage_payment_method=StripeCustomer.objects.filter(user=user).exists(),
        deferrals=list(
            Deferral.objects.filter(enrolment__user=user)
            .select_related("enrolment__cohort", "to_cohort")
            .order_by("-created_at")[:20]
        ),
    )


def deferral_options(*, user, cohort_id: int):
    """The student's active seat in the cohort and the later cohorts they may move to."""
    enrolment = (
        Enrolment.objects.select_related("cohort")
        .filter(user=user, cohort_id=cohort_id, status=EnrolmentStatus.ACTIVE)
        .first()
        if cohort_id <= MAX_ID
        else None
    )
    if enrolment is None:
        raise NotFound(_("You have no active seat in this cohort to move."), code="not_enrolled")
    later = Cohort.objects.filter(
        course_id=enrolment.cohort.course_id,
        starts_on__gt=enrolment.cohort.starts_on,
        status__in=[c for c in CohortStatus if c != CohortStatus.CANCELLED],
        pace=CohortPace.COHORT,  # the library cohort comes with a membership, not a seat
    ).order_by("starts_on")
    return enrolment, later


# --- Staff ----------------------------------------------------------------------------


def _sum_by_cohort(model, field: str = "amount"):
    return Subquery(
        model.objects.filter(order__enrolment__cohort=OuterRef("pk"))
        .values("order__enrolment__cohort")
        .annotate(total=Sum(field))
        .values("total")[:1]
    )


def _with_payment_counts(cohorts: QuerySet[Cohort]) -> QuerySet[Cohort]:
    orders = "enrolments__orders"
    return cohorts.annotate(
        orders_paid=Count(orders, filter=Q(**{f"{orders}__status": OrderStatus.PAID})),
        orders_pending=Count(orders, filter=Q(**{f"{orders}__status": OrderStatus.PENDING})),
        orders_failing=Count(
            orders,
            filter=Q(
                **{f"{orders}__status": OrderStatus.PAID, f"{orders}__failing_since__isnull": False}
            ),
        ),
        orders_refunded=Count(orders, filter=Q(**{f"{orders}__refunded_amount__gt": 0})),
        received=Coalesce(_sum_by_cohort(Payment), 0),
        refunded=Coalesce(_sum_by_cohort(Refund), 0),
    ).annotate(revenue=F("received") - F("refunded"))


def revenue_by_cohort() -> list[Cohort]:
    """Every priced cohort with its orders by state and its revenue (money in minus
    money out), in one query."""
    return list(
        _with_payment_counts(
            Cohort.objects.filter(price__isnull=False).select_related("course", "price")
        ).order_by("-starts_on")
    )


def orders_with_payment_problems() -> list[Order]:
    """Orders where a reported payment did not match (amount, currency, provider) and
    staff must decide."""
    return list(
        Order.objects.exclude(payment_problem="")
        .select_related("user", "enrolment__cohort")
        .order_by("-updated_at")[:50]
    )


def deferrals_open() -> list[Deferral]:
    return list(
        Deferral.objects.filter(status=DeferralStatus.REQUESTED)
        .select_related("enrolment__user", "enrolment__cohort__course", "to_cohort")
        .order_by("created_at")
    )


def cohort_payments_get(*, cohort_id: int, now: dt.datetime) -> dict:
    cohort = (
        _with_payment_counts(Cohort.objects.select_related("course", "price"))
        .filter(pk=cohort_id)
        .first()
        if cohort_id <= MAX_ID
        else None
    )
    if cohort is None:
        raise NotFound(_("There is no such cohort."), code="cohort_not_found")
    orders = list(_orders().filter(enrolment__cohort=cohort).order_by("-created_at"))
    return {
        "cohort": cohort,
        "orders": [_order_view(order, now) for order in orders],
        "now": now,
    }


def order_for_staff(*, order_id: int) -> Order:
    order = (
        Order.objects.select_related("enrolment__cohort__price", "user").filter(pk=order_id).first()
        if order_id <= MAX_ID
        else None
    )
    if order is None:
        raise NotFound(_("There is no such order."), code="order_not_found")
    return order


def invoices_of(*, user) -> list[Invoice]:
    """The user's invoices issued on their own (no order: a membership billed by
    invoice), newest first, voided ones left out; for the page of what they pay for."""
    return list(
        Invoice.objects.filter(user=user, order__isnull=True, voided_at__isnull=True).order_by(
            "-created_at", "-pk"
        )[:50]
    )


def invoice_get(*, invoice_id: int, user) -> Invoice:
    """One of the user's own invoices, an order's or one on its own (staff may look at
    any), with whom it bills as it was when issued."""
    invoice = (
        Invoice.objects.select_related("order__enrolment__cohort__course", "user")
        .filter(pk=invoice_id)
        .first()
        if invoice_id <= MAX_ID
        else None
    )
    if invoice is not None and invoice.user_id != user.pk and not user_can_manage_orders(user):
        invoice = None
    if invoice is None:
        raise NotFound(_("There is no such invoice among yours."), code="invoice_not_found")
    return invoice


def invoices_open_on_their_own() -> list[Invoice]:
    """Invoices issued without an order (memberships) still to be paid, for staff."""
    return list(
        Invoice.objects.filter(order__isnull=True, paid_at__isnull=True, voided_at__isnull=True)
        .select_related("user")
        .order_by("due_on", "pk")[:200]
    )


def invoice_for_staff(*, invoice_id: int) -> Invoice:
    invoice = (
        Invoice.objects.select_related("order", "user").filter(pk=invoice_id).first()
        if invoice_id <= MAX_ID
        else None
    )
    if invoice is None:
        raise NotFound(_("There is no such invoice."), code="invoice_not_found")
    return invoice


def deferral_for_staff(*, deferral_id: int) -> Deferral:
    deferral = Deferral.objects.filter(pk=deferral_id).first() if deferral_id <= MAX_ID else None
    if deferral is None:
        raise NotFound(_("There is no such request."), code="deferral_not_found")
    return deferral
