"""Payment pages and the payments API: enrolling with a code and a plan, the order page
that tells the truth about confirmation, the member portal, receipts, deferral, staff
pages, and their query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cohorts.models import EnrolmentStatus
from payments import services
from payments.models import Coupon, Deferral, DeferralStatus, Order, OrderStatus
from tests.assertions import unchanged
from tests.factories import CohortFactory, UserFactory
from tests.payments.conftest import MONEY_AND_SEATS, deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(db):
    return UserFactory(username="pat", email="pat@example.com")


def test_the_course_page_shows_price_plan_and_refund_policy(
    client, stripe_on, paid_cohort, student
):
    client.force_login(student)
    html = client.get(paid_cohort.course.url).content.decode()
    assert "€\xa0495.00" in html
    assert "3 monthly payments of €\xa0165.00" in html
    assert "Full refund on request until" in html
    assert 'name="coupon"' in html and 'name="instalments"' in html


def test_enrolling_with_a_code_and_a_plan_goes_to_stripe(client, stripe_on, paid_cohort, student):
    Coupon.objects.create(code="HALF", percent_off=50)
    client.force_login(student)
    response = client.post(
        reverse("cohorts:enrol", args=[paid_cohort.pk]), {"coupon": "half", "instalments": "3"}
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.checkout_url
    assert order.total_amount == 24_750 and order.instalments == 3
    assert stripe_on.get(order.checkout_session)["mode"] == "subscription"


def test_a_wrong_code_is_refused_with_the_reason_and_nothing_is_held(client, paid_cohort, student):
    client.force_login(student)
    response = client.post(reverse("cohorts:enrol", args=[paid_cohort.pk]), {"coupon": "NOPE"})
    assert response.status_code == 400
    assert "not a valid code" in response.content.decode()
    assert not Order.objects.exists() and not paid_cohort.enrolments.exists()


def test_enrolling_without_stripe_gives_an_invoice(client, paid_cohort, student):
    client.force_login(student)
    response = client.post(reverse("cohorts:enrol", args=[paid_cohort.pk]), follow=True)
    order = Order.objects.get()
    assert response.redirect_chain[-1][0] == reverse("payments:order", args=[order.pk])
    html = response.content.decode()
    assert order.invoice.number in html and order.invoice.payment_reference in html


def test_back_from_checkout_the_page_says_the_payment_is_not_confirmed_yet(
    client, stripe_on, paid_cohort, student
):
    client.force_login(student)
    client.post(reverse("cohorts:enrol", args=[paid_cohort.pk]))
    order = Order.objects.get()
    url = reverse("payments:order", args=[order.pk]) + "?paid=1"
    html = client.get(url).content.decode()
    assert "waiting for the payment provider to confirm" in html
    assert 'http-equiv="refresh"' in html
    deliver(
        client,
        stripe_on,
        "checkout.session.completed",
        stripe_on.complete_checkout(order.checkout_session),
    )
    html = client.get(url).content.decode()
    assert "Payment confirmed" in html and 'http-equiv="refresh"' not in html


def test_orders_of_others_are_not_found(client, paid_cohort, student):
    services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    order = Order.objects.get()
    client.force_login(student)
    assert client.get(reverse("payments:order", args=[order.pk])).status_code == 404
    assert client.get(f"/payments/orders/{10**30}/").status_code == 404
    assert client.get(f"/api/v1/payments/orders/{order.pk}/").status_code == 404


@pytest.mark.parametrize("orders", [1, 6])
def test_the_member_portal_costs_a_fixed_number_of_queries(
    client, course, student, orders, django_assert_max_num_queries, staff
):
    for _ in range(orders):
        cohort = CohortFactory(course=course)
        from payments.models import CohortPrice

        CohortPrice.objects.create(cohort=cohort, amount=10_000)
        _, order = services.paid_enrolment_start(cohort=cohort, user=student)
        services.order_mark_paid(order=order, by=staff)
    client.force_login(student)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("payments:portal"))
    assert response.status_code == 200
    assert response.content.decode().count("Receipt") == orders
    with django_assert_max_num_queries(9):
        assert client.get(reverse("payments:order", args=[order.pk])).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("payments:receipt", args=[order.pk])).status_code == 200


def test_a_student_asks_to_defer_and_staff_approve_without_a_new_payment(
    client, course, paid_cohort, student, staff
):
    import datetime as dt

    later = CohortFactory(course=course, starts_on=paid_cohort.starts_on + dt.timedelta(weeks=10))
    _, order = services.paid_enrolment_start(cohort=paid_cohort, user=student)
    services.order_mark_paid(order=order, by=staff)
    client.force_login(student)
    url = reverse("payments:defer", args=[paid_cohort.pk])
    assert later.name in client.get(url).content.decode()
    response = client.post(url, {"to_cohort": later.pk, "reason": ""})
    assert response.status_code == 400 and not Deferral.objects.exists()
    client.post(url, {"to_cohort": later.pk, "reason": "A new baby"})
    deferral = Deferral.objects.get()
    assert client.post(url, {"to_cohort": later.pk, "reason": "again"}).status_code == 409

    client.force_login(staff)
    assert "A new baby" in client.get(reverse("payments:staff_overview")).content.decode()
    client.post(
        reverse("payments:staff_deferral_decide", args=[deferral.pk]), {"decision": "approve"}
    )
    deferral.refresh_from_db()
    order.refresh_from_db()
    assert deferral.status == DeferralStatus.APPROVED
    assert order.enrolment.cohort == later and order.enrolment.status == EnrolmentStatus.ACTIVE
    assert order.status == OrderStatus.PAID and Order.objects.count() == 1
    assert paid_cohort.enrolments.get().status == EnrolmentStatus.CANCELLED


def test_staff_see_revenue_per_cohort_and_refund(client, stripe_on, paid_cohort, staff):
    for _ in range(2):
        _, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
        services.checkout_start(order=order, base_url="https://x")
        order.refresh_from_db()
        deliver(
            client,
            stripe_on,
            "checkout.session.completed",
            stripe_on.complete_checkout(order.checkout_session),
        )
    client.force_login(staff)
    response = client.post(
        reverse("payments:staff_refund", args=[order.pk]),
        {"amount": "100.00", "reason": "Partial goodwill"},
    )
    assert response.status_code == 302
    row = client.get(reverse("payments:staff_overview")).context["rows"][0]
    assert (row.orders_paid, row.orders_refunded) == (2, 1)
    assert row.revenue == 2 * 49_500 - 10_000
    page = client.get(reverse("payments:staff_cohort", args=[paid_cohort.pk]))
    assert page.status_code == 200 and "€\xa0890.00" in page.content.decode()


def test_students_cannot_reach_staff_pages_or_endpoints(client, paid_cohort, student):
    _, order = services.paid_enrolment_start(cohort=paid_cohort, user=student)
    client.force_login(student)
    assert client.get(reverse("payments:staff_overview")).status_code == 403
    with unchanged(*MONEY_AND_SEATS):
        response = client.post(
            f"/api/v1/payments/orders/{order.pk}/refund/",
            {"reason": "x"},
            content_type="application/json",
        )
        assert response.status_code == 403
        assert client.post(f"/api/v1/payments/orders/{order.pk}/mark-paid/").status_code == 403
        # The staff pages refuse the same posts.
        refund = reverse("payments:staff_refund", args=[order.pk])
        assert client.post(refund, {"reason": "x", "amount": "10"}).status_code == 403
        mark_paid = reverse("payments:staff_mark_paid", args=[order.pk])
        assert client.post(mark_paid, {"reference": "x"}).status_code == 403


def test_the_api_quotes_enrols_and_lists_orders(client, stripe_on, paid_cohort, student):
    Coupon.objects.create(code="TEN", amount_off=1_000)
    client.force_login(student)
    quote = client.get(
        "/api/v1/payments/quote/", {"cohort": paid_cohort.pk, "coupon": "ten", "instalments": 3}
    ).json()
    assert quote["total_amount"] == 48_500 and sum(quote["instalment_amounts"]) == 48_500
    bad = client.get("/api/v1/payments/quote/", {"cohort": paid_cohort.pk, "coupon": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "coupon_invalid"
    response = client.post(
        f"/api/v1/cohorts/{paid_cohort.pk}/enrol/",
        {"coupon": "TEN"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending_payment"
    assert body["order"]["checkout_url"].startswith("https://checkout.stripe")
    orders = client.get("/api/v1/payments/orders/").json()
    assert [o["total_amount"] for o in orders] == [48_500]
    again = client.post(f"/api/v1/payments/orders/{orders[0]['id']}/checkout/").json()
    assert again["checkout_url"] == body["order"]["checkout_url"]


def test_staff_refund_and_mark_paid_through_the_api(client, paid_cohort, staff):
    _, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    client.force_login(staff)
    response = client.post(
        f"/api/v1/payments/orders/{order.pk}/refund/",
        {"reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "order_not_paid"
    response = client.post(
        f"/api/v1/payments/orders/{order.pk}/mark-paid/",
        {"reference": "BANK-1"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "paid"
    response = client.post(
        f"/api/v1/payments/orders/{order.pk}/refund/",
        {"reason": "Cancelled by the company", "amount": 100},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["amount"] == 100
    summary = client.get(f"/api/v1/payments/cohorts/{paid_cohort.pk}/").json()
    assert summary["revenue"] == 49_400 and summary["orders_refunded"] == 1


def test_staff_set_prices_and_coupons_in_the_admin(admin_client, cohort):
    assert admin_client.get("/admin/prices/").status_code == 200
    response = admin_client.post(
        "/admin/prices/new/",
        {
            "cohort": cohort.pk,
            "amount": 30_000,
            "currency": "EUR",
            "early_bird_amount": 40_000,  # above the price: refused
            "instalments": 1,
            "payment_method": "auto",
            "hold_minutes": 30,
            "invoice_days": 14,
            "refund_weeks": 2,
        },
    )
    assert response.status_code == 200  # shown again with the reason
    from payments.models import CohortPrice

    assert not CohortPrice.objects.exists()
    response = admin_client.post(
        "/admin/coupons/new/",
        {"code": "WELCOME", "percent_off": 10, "currency": "EUR", "active": "on"},
    )
    assert response.status_code == 302 and Coupon.objects.get().code == "WELCOME"
    menu = admin_client.get("/admin/").content.decode()
    assert reverse("payments:staff_overview") in menu
