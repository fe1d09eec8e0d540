"""Seat benefits offered by an app above payments (a membership's member price or
included seat): quoted to the signed-in student, charged exactly as quoted, never
stacked with a coupon (the larger discount wins, and the page says which), claimed in
the enrolment's transaction (a refusal refuses the enrolment with 409 and writes
nothing) and given back when the order ends unpaid or is refunded in full."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import Conflict
from payments import hooks, selectors, services
from payments.hooks import SeatBenefit
from payments.models import Coupon, Order, OrderStatus, Provider
from tests.assertions import unchanged
from tests.factories import UserFactory
from tests.payments.conftest import MONEY_AND_SEATS, deliver

pytestmark = pytest.mark.django_db

STORE = "INCLUDED-SEATS"  # the fake memberships app keeps its seats left in this row


class Memberships:
    """A stand-in for the memberships app: members get ``percent`` off; with a store
    row, each claim uses one of its seats and the last one used refuses."""

    def __init__(self, percent: int = 20):
        self.percent = percent
        self.members: set[int] = set()
        self.claims: list[tuple[str, int]] = []
        self.releases: list[tuple[str, int]] = []
        self.claimed_in_a_transaction: list[bool] = []

    def offer(self, *, user, cohort, now):
        if user.pk not in self.members:
            return None
        return SeatBenefit(
            percent_off=self.percent,
            label=f"Premium members: {self.percent} % off",
            key=f"membership:{user.pk}:seat",
        )

    def claim(self, *, benefit, enrolment, now):
        self.claimed_in_a_transaction.append(not transaction.get_autocommit())
        store = Coupon.objects.select_for_update().filter(code=STORE).first()
        if store is not None:
            if store.max_uses == 0:
                raise Conflict("The last included seat was just used.", code="benefit_used_up")
            store.max_uses -= 1
            store.save()
        self.claims.append((benefit.key, enrolment.pk))

    def release(self, *, key, enrolment_id, now):
        self.releases.append((key, enrolment_id))


@pytest.fixture
def memberships():
    fake = Memberships()
    registered = hooks._seat_benefits  # the memberships app's own, put back after
    hooks.register_seat_benefits(fake.offer, fake.claim, fake.release)
    yield fake
    hooks.unregister_seat_benefits()
    hooks._seat_benefits = registered


@pytest.fixture
def member(memberships):
    user = UserFactory(username="mo", email="mo@example.com")
    memberships.members.add(user.pk)
    return user


def included_seats(n: int) -> Coupon:
    return Coupon.objects.create(code=STORE, percent_off=1, max_uses=n, active=False)


# --- Quoted, and charged as quoted -------------------------------------------------------


def test_a_member_is_quoted_the_benefit_and_charged_exactly_that(memberships, member, paid_cohort):
    quote = selectors.quote_get(cohort=paid_cohort, user=member)
    assert (quote.discount_amount, quote.total_amount) == (9_900, 39_600)
    assert quote.discount_source == "benefit" and quote.coupon is None
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    assert enrolment.status == EnrolmentStatus.PENDING_PAYMENT
    assert (order.list_amount, order.discount_amount) == (49_500, 9_900)
    assert order.total_amount == order.invoice.amount == quote.total_amount
    assert order.benefit_key == f"membership:{member.pk}:seat"
    assert order.benefit_label == "Premium members: 20 % off"
    assert order.coupon is None
    assert memberships.claims == [(order.benefit_key, enrolment.pk)]


def test_the_quote_api_the_pages_and_the_enrol_api_agree_on_the_price(
    client, memberships, member, paid_cohort
):
    client.force_login(member)
    quote = client.get("/api/v1/payments/quote/", {"cohort": paid_cohort.pk}).json()
    assert quote["total_amount"] == 39_600 and quote["discount_source"] == "benefit"
    assert quote["benefit_label"] == "Premium members: 20 % off" and quote["set_aside"] == ""
    course_page = client.get(paid_cohort.course.url).content.decode()
    assert "Your price: €\xa0396.00 (Premium members: 20 % off)" in course_page
    check = client.get(reverse("cohorts:enrol_check", args=[paid_cohort.pk])).content.decode()
    assert "Premium members: 20 % off" in check and "€\xa0396.00" in check
    response = client.post(
        f"/api/v1/cohorts/{paid_cohort.pk}/enrol/", {}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["order"]["total_amount"] == quote["total_amount"]
    order = Order.objects.get()
    mine = client.get(f"/api/v1/payments/orders/{order.pk}/").json()
    assert mine["benefit_label"] == "Premium members: 20 % off"
    assert (
        "Premium members: 20 % off"
        in client.get(reverse("payments:order", args=[order.pk])).content.decode()
    )


def test_stripe_checkout_charges_what_was_quoted(stripe_on, memberships, member, paid_cohort):
    quote = selectors.quote_get(cohort=paid_cohort, user=member)
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    services.checkout_start(order=order, base_url="https://lms.example")
    order.refresh_from_db()
    session = stripe_on.get(order.checkout_session)
    assert session["amount_total"] == order.total_amount == quote.total_amount == 39_600


def test_nobody_signed_in_and_students_without_a_benefit_pay_the_price(memberships, paid_cohort):
    for user in (None, AnonymousUser(), UserFactory()):
        quote = selectors.quote_get(cohort=paid_cohort, user=user)
        assert quote.total_amount == 49_500 and quote.benefit is None
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    assert order.total_amount == 49_500 and order.benefit_key == ""
    assert memberships.claims == []


def test_with_nothing_registered_prices_are_as_before(paid_cohort):
    registered = hooks._seat_benefits
    hooks.unregister_seat_benefits()
    try:
        assert not hooks.seat_benefits_registered()
        assert selectors.quote_get(cohort=paid_cohort, user=UserFactory()).total_amount == 49_500
    finally:
        hooks._seat_benefits = registered


def test_a_student_without_a_membership_pays_the_price_as_before(paid_cohort):
    assert hooks.seat_benefits_registered()  # the memberships app offers benefits
    assert selectors.quote_get(cohort=paid_cohort, user=UserFactory()).total_amount == 49_500


def test_the_benefit_applies_to_the_early_bird_price(memberships, member, paid_cohort):
    price = paid_cohort.price
    price.early_bird_amount, price.early_bird_until = 39_500, timezone.now() + dt.timedelta(days=1)
    price.save()
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    assert (order.list_amount, order.discount_amount, order.total_amount) == (39_500, 7_900, 31_600)


# --- A coupon and a benefit do not stack --------------------------------------------------


@pytest.mark.parametrize(
    ("coupon_percent", "applied", "total"),
    [(10, "benefit", 39_600), (30, "coupon", 34_650), (20, "coupon", 39_600)],
)
def test_a_coupon_and_a_benefit_do_not_stack_the_larger_discount_wins(
    client, memberships, member, paid_cohort, coupon_percent, applied, total
):
    Coupon.objects.create(code="SPRING", percent_off=coupon_percent)
    _enrolment, order = services.paid_enrolment_start(
        cohort=paid_cohort, user=member, coupon_code="spring"
    )
    assert order.total_amount == total
    if applied == "benefit":
        assert order.coupon is None and order.benefit_key
        assert memberships.claims == [(order.benefit_key, order.enrolment_id)]
    else:
        assert order.coupon.code == "SPRING" and order.benefit_key == ""
        assert memberships.claims == []
    other = UserFactory()
    memberships.members.add(other.pk)
    client.force_login(other)
    page = client.post(
        reverse("cohorts:enrol_check", args=[paid_cohort.pk]), {"coupon": "spring"}
    ).content.decode()
    if applied == "benefit":
        assert "Code SPRING is not applied: “Premium members: 20 % off” takes more off" in page
    else:
        assert "Code SPRING applies instead of “Premium members: 20 % off”" in page


def test_a_code_that_cannot_be_used_is_still_refused_for_a_member(memberships, member, paid_cohort):
    from lms.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        services.paid_enrolment_start(cohort=paid_cohort, user=member, coupon_code="NOPE")
    assert refused.value.code == "coupon_invalid"
    assert memberships.claims == [] and not Enrolment.objects.exists()


# --- 100 %: no payment step ----------------------------------------------------------------


def test_a_full_benefit_gives_the_seat_without_a_payment_step(memberships, member, paid_cohort):
    memberships.percent = 100
    quote = selectors.quote_get(cohort=paid_cohort, user=member)
    assert quote.is_free
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert order.status == OrderStatus.PAID and order.provider == Provider.NONE
    assert (order.total_amount, order.discount_amount) == (0, 49_500)
    assert order.benefit_label == "Premium members: 100 % off"
    assert memberships.claims == [(order.benefit_key, enrolment.pk)]


# --- The claim --------------------------------------------------------------------------


def test_a_refused_claim_refuses_the_enrolment_with_409_and_writes_nothing(
    client, memberships, member, paid_cohort
):
    included_seats(0)
    with unchanged(*MONEY_AND_SEATS), pytest.raises(Conflict) as refused:
        services.paid_enrolment_start(cohort=paid_cohort, user=member)
    assert refused.value.code == "benefit_used_up"
    client.force_login(member)
    with unchanged(*MONEY_AND_SEATS):
        page = client.post(reverse("cohorts:enrol", args=[paid_cohort.pk]))
        api = client.post(
            f"/api/v1/cohorts/{paid_cohort.pk}/enrol/", {}, content_type="application/json"
        )
    assert page.status_code == 409 and "The last included seat was just used." in (
        page.content.decode()
    )
    assert api.status_code == 409 and api.json()["code"] == "benefit_used_up"


def test_the_claim_runs_in_the_enrolments_transaction_and_rolls_back_with_it(
    memberships, member, paid_cohort, monkeypatch
):
    store = included_seats(2)

    def mail_down(**kwargs):
        raise RuntimeError("invoice could not be written")

    monkeypatch.setattr("payments.services.orders.notices.invoice_notify", mail_down)
    with pytest.raises(RuntimeError):
        services.paid_enrolment_start(cohort=paid_cohort, user=member)
    store.refresh_from_db()
    assert memberships.claimed_in_a_transaction == [True]
    assert store.max_uses == 2  # the claim's write went with the rest
    assert not Enrolment.objects.exists() and not Order.objects.exists()


def test_a_waitlisted_member_claims_nothing_until_promoted_and_then_gets_the_benefit(
    memberships, member, paid_cohort, django_capture_on_commit_callbacks
):
    holders = [services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory()) for _ in "ab"]
    waiting, no_order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    assert waiting.status == EnrolmentStatus.WAITLISTED and no_order is None
    assert memberships.claims == []
    services.payment_holds_expire(now=holders[0][1].hold_expires_at)
    order = Order.objects.get(enrolment=waiting)
    assert order.status == OrderStatus.PENDING and order.total_amount == 39_600
    assert memberships.claims == [(order.benefit_key, waiting.pk)]


def test_a_promoted_member_whose_claim_is_refused_pays_the_price(memberships, member, paid_cohort):
    included_seats(0)
    holders = [services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory()) for _ in "ab"]
    waiting, _ = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    services.payment_holds_expire(now=holders[0][1].hold_expires_at)
    order = Order.objects.get(enrolment=waiting)
    assert order.total_amount == 49_500 and order.benefit_key == ""
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.PENDING_PAYMENT  # the waitlist moved on


def test_a_member_promoted_into_an_included_seat_is_enrolled_at_once(
    memberships, member, paid_cohort
):
    memberships.percent = 100
    holders = [services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory()) for _ in "ab"]
    waiting, _ = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    services.payment_holds_expire(now=holders[0][1].hold_expires_at)
    waiting.refresh_from_db()
    order = Order.objects.get(enrolment=waiting)
    assert waiting.status == EnrolmentStatus.ACTIVE
    assert order.status == OrderStatus.PAID and order.provider == Provider.NONE


# --- Given back ---------------------------------------------------------------------------


def test_the_benefit_is_given_back_once_when_the_order_expires(
    memberships, member, paid_cohort, django_capture_on_commit_callbacks
):
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_holds_expire(now=order.hold_expires_at)
    assert memberships.releases == [(order.benefit_key, enrolment.pk)]


def test_the_benefit_is_given_back_when_the_order_is_cancelled(
    memberships, member, paid_cohort, django_capture_on_commit_callbacks
):
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        services.order_expire(
            order=locked, reason="bank payment failed", now=timezone.now(), to="cancelled"
        )
    assert memberships.releases == [(order.benefit_key, enrolment.pk)]


def test_the_benefit_is_given_back_after_a_full_refund_not_a_partial_one(
    memberships, member, paid_cohort, staff, django_capture_on_commit_callbacks
):
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    services.order_mark_paid(order=order, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_refund(order=order, by=staff, reason="part", amount=10_000)
    assert memberships.releases == []
    with django_capture_on_commit_callbacks(execute=True):
        services.order_refund(order=order, by=staff, reason="the rest")
    assert memberships.releases == [(order.benefit_key, enrolment.pk)]


def test_nothing_is_given_back_before_the_commit_or_after_a_rollback(
    memberships, member, paid_cohort, django_capture_on_commit_callbacks
):
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)

    class Undo(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(Undo),
        transaction.atomic(),
    ):
        services.payment_holds_expire(now=order.hold_expires_at)
        raise Undo
    assert memberships.releases == []
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not any("release" in repr(callback) for callback in callbacks)


def test_money_after_the_hold_claims_the_benefit_again(
    stripe_on, client, memberships, member, paid_cohort, django_capture_on_commit_callbacks
):
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    services.checkout_start(order=order, base_url="https://lms.example")
    order.refresh_from_db()
    session = stripe_on.complete_checkout(order.checkout_session)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        services.order_expire(order=locked, reason="hold ended", now=timezone.now())
    assert memberships.releases == [(order.benefit_key, enrolment.pk)]
    response = deliver(client, stripe_on, "checkout.session.completed", session)
    assert response.json()["outcome"] == "paid late: seat still free, confirmed"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.benefit_key
    assert len(memberships.claims) == 2 and memberships.claims[1][0] == order.benefit_key


def test_a_benefit_is_refused_when_it_is_not_one():
    for percent in (0, 101):
        with pytest.raises(ValueError):
            SeatBenefit(percent_off=percent, label="x", key="k")
    with pytest.raises(ValueError):
        SeatBenefit(percent_off=10, label="x", key="")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_racing_for_the_last_included_seat_one_enrols_one_gets_409(
    memberships, paid_cohort
):
    from tests.concurrency import race

    memberships.percent = 100
    store = included_seats(1)
    a, b = UserFactory(), UserFactory()
    memberships.members.update({a.pk, b.pk})
    results = race(
        [
            lambda: services.paid_enrolment_start(cohort=paid_cohort, user=a),
            lambda: services.paid_enrolment_start(cohort=paid_cohort, user=b),
        ]
    )
    refused = [r for r in results if isinstance(r, Conflict)]
    enrolled = [r for r in results if not isinstance(r, Conflict)]
    assert len(refused) == 1 and refused[0].code == "benefit_used_up"
    assert enrolled[0][0].status == EnrolmentStatus.ACTIVE
    assert Enrolment.objects.count() == 1 and Order.objects.count() == 1
    store.refresh_from_db()
    assert store.max_uses == 0
