""" "Staff" is a set of named permissions (one per capability), granted through the
"Staff" group; ``is_staff`` on its own opens nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cohorts.models import EnrolmentStatus
from lms.errors import NotAllowed
from payments import services as payment_services
from payments.models import CohortPrice, Invoice, OrderStatus
from tests.assertions import unchanged
from tests.factories import STAFF_PERMISSIONS, CohortFactory, UserFactory, staff_user
from tests.payments.conftest import MONEY_AND_SEATS

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_order(course):
    cohort = CohortFactory(course=course, capacity=2)
    CohortPrice.objects.create(cohort=cohort, amount=10_000)
    _enrolment, order = payment_services.paid_enrolment_start(cohort=cohort, user=UserFactory())
    return order


def _staff_pages(cohort) -> list[str]:
    return [
        reverse("payments:staff_overview"),
        reverse("payments:staff_cohort", args=[cohort.pk]),
        reverse("badges:stats"),
    ]


def _cohort_staff_pages(cohort) -> list[str]:
    """Pages of a cohort one does not teach: the cohort does not exist for strangers."""
    return [
        reverse("cohorts:roster", args=[cohort.pk]),
        reverse("live:session_new", args=[cohort.pk]),
        reverse("live:cohort_attendance", args=[cohort.pk]),
        reverse("badges:cohort", args=[cohort.pk]),
    ]


def test_is_staff_without_a_permission_is_refused_on_staff_pages_and_apis(client, cohort, api):
    flag_only = UserFactory(is_staff=True)
    client.force_login(flag_only)
    for url in _staff_pages(cohort):
        assert client.get(url).status_code == 403, url
    for url in _cohort_staff_pages(cohort):
        assert client.get(url).status_code == 404, url

    api.force_authenticate(flag_only)
    response = api.get(reverse("api-cohort-payments", args=[cohort.pk]))
    assert response.status_code == 403
    assert response.json()["detail"] == "Only staff who manage orders may do this."


def test_a_plain_user_in_the_staff_group_opens_staff_pages_and_apis(client, cohort, api):
    member = staff_user()
    assert not member.is_staff and not member.is_superuser
    client.force_login(member)
    for url in _staff_pages(cohort):
        assert client.get(url).status_code == 200, url
    for url in _cohort_staff_pages(cohort):
        assert client.get(url).status_code == 200, url

    api.force_authenticate(member)
    assert api.get(reverse("api-cohort-payments", args=[cohort.pk])).status_code == 200


def test_is_staff_alone_posts_to_the_staff_pages_and_apis_and_nothing_changes(
    client, api, held_order
):
    flag_only = UserFactory(is_staff=True)
    client.force_login(flag_only)
    api.force_authenticate(flag_only)
    order = held_order.pk
    with unchanged(*MONEY_AND_SEATS):
        refund = reverse("payments:staff_refund", args=[order])
        assert client.post(refund, {"reason": "x", "amount": "10"}).status_code == 403
        mark_paid = reverse("payments:staff_mark_paid", args=[order])
        assert client.post(mark_paid, {"reference": "x"}).status_code == 403
        response = api.post(f"/api/v1/payments/orders/{order}/refund/", {"reason": "x"})
        assert response.status_code == 403
        assert api.post(f"/api/v1/payments/orders/{order}/mark-paid/", {}).status_code == 403


def test_is_staff_alone_does_not_mark_an_invoice_paid_and_nothing_changes(held_order):
    with pytest.raises(NotAllowed):
        payment_services.order_mark_paid(order=held_order, by=UserFactory(is_staff=True))
    held_order.refresh_from_db()
    assert held_order.status == OrderStatus.PENDING
    assert held_order.enrolment.status == EnrolmentStatus.PENDING_PAYMENT
    assert Invoice.objects.get().paid_by is None


def test_a_member_of_the_staff_group_marks_an_invoice_paid(held_order):
    payment_services.order_mark_paid(order=held_order, by=staff_user())
    held_order.refresh_from_db()
    assert held_order.status == OrderStatus.PAID


def test_the_staff_group_made_by_the_migration_holds_one_named_permission_per_capability():
    names = set(
        Group.objects.get(name="Staff").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert set(STAFF_PERMISSIONS) <= names
