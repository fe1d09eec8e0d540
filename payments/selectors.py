"""Reads for prices, coupons and orders."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Cohort
from lms.errors import ValidationFailed
from payments import pricing
from payments.models import CohortPrice, Coupon, Order, OrderStatus, Provider


def cohort_price_get(*, cohort: Cohort) -> CohortPrice | None:
    """The cohort's price, or None when seats are free."""
    price = CohortPrice.objects.filter(cohort=cohort).first()
    return price if price is not None and price.amount > 0 else None


def payment_provider() -> str:
    """How paid seats are paid for. Invoices (the manual provider) work with no payment
    account anywhere; the Stripe provider plugs in here."""
    return Provider.MANUAL


def coupon_for(*, code: str, cohort: Cohort, currency: str, now: dt.datetime) -> Coupon:
    """The coupon behind a code a student typed, or a message saying why it cannot be
    used."""
    coupon = Coupon.objects.filter(code__iexact=code.strip()).first()
    if coupon is None or not coupon.active:
        raise ValidationFailed(
            _("“%(code)s” is not a valid code. Check the spelling.") % {"code": code.strip()},
            code="coupon_invalid",
            field="coupon",
        )
    if coupon.expires_at is not None and now >= coupon.expires_at:
        raise ValidationFailed(
            _("The code “%(code)s” has expired.") % {"code": coupon.code},
            code="coupon_expired",
            field="coupon",
        )
    if coupon.cohort_id is not None and coupon.cohort_id != cohort.pk:
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
    if coupon.max_uses is not None:
        used = Order.objects.filter(
            coupon=coupon, status__in=(OrderStatus.PENDING, OrderStatus.PAID)
        ).count()
        if used >= coupon.max_uses:
            raise ValidationFailed(
                _("The code “%(code)s” has been used up.") % {"code": coupon.code},
                code="coupon_used_up",
                field="coupon",
            )
    return coupon


def quote_get(
    *,
    cohort: Cohort,
    coupon_code: str = "",
    instalments: int = 1,
    now: dt.datetime | None = None,
) -> pricing.Quote | None:
    """What this student would pay now, or None for a free cohort."""
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
    coupon = (
        coupon_for(code=coupon_code, cohort=cohort, currency=price.currency, now=now)
        if coupon_code and coupon_code.strip()
        else None
    )
    return pricing.quote(price=price, now=now, coupon=coupon, instalments=instalments)


def my_orders(*, user) -> list[Order]:
    return list(
        Order.objects.filter(user=user)
        .select_related("enrolment__cohort__course", "invoice", "coupon")
        .order_by("-created_at")
    )
