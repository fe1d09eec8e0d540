"""A student enrols in a paid cohort with a code on a phone-sized screen, gets the
invoice, staff mark it paid, and the student's order says the seat is confirmed — in a
real browser."""

import pytest

from cohorts.models import Enrolment, EnrolmentStatus
from payments.models import CohortPrice, Coupon, Order, OrderStatus
from tests.browser.test_walkthrough import login
from tests.factories import CohortFactory, UserFactory, course_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_student_enrols_with_a_code_gets_an_invoice_and_staff_mark_it_paid(live_server, page):
    course = course_page(modules=2, lessons=1)
    cohort = CohortFactory(course=course, name="Paid cohort")
    CohortPrice.objects.create(cohort=cohort, amount=40_000)
    Coupon.objects.create(code="FRIENDS", amount_off=5_000)
    UserFactory(username="student")
    UserFactory(username="finance", is_staff=True, is_superuser=True)
    base = live_server.url

    login(page, base, "/accounts/login/", "student")
    page.goto(f"{base}{course.url}")
    assert "€\xa0400.00" in page.inner_text("main")
    page.fill("input[name=coupon]", "friends")
    page.get_by_role("button", name="Enrol and pay").click()
    page.wait_for_load_state()
    order = Order.objects.get()
    assert page.url.endswith(f"/payments/orders/{order.pk}/")
    text = page.inner_text("main")
    assert order.invoice.payment_reference in text and "€\xa0350.00" in text
    assert Enrolment.objects.get().status == EnrolmentStatus.PENDING_PAYMENT
    page.context.clear_cookies()

    login(page, base, "/accounts/login/", "finance")
    page.goto(f"{base}/payments/staff/cohorts/{cohort.pk}/")
    page.fill("input[name=reference]", "BANK-2026-11")
    page.get_by_role("button", name="Mark paid").click()
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    page.context.clear_cookies()

    login(page, base, "/accounts/login/", "student")
    page.goto(f"{base}/payments/orders/{order.pk}/")
    assert "Payment confirmed" in page.inner_text("main")
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_mistyped_code_is_shown_at_the_field_and_the_price_checked_before_enrolling(
    live_server, page, tmp_path
):
    course = course_page(modules=1, lessons=1)
    cohort = CohortFactory(course=course, name="Paid cohort")
    CohortPrice.objects.create(cohort=cohort, amount=45_000)
    Coupon.objects.create(code="FRIENDS", percent_off=10)
    UserFactory(username="student")
    base = live_server.url

    login(page, base, "/accounts/login/", "student")
    page.goto(f"{base}{course.url}")
    page.fill("input[name=coupon]", "FREINDS")
    page.get_by_role("button", name="Check code and price").click()
    page.wait_for_load_state()
    field = page.locator("input[name=coupon]")
    assert field.get_attribute("aria-invalid") == "true"
    assert "is not a valid code" in page.inner_text("main")
    field.fill("friends")
    page.get_by_role("button", name="Check code and price").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Your price" in text and "€\xa0405.00" in text
    page.screenshot(path=str(tmp_path / "enrol-check.png"), full_page=True)
    assert not Order.objects.exists()
    page.get_by_role("button", name="Enrol and pay").click()
    page.wait_for_load_state()
    assert Order.objects.get().total_amount == 40_500
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
