"""Partial refunds keep the seat unless staff end it; nothing is refunded on a free
order; staff type and read money in units (450.00), stored in cents; every refusal of
a price or coupon is a sentence at the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cohorts.models import EnrolmentStatus
from lms.errors import ValidationFailed
from lms.money import MoneyField
from payments import services
from payments.models import CohortPrice, Coupon, Order, OrderStatus, Refund
from tests.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoiced_cohort(course):
    cohort = CohortFactory(course=course, capacity=2)
    CohortPrice.objects.create(cohort=cohort, amount=45_000)
    return cohort


def paid_order(cohort, staff):
    enrolment, order = services.paid_enrolment_start(cohort=cohort, user=UserFactory())
    services.order_mark_paid(order=order, by=staff)
    order.refresh_from_db()
    return enrolment, order


# --- Partial refunds -------------------------------------------------------------------


def test_a_partial_refund_keeps_the_seat_and_the_order_shows_partly_refunded(
    client, invoiced_cohort, staff
):
    enrolment, order = paid_order(invoiced_cohort, staff)
    client.force_login(staff)
    response = client.post(
        reverse("payments:staff_refund", args=[order.pk]),
        {"amount": "100,00", "reason": "Missed two sessions"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    enrolment.refresh_from_db()
    assert Refund.objects.get().amount == 10_000 and order.refunded_amount == 10_000
    assert order.status == OrderStatus.PAID and order.partly_refunded
    assert enrolment.status == EnrolmentStatus.ACTIVE
    page = client.get(reverse("payments:staff_cohort", args=[invoiced_cohort.pk]))
    html = page.content.decode()
    assert "Partly refunded" in html
    assert reverse("payments:staff_refund", args=[order.pk]) in html  # €350 left
    student_view = client.get(f"/api/v1/payments/orders/{order.pk}/").json()
    assert student_view["status"] == "paid" and student_view["partly_refunded"] is True


def test_staff_may_end_the_enrolment_with_a_partial_refund(client, invoiced_cohort, staff):
    enrolment, order = paid_order(invoiced_cohort, staff)
    client.force_login(staff)
    response = client.post(
        reverse("payments:staff_refund", args=[order.pk]),
        {"amount": "100", "reason": "Left in week 3", "end_enrolment": "on"},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED


def test_the_refund_api_keeps_the_seat_unless_asked_to_end_it(client, invoiced_cohort, staff):
    kept, order = paid_order(invoiced_cohort, staff)
    ended, other = paid_order(invoiced_cohort, staff)
    client.force_login(staff)
    for target, end in ((order, False), (other, True)):
        response = client.post(
            f"/api/v1/payments/orders/{target.pk}/refund/",
            {"reason": "Goodwill", "amount": 10_000, "end_enrolment": end},
            content_type="application/json",
        )
        assert response.status_code == 201
    kept.refresh_from_db()
    ended.refresh_from_db()
    assert kept.status == EnrolmentStatus.ACTIVE and ended.status == EnrolmentStatus.CANCELLED


def test_a_full_refund_still_ends_the_enrolment(invoiced_cohort, staff):
    enrolment, order = paid_order(invoiced_cohort, staff)
    services.order_refund(order=order, by=staff, reason="Changed jobs")
    enrolment.refresh_from_db()
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and enrolment.status == EnrolmentStatus.CANCELLED


def test_a_free_order_has_no_refund_button_and_cannot_be_refunded(client, invoiced_cohort, staff):
    Coupon.objects.create(code="SCHOLAR", percent_off=100)
    enrolment, order = services.paid_enrolment_start(
        cohort=invoiced_cohort, user=UserFactory(), coupon_code="SCHOLAR"
    )
    assert order.total_amount == 0 and order.status == OrderStatus.PAID
    client.force_login(staff)
    html = client.get(reverse("payments:staff_cohort", args=[invoiced_cohort.pk])).content
    assert reverse("payments:staff_refund", args=[order.pk]) not in html.decode()
    with pytest.raises(ValidationFailed, match="nothing to refund"):
        services.order_refund(order=order, by=staff, reason="x")
    response = client.post(
        f"/api/v1/payments/orders/{order.pk}/refund/",
        {"reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "nothing_to_refund"
    assert not Refund.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


# --- Money in units --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("450", 45_000), ("450.00", 45_000), ("450,00", 45_000), ("€ 0,5", 50), ("", None)],
)
def test_money_is_typed_in_units_and_kept_in_cents(typed, cents):
    assert MoneyField(required=False).clean(typed) == cents
    assert MoneyField().prepare_value(45_000) == "450.00"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "cannot be negative"),
        ("1.005", "at most two decimals"),
        ("1.000,00", "without thousands separators"),
        ("lots", "such as 450 or 450.00"),
        ("99999999", "check the amount"),
    ],
)
def test_the_refund_form_refuses_bad_amounts_at_the_field(
    client, invoiced_cohort, staff, typed, message
):
    _, order = paid_order(invoiced_cohort, staff)
    client.force_login(staff)
    response = client.post(
        reverse("payments:staff_refund", args=[order.pk]), {"amount": typed, "reason": "x"}
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["amount"])
    assert not Refund.objects.exists()


def test_the_refund_form_shows_what_is_left_in_units(client, invoiced_cohort, staff):
    _, order = paid_order(invoiced_cohort, staff)
    client.force_login(staff)
    html = client.get(reverse("payments:staff_refund", args=[order.pk])).content.decode()
    assert 'value="450.00"' in html and "45000" not in html


def test_staff_enter_and_read_prices_and_coupons_in_units(admin_client, cohort):
    response = admin_client.post(
        "/admin/prices/new/",
        {
            "cohort": cohort.pk,
            "amount": "450,00",
            "currency": "EUR",
            "early_bird_amount": "399.50",
            "early_bird_until": "2030-01-01 00:00",
            "instalments": 3,
            "payment_method": "auto",
            "hold_minutes": 30,
            "invoice_days": 14,
            "refund_weeks": 2,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    price = CohortPrice.objects.get()
    assert (price.amount, price.early_bird_amount) == (45_000, 39_950)
    listing = admin_client.get("/admin/prices/").content.decode()
    assert "€\xa0450.00" in listing and "45000" not in listing
    edit = admin_client.get(f"/admin/prices/edit/{price.pk}/").content.decode()
    assert 'value="450.00"' in edit and 'value="399.50"' in edit
    response = admin_client.post(
        "/admin/coupons/new/",
        {"code": "TENOFF", "amount_off": "10", "currency": "EUR", "active": "on"},
    )
    assert response.status_code == 302
    assert Coupon.objects.get().amount_off == 1_000
    assert "€\xa010.00" in admin_client.get("/admin/coupons/").content.decode()


# --- Refusals at the field -------------------------------------------------------------


def _coupon_form(admin_client, **data):
    response = admin_client.post("/admin/coupons/new/", {"currency": "EUR", "active": "on", **data})
    assert response.status_code == 200
    return response.context["form"].errors


def test_a_coupon_with_percent_and_amount_is_refused_at_the_field(admin_client, db):
    errors = _coupon_form(admin_client, code="BOTH", percent_off=10, amount_off="5")
    assert errors["percent_off"] == ["Give either a percentage or an amount off, not both."]
    assert "violated" not in str(errors)
    errors = _coupon_form(admin_client, code="NONE")
    assert "Give a percentage or an amount off" in errors["percent_off"][0]
    assert not Coupon.objects.exists()


def test_a_coupon_code_taken_in_another_case_is_refused_at_the_field(admin_client, db):
    Coupon.objects.create(code="WELCOME", percent_off=10)
    errors = _coupon_form(admin_client, code="welcome", percent_off=20)
    assert errors["code"] == ["Another coupon has this code already; choose another."]
    assert Coupon.objects.count() == 1


def test_an_early_bird_price_above_the_price_is_refused_at_the_field(admin_client, cohort):
    response = admin_client.post(
        "/admin/prices/new/",
        {
            "cohort": cohort.pk,
            "amount": "300",
            "currency": "EUR",
            "early_bird_amount": "400",
            "early_bird_until": "2030-01-01 00:00",
            "instalments": 1,
            "payment_method": "auto",
            "hold_minutes": 30,
            "invoice_days": 14,
            "refund_weeks": 2,
        },
    )
    errors = response.context["form"].errors
    assert "must be lower than the price" in errors["early_bird_amount"][0]
    assert "violated" not in str(errors) and not CohortPrice.objects.exists()


def test_constraints_say_what_to_do_when_the_database_refuses(db):
    from django.core.exceptions import ValidationError

    coupon = Coupon(code="X", percent_off=10, amount_off=100)
    with pytest.raises(ValidationError) as refused:
        coupon.validate_constraints()
    assert "Give either a percentage or an amount off" in str(refused.value)
    assert Order._meta.constraints and all(
        "violated" not in str(c.violation_error_message)
        for model in (Order, Coupon, CohortPrice)
        for c in model._meta.constraints
    )
