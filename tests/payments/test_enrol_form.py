"""The enrol form of the course page: a code that cannot be used is shown at the field
(nothing held), the price can be checked before enrolling, and a seat held while paying
links to its order from My cohorts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import EnrolmentStatus
from payments import services
from payments.models import CohortPrice, Coupon, Order
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(db):
    return UserFactory(username="robin")


def test_a_mistyped_code_is_shown_at_the_field_of_the_enrol_form(client, paid_cohort, student):
    client.force_login(student)
    response = client.post(reverse("cohorts:enrol", args=[paid_cohort.pk]), {"coupon": "HALFF"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="coupon-{paid_cohort.pk}_error"' in html
    assert "“HALFF” is not a valid code. Check the spelling." in html
    assert 'value="HALFF"' in html and 'aria-invalid="true"' in html
    assert f'action="{reverse("cohorts:enrol", args=[paid_cohort.pk])}"' in html
    assert not Order.objects.exists() and not paid_cohort.enrolments.exists()


def test_a_plan_that_is_not_offered_is_shown_at_the_field(client, stripe_on, paid_cohort, student):
    client.force_login(student)
    response = client.post(reverse("cohorts:enrol", args=[paid_cohort.pk]), {"instalments": "7"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<fieldset class="field has-errors">' in html  # at the field, in the form
    assert "paid in full or in 3 instalments" in html and 'name="coupon"' in html
    assert not paid_cohort.enrolments.exists()


def test_checking_a_code_shows_the_price_with_early_bird_code_and_instalments(
    client, stripe_on, paid_cohort, student
):
    CohortPrice.objects.filter(cohort=paid_cohort).update(
        amount=49_500,
        early_bird_amount=45_000,
        early_bird_until=timezone.now() + dt.timedelta(days=3),
    )
    Coupon.objects.create(code="FRIENDS", percent_off=10)
    client.force_login(student)
    response = client.post(
        reverse("cohorts:enrol_check", args=[paid_cohort.pk]),
        {"coupon": "friends", "instalments": "3"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Early-bird price" in html and "€\xa0450.00" in html
    assert "Code FRIENDS" in html and "\u2212€\xa045.00" in html
    assert "€\xa0405.00" in html  # what the student pays
    assert "€\xa0135.00, €\xa0135.00, €\xa0135.00" in html
    assert 'value="friends"' in html and 'value="3" checked' in html
    assert not Order.objects.exists() and not paid_cohort.enrolments.exists()


def test_the_course_page_offers_to_check_the_code_before_enrolling(client, paid_cohort, student):
    client.force_login(student)
    html = client.get(paid_cohort.course.url).content.decode()
    assert f'formaction="{reverse("cohorts:enrol_check", args=[paid_cohort.pk])}"' in html


def test_a_seat_held_while_paying_links_to_pay_now_or_the_invoice(
    client, stripe_on, paid_cohort, student, course
):
    _, online = services.paid_enrolment_start(cohort=paid_cohort, user=student)
    from tests.factories import CohortFactory

    invoiced = CohortFactory(course=course, capacity=5)
    CohortPrice.objects.create(cohort=invoiced, amount=10_000, payment_method="invoice")
    enrolment, by_invoice = services.paid_enrolment_start(cohort=invoiced, user=student)
    assert enrolment.status == EnrolmentStatus.PENDING_PAYMENT
    client.force_login(student)
    html = client.get(reverse("cohorts:my_cohorts")).content.decode()
    order_url = reverse("payments:order", args=[online.pk])
    assert f'href="{order_url}">Pay now' in html
    invoice_url = reverse("payments:order", args=[by_invoice.pk])
    assert f'href="{invoice_url}">See invoice' in html
    assert html.count("Leave<span") == 2  # leaving stays possible
