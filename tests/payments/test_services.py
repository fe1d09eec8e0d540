"""Paid enrolment with the invoice provider: prices, early bird, coupons and
scholarships, the held seat, paying, and a hold that runs out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import Conflict, NotAllowed, ValidationFailed
from payments import services
from payments.models import Coupon, Invoice, Order, OrderStatus, Provider
from payments.pricing import Quote
from tests.assertions import without_welcomes
from tests.factories import CohortFactory, UserFactory


def test_a_paid_seat_is_held_and_an_invoice_sent(paid_cohort, django_capture_on_commit_callbacks):
    student = UserFactory(language="nl")
    with django_capture_on_commit_callbacks(execute=True):
        enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=student)
    assert enrolment.status == EnrolmentStatus.PENDING_PAYMENT
    assert order.status == OrderStatus.PENDING and order.provider == Provider.MANUAL
    assert order.total_amount == 49_500
    invoice = order.invoice
    assert invoice.amount == 49_500 and invoice.payment_reference.startswith("LMS")
    assert order.hold_expires_at > timezone.now() + dt.timedelta(days=14)
    assert len(mail.outbox) == 1
    assert invoice.number in mail.outbox[0].subject
    assert "495,00" in mail.outbox[0].body  # Dutch money format for a Dutch student


def test_marking_the_invoice_paid_activates_the_seat_and_sends_a_receipt(
    paid_cohort, staff, django_capture_on_commit_callbacks
):
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        services.order_mark_paid(order=order, by=staff)
    enrolment.refresh_from_db()
    order.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert Invoice.objects.get().paid_by == staff
    assert order.history.first().history_user == staff
    assert "received" in without_welcomes(mail.outbox)[-1].subject.lower()
    assert services.order_mark_paid(order=order, by=staff).status == OrderStatus.PAID  # twice


def test_only_staff_mark_invoices_paid(paid_cohort):
    student = UserFactory()
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=student)
    with pytest.raises(NotAllowed):
        services.order_mark_paid(order=order, by=student)


def test_a_hold_that_runs_out_releases_the_seat_to_the_waitlist(paid_cohort, staff):
    holders = [
        services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory()) for _ in range(2)
    ]
    waiting, no_order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    assert waiting.status == EnrolmentStatus.WAITLISTED and no_order is None
    late_order = holders[0][1]
    assert services.payment_holds_expire(now=late_order.hold_expires_at) == 2
    for enrolment, order in holders:
        order.refresh_from_db()
        enrolment.refresh_from_db()
        assert order.status == OrderStatus.EXPIRED
        assert enrolment.status == EnrolmentStatus.CANCELLED
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.PENDING_PAYMENT  # moved up, now paying
    assert Order.objects.get(enrolment=waiting).status == OrderStatus.PENDING
    with pytest.raises(Conflict, match="released"):
        services.order_mark_paid(order=late_order, by=staff)


def test_the_early_bird_price_applies_until_its_moment(paid_cohort):
    price = paid_cohort.price
    price.early_bird_amount, price.early_bird_until = 39_500, timezone.now() + dt.timedelta(days=1)
    price.save()
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    assert order.total_amount == 39_500
    later = timezone.now() + dt.timedelta(days=2)
    from payments.selectors import quote_get

    assert quote_get(cohort=paid_cohort, now=later).total_amount == 49_500


def test_coupons_take_a_percentage_or_an_amount_off(paid_cohort):
    Coupon.objects.create(code="FRIEND20", percent_off=20)
    Coupon.objects.create(code="MINUS50", amount_off=5_000)
    _e, order = services.paid_enrolment_start(
        cohort=paid_cohort, user=UserFactory(), coupon_code="friend20"
    )
    assert (order.discount_amount, order.total_amount) == (9_900, 39_600)
    _e, order = services.paid_enrolment_start(
        cohort=paid_cohort, user=UserFactory(), coupon_code="MINUS50"
    )
    assert order.total_amount == 44_500


def test_a_full_scholarship_skips_the_payment_step(paid_cohort):
    Coupon.objects.create(code="SCHOLAR", percent_off=100, max_uses=1)
    enrolment, order = services.paid_enrolment_start(
        cohort=paid_cohort, user=UserFactory(), coupon_code="SCHOLAR"
    )
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert order.provider == Provider.NONE and order.total_amount == 0
    with pytest.raises(ValidationFailed, match="used up"):
        services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory(), coupon_code="SCHOLAR")


@pytest.mark.parametrize(
    ("coupon", "code"),
    [
        (None, "coupon_invalid"),
        ({"percent_off": 10, "active": False}, "coupon_invalid"),
        (
            {"percent_off": 10, "expires_at": timezone.now() - dt.timedelta(days=1)},
            "coupon_expired",
        ),
        ({"amount_off": 100, "currency": "USD"}, "coupon_invalid"),
    ],
)
def test_a_code_that_cannot_be_used_is_refused_and_nothing_is_held(paid_cohort, coupon, code):
    if coupon is not None:
        Coupon.objects.create(code="CODE", **coupon)
    with pytest.raises(ValidationFailed) as exc:
        services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory(), coupon_code="CODE")
    assert exc.value.code == code
    assert not Enrolment.objects.filter(cohort=paid_cohort).exists()
    assert not Order.objects.exists()


def test_a_code_for_another_cohort_is_refused(paid_cohort):
    Coupon.objects.create(code="OTHER", percent_off=10, cohort=CohortFactory())
    with pytest.raises(ValidationFailed) as exc:
        services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory(), coupon_code="OTHER")
    assert exc.value.code == "coupon_other_cohort"


def test_instalments_split_the_total_and_add_up():
    quote = Quote(
        currency="EUR",
        list_amount=10_000,
        discount_amount=0,
        instalments=3,
        early_bird=False,
        coupon=None,
    )
    assert quote.instalment_amounts == [3_334, 3_333, 3_333]
    assert sum(quote.instalment_amounts) == quote.total_amount


def test_instalments_the_cohort_does_not_offer_are_refused(paid_cohort):
    with pytest.raises(ValidationFailed, match="in full or in 3 instalments"):
        services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory(), instalments=2)
    assert not Enrolment.objects.exists()


def test_an_invoiced_cohort_is_paid_in_full(paid_cohort):
    with pytest.raises(ValidationFailed, match="invoiced"):
        services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory(), instalments=3)
    assert not Enrolment.objects.exists()


def test_a_free_cohort_enrols_at_once_without_an_order(cohort):
    enrolment, order = services.paid_enrolment_start(cohort=cohort, user=UserFactory())
    assert enrolment.status == EnrolmentStatus.ACTIVE and order is None


def test_payment_references_carry_check_digits():
    reference = services.payment_reference(123)
    check, body = int(reference[3:5]), int(reference[5:])
    assert reference.startswith("LMS") and body == 123
    assert (body * 100 + check) % 97 == 1  # ISO 7064 mod 97-10
    assert services.payment_reference(124) != reference


def test_the_receipt_is_written_with_the_payment(paid_cohort, staff):
    """No task has to survive for the buyer to get a receipt: the notification is
    written in the transaction that records the payment (no on-commit callback runs
    here), and goes nowhere if that transaction rolls back."""
    from django.db import transaction

    from notifications.models import Notification

    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    assert Notification.objects.filter(kind="invoice", key=f"invoice:{order.pk}").exists()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        services.order_mark_paid(order=order, by=staff)
        assert Notification.objects.filter(kind="receipt").exists()
        raise Undo
    assert not Notification.objects.filter(kind="receipt").exists()
    services.order_mark_paid(order=order, by=staff)
    assert Notification.objects.filter(kind="receipt", key=f"receipt:{order.pk}").count() == 1
