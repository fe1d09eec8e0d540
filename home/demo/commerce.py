"""The demo's paid cohort: prices, codes and orders paid by invoice."""

from __future__ import annotations

import datetime as dt

from payments import services as payment_services
from payments.models import CohortPrice, Coupon


def payments(upcoming, student, buyers, admin, now):
    """The winter cohort is paid: an early-bird price, three instalments online, a
    welcome code and a scholarship. With no Stripe keys it is paid by invoice: one
    classmate has paid, one pays with a scholarship, one invoice is open, and the demo
    student has an invoice waiting too."""
    CohortPrice.objects.create(
        cohort=upcoming,
        amount=59_500,
        early_bird_amount=49_500,
        early_bird_until=now + dt.timedelta(days=10),
        instalments=3,
    )
    Coupon.objects.create(code="WELCOME10", percent_off=10)
    Coupon.objects.create(code="SCHOLARSHIP", percent_off=100, max_uses=2, cohort=upcoming)
    paid, scholar, open_invoice = buyers
    _, order = payment_services.paid_enrolment_start(cohort=upcoming, user=paid)
    payment_services.order_mark_paid(order=order, by=admin, reference="NL-BANK-20261103")
    payment_services.paid_enrolment_start(cohort=upcoming, user=scholar, coupon_code="SCHOLARSHIP")
    payment_services.paid_enrolment_start(
        cohort=upcoming, user=open_invoice, coupon_code="WELCOME10"
    )
    payment_services.paid_enrolment_start(cohort=upcoming, user=student)
