"""What a code may buy: seats in a cohort (the default), memberships, or both. A code for
memberships only is refused at a cohort's checkout, a code for seats only when a
membership is bought; codes typed for memberships that do not work count against the
same limit as those typed for seats."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from lms.errors import ValidationFailed
from payments import hooks, selectors, services, throttling
from payments.models import Coupon, CouponScope, Order
from tests.assertions import unchanged
from tests.factories import CohortFactory, UserFactory
from tests.payments.conftest import MONEY_AND_SEATS

pytestmark = pytest.mark.django_db


def for_membership(code: str, currency: str = "EUR"):
    return selectors.coupon_for_membership(code=code, currency=currency, now=timezone.now())


def test_codes_are_for_seats_unless_staff_say_otherwise(db):
    assert Coupon.objects.create(code="ANY", percent_off=5).applies_to == CouponScope.SEATS


def test_a_code_for_memberships_only_is_refused_at_a_cohorts_checkout(client, paid_cohort):
    Coupon.objects.create(code="MEMBERS", percent_off=20, applies_to=CouponScope.MEMBERSHIPS)
    with unchanged(*MONEY_AND_SEATS), pytest.raises(ValidationFailed) as refused:
        services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory(), coupon_code="members")
    assert refused.value.code == "coupon_not_for_seats" and refused.value.field == "coupon"
    assert "is for memberships, not for a seat in a cohort" in refused.value.message
    client.force_login(UserFactory())
    answer = client.get("/api/v1/payments/quote/", {"cohort": paid_cohort.pk, "coupon": "MEMBERS"})
    assert answer.status_code == 400 and answer.json()["code"] == "coupon_not_for_seats"


def test_a_code_for_both_works_for_a_seat_and_a_membership(paid_cohort):
    Coupon.objects.create(code="BOTH", percent_off=10, applies_to=CouponScope.BOTH)
    _enrolment, order = services.paid_enrolment_start(
        cohort=paid_cohort, user=UserFactory(), coupon_code="both"
    )
    assert order.coupon.code == "BOTH"
    assert for_membership("both").code == "BOTH"


def test_a_code_for_seats_only_is_refused_for_a_membership(db):
    Coupon.objects.create(code="SEATS10", percent_off=10)
    Coupon.objects.create(
        code="COHORT10", percent_off=10, applies_to=CouponScope.BOTH, cohort=CohortFactory()
    )
    for code in ("SEATS10", "cohort10"):
        with pytest.raises(ValidationFailed) as refused:
            for_membership(code)
        assert refused.value.code == "coupon_not_for_memberships"
        assert "is for seats in a cohort, not for a membership" in refused.value.message


@pytest.mark.parametrize(
    ("coupon", "currency", "code"),
    [
        (None, "EUR", "coupon_invalid"),
        ({"percent_off": 10, "active": False}, "EUR", "coupon_invalid"),
        (
            {"percent_off": 10, "expires_at": timezone.now() - dt.timedelta(days=1)},
            "EUR",
            "coupon_expired",
        ),
        ({"amount_off": 1_000, "currency": "USD"}, "EUR", "coupon_invalid"),
    ],
)
def test_a_membership_code_gets_the_same_checks_as_a_seat_code(db, coupon, currency, code):
    if coupon is not None:
        Coupon.objects.create(code="YEARLY", applies_to=CouponScope.MEMBERSHIPS, **coupon)
    with pytest.raises(ValidationFailed) as refused:
        for_membership("YEARLY", currency)
    assert refused.value.code == code and refused.value.field == "coupon"


def test_an_amount_off_in_the_memberships_currency_is_accepted(db):
    Coupon.objects.create(
        code="TENOFF", amount_off=1_000, currency="USD", applies_to=CouponScope.MEMBERSHIPS
    )
    assert for_membership("tenoff", "USD").amount_off == 1_000


def test_max_uses_counts_seats_and_the_uses_memberships_report(paid_cohort):
    coupon = Coupon.objects.create(
        code="LAUNCH", percent_off=10, max_uses=2, applies_to=CouponScope.BOTH
    )
    services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory(), coupon_code="LAUNCH")
    assert for_membership("LAUNCH") == coupon

    def memberships_used(*, coupon):
        return 1 if coupon.code == "LAUNCH" else 0

    hooks.register_coupon_uses(memberships_used)
    try:
        assert selectors.coupon_uses(coupon=coupon) == 2
        with pytest.raises(ValidationFailed) as refused:
            for_membership("LAUNCH")
        assert refused.value.code == "coupon_used_up"
        with pytest.raises(ValidationFailed) as refused:
            services.paid_enrolment_start(
                cohort=paid_cohort, user=UserFactory(), coupon_code="LAUNCH"
            )
        assert refused.value.code == "coupon_used_up"
    finally:
        hooks.unregister_coupon_uses(memberships_used)
    assert Order.objects.count() == 1


def test_membership_codes_that_do_not_work_count_with_seat_codes(client, paid_cohort):
    """The memberships page wraps coupon_for_membership in the same counter as the
    enrol form: after ten wrong codes there, every code is refused everywhere."""
    user = UserFactory()
    request = RequestFactory().post("/memberships/join/", REMOTE_ADDR="203.0.113.9")
    request.user = user
    for n in range(10):
        with pytest.raises(ValidationFailed), throttling.coupon_attempt(request=request, code="X"):
            for_membership(f"GUESS{n}")
    Coupon.objects.create(code="REAL", percent_off=10, applies_to=CouponScope.BOTH)
    with (
        pytest.raises(throttling.TooManyCodes),
        throttling.coupon_attempt(request=request, code="REAL"),
    ):
        for_membership("REAL")
    client.force_login(user)
    answer = client.get("/api/v1/payments/quote/", {"cohort": paid_cohort.pk, "coupon": "REAL"})
    assert answer.status_code == 429 and answer.json()["code"] == "too_many_codes"


def test_a_code_for_the_wrong_purpose_counts_as_a_code_that_did_not_work(db):
    Coupon.objects.create(code="SEATSONLY", percent_off=10)
    user = UserFactory()
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.10")
    request.user = user
    with pytest.raises(ValidationFailed), throttling.coupon_attempt(request=request, code="x"):
        for_membership("SEATSONLY")
    assert throttling.wait_for("user", str(user.pk)) == 0
    assert throttling.cache.get(f"coupon-failures:user:{user.pk}") == 1


def test_staff_choose_what_a_code_applies_to_in_the_admin(admin_client, cohort):
    form = admin_client.get("/admin/coupons/new/").content.decode()
    assert 'name="applies_to"' in form
    response = admin_client.post(
        "/admin/coupons/new/",
        {"code": "YEAR25", "percent_off": "25", "currency": "EUR", "applies_to": "memberships"},
    )
    assert response.status_code == 302
    assert Coupon.objects.get(code="YEAR25").applies_to == CouponScope.MEMBERSHIPS
    refused = admin_client.post(
        "/admin/coupons/new/",
        {
            "code": "ODD",
            "percent_off": "25",
            "currency": "EUR",
            "applies_to": "memberships",
            "cohort": cohort.pk,
        },
    )
    assert refused.status_code == 200
    assert "A code for memberships only cannot be limited to a cohort." in (
        refused.content.decode()
    )
    assert not Coupon.objects.filter(code="ODD").exists()
    listing = admin_client.get("/admin/coupons/").content.decode()
    assert "Memberships" in listing
