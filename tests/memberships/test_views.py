"""Membership pages: pricing, joining (free, by invoice, through Stripe Checkout), the
member's portal and its actions, the staff revenue page with its CSV, members and price
moves; refusals with their status and nothing written; query counts that do not grow
with the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from memberships.models import (
    BillStatus,
    Interval,
    Membership,
    MembershipBill,
    MembershipChange,
    MembershipProvider,
    MembershipStatus,
)
from tests.assertions import unchanged
from tests.factories import UserFactory, course_page
from tests.memberships.factories import (
    MembershipChangeFactory,
    MembershipFactory,
    TierFactory,
    TierPriceFactory,
)
from tests.payments.conftest import stripe_on  # noqa: F401
from tests.stripe_fake.fixtures import stripe_fake  # noqa: F401

pytestmark = pytest.mark.django_db

WRITES = (Membership, Membership.history.model, MembershipBill, MembershipChange)


@pytest.fixture(autouse=True)
def no_stripe(settings):
    """Stripe is not configured unless a test says so (stripe_on)."""
    settings.STRIPE_SECRET_KEY = ""


@pytest.fixture
def student(db):
    return UserFactory(username="pat", email="pat@example.com")


@pytest.fixture
def manager(db):
    user = UserFactory(username="finance")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="memberships", codename="manage_memberships")
    )
    return user


@pytest.fixture
def plus(db):
    """A tier paid monthly (€10) or yearly (€100), with a retention offer."""
    tier = TierFactory(
        name="Plus",
        slug="plus",
        seat_discount_percent=20,
        included_seats_per_year=2,
        retention_percent_off=50,
        retention_months=3,
        highlights="Every library course\nLive Q&A each month",
    )
    TierPriceFactory(tier=tier, interval=Interval.MONTH, amount=1_000)
    TierPriceFactory(tier=tier, interval=Interval.YEAR, amount=10_000)
    return tier


@pytest.fixture
def free(db):
    return TierFactory(name="Community", slug="community", highlights="")


def _join(client, tier, interval=""):
    return client.post(reverse("memberships:join"), {"tier": tier.slug, "interval": interval})


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- Pricing --------------------------------------------------------------------------


def test_the_pricing_page_compares_the_open_tiers_with_the_yearly_saving(client, plus, free):
    course = course_page(title="Writing for the web", modules=1, lessons=1)
    plus.library_courses.add(course)
    TierFactory(name="Old guard", open_for_signup=False)
    html = client.get(reverse("memberships:pricing") + "?interval=year").content.decode()
    assert "Plus" in html and "Community" in html and "Old guard" not in html
    assert "€\xa0100.00 per year" in html
    assert "You save €\xa020.00 a year (17%) compared with paying monthly." in html
    assert "Free" in html
    assert "<li>Live Q&amp;A each month</li>" in html
    assert "Writing for the web" in html
    assert "20% off cohort seats" in html and "2 cohort seats included per membership year" in html
    assert 'aria-current="true">Yearly<' in html


def test_without_stripe_monthly_prices_say_they_need_online_payment(client, plus, student):
    client.force_login(student)
    html = client.get(reverse("memberships:pricing") + "?interval=month").content.decode()
    assert "€\xa010.00 per month" in html
    assert "Paying monthly or quarterly needs online payment; choose the yearly plan." in html
    assert "tier=plus&amp;interval=month" not in html  # no way to join monthly
    yearly = client.get(reverse("memberships:pricing") + "?interval=year").content.decode()
    # Signed in, joining is the page that confirms the choice (and takes a code).
    assert "/memberships/join/?tier=plus&amp;interval=year" in yearly


def test_a_visitor_joining_is_sent_to_log_in_and_back_to_confirm(client, plus):
    html = client.get(reverse("memberships:pricing") + "?interval=year").content.decode()
    join = reverse("memberships:join") + "?tier=plus&interval=year"
    assert f"{reverse('login')}?next=%2Fmemberships%2Fjoin%2F%3Ftier%3Dplus%26interval%3Dyear" in (
        html
    )
    response = client.get(join)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(UserFactory())
    confirm = client.get(join).content.decode()
    assert "Join Plus" in confirm and "€\xa0100.00 per year" in confirm


# --- Joining --------------------------------------------------------------------------


def test_joining_the_free_tier_activates_the_membership(client, free, student):
    client.force_login(student)
    response = _join(client, free)
    assert response.status_code == 302 and response.url == reverse("memberships:portal")
    membership = Membership.objects.get(user=student)
    assert membership.status == MembershipStatus.ACTIVE and membership.is_free
    html = client.get(response.url).content.decode()
    assert "Welcome to Community! Your membership is active." in html


def test_joining_yearly_without_stripe_emails_an_invoice_that_the_portal_shows(
    client, plus, student, settings
):
    settings.LMS_INVOICE_PAYEE = "Cohort LMS B.V."
    settings.LMS_INVOICE_IBAN = "NL91 ABNA 0417 1643 00"
    client.force_login(student)
    response = _join(client, plus, Interval.YEAR)
    assert response.status_code == 302 and response.url == reverse("memberships:portal")
    membership = Membership.objects.get(user=student)
    assert membership.status == MembershipStatus.INCOMPLETE
    assert membership.provider == MembershipProvider.MANUAL
    bill = membership.bills.get()
    assert bill.status == BillStatus.OPEN and bill.amount == 10_000
    html = client.get(response.url).content.decode()
    assert "Your invoice was emailed to you" in html
    assert bill.number in html and bill.invoice.payment_reference in html
    assert "Cohort LMS B.V." in html and "NL91 ABNA 0417 1643 00" in html
    assert "€\xa0100.00" in html


def test_joining_a_closed_tier_is_refused_with_409_and_nothing_is_written(client, student):
    closed = TierFactory(name="Founders", open_for_signup=False)
    TierPriceFactory(tier=closed, interval=Interval.YEAR)
    client.force_login(student)
    with unchanged(*WRITES):
        response = _join(client, closed, Interval.YEAR)
    assert response.status_code == 409
    assert "Founders is not open for new members; choose another tier." in response.content.decode()


def test_a_member_joining_again_is_refused_with_409(client, plus, free, student):
    MembershipFactory(user=student, price=plus.prices.get(interval=Interval.YEAR))
    client.force_login(student)
    with unchanged(*WRITES):
        response = _join(client, free)
    assert response.status_code == 409
    assert "You are a member already" in response.content.decode()


def test_joining_monthly_goes_to_stripe_checkout(client, plus, student, stripe_on):  # noqa: F811
    client.force_login(student)
    response = _join(client, plus, Interval.MONTH)
    membership = Membership.objects.get(user=student)
    assert response.status_code == 302 and response.url == membership.checkout_url
    session = stripe_on.get(membership.checkout_session)
    assert session["mode"] == "subscription"
    assert session["success_url"].endswith(reverse("memberships:portal") + "?paid=1")
    html = client.get(reverse("memberships:portal") + "?paid=1").content.decode()
    assert "waiting for the payment provider to confirm" in html


def test_stripe_unreachable_on_joining_shows_503_with_try_again(client, plus, student, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    client.force_login(student)
    response = _join(client, plus, Interval.MONTH)
    assert response.status_code == 503
    assert "try again" in response.content.decode()
    assert Membership.objects.get(user=student).status == MembershipStatus.INCOMPLETE


# --- The portal -----------------------------------------------------------------------


def test_someone_without_a_membership_is_pointed_to_the_prices(client, student):
    client.force_login(student)
    html = client.get(reverse("memberships:portal")).content.decode()
    assert "You are not a member yet." in html
    assert f'href="{reverse("memberships:pricing")}"' in html


def test_the_portal_shows_plan_renewal_and_the_plans_to_change_to(client, plus, student):
    membership = MembershipFactory(user=student, price=plus.prices.get(interval=Interval.YEAR))
    pro = TierFactory(name="Pro")
    other = TierPriceFactory(tier=pro, interval=Interval.YEAR, amount=20_000)
    client.force_login(student)
    html = client.get(reverse("memberships:portal")).content.decode()
    assert "Plus" in html and "€\xa0100.00 per year" in html
    assert "Next renewal" in html and "Member since" in html
    assert reverse("memberships:change", args=[other.pk]) in html
    assert reverse("memberships:cancel") in html and reverse("memberships:pause") in html
    assert membership.status == MembershipStatus.ACTIVE


def test_a_pause_of_four_months_is_refused_with_400_and_nothing_changes(client, plus, student):
    MembershipFactory(user=student, price=plus.prices.get(interval=Interval.YEAR))
    client.force_login(student)
    with unchanged(*WRITES):
        response = client.post(reverse("memberships:pause"), {"months": "4"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_pause_of_two_months_starts_when_the_paid_period_ends(client, plus, student):
    membership = MembershipFactory(user=student, price=plus.prices.get(interval=Interval.YEAR))
    client.force_login(student)
    response = client.post(reverse("memberships:pause"), {"months": "2"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAUSED
    assert membership.pause_resumes_at.date() > membership.current_period_end.date()


def test_cancelling_shows_the_offer_once_and_a_second_acceptance_is_refused(client, plus, student):
    membership = MembershipFactory(user=student, price=plus.prices.get(interval=Interval.YEAR))
    client.force_login(student)
    with unchanged(*WRITES):
        offer = client.post(reverse("memberships:cancel"), {"reason": "too_expensive"})
    assert offer.status_code == 200
    html = offer.content.decode()
    assert "Stay a member and pay 50% less for the next 3 months." in html
    assert "Accept the offer" in html and "No thanks, cancel" in html
    assert client.post(reverse("memberships:retention_accept")).status_code == 302
    membership.refresh_from_db()
    assert membership.retention_offer_used_at is not None and not membership.cancel_at_period_end
    with unchanged(*WRITES):
        again = client.post(reverse("memberships:retention_accept"))
    assert again.status_code == 409
    assert "You used this offer already." in again.content.decode()
    # Offered once: the next cancellation goes through without it.
    response = client.post(reverse("memberships:cancel"), {"reason": "unused"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.cancel_at_period_end


def test_no_thanks_cancels_and_the_member_keeps_access_until_the_period_ends(client, plus, student):
    membership = MembershipFactory(user=student, price=plus.prices.get(interval=Interval.YEAR))
    client.force_login(student)
    response = client.post(
        reverse("memberships:cancel"),
        {"reason": "temporary", "comment": "Back next year", "offer_shown": "1"},
        follow=True,
    )
    membership.refresh_from_db()
    assert membership.cancel_at_period_end and membership.cancel_comment == "Back next year"
    assert membership.retention_offer_used_at is None
    html = response.content.decode()
    assert "You keep access until" in html and "Stay a member" in html
    assert client.post(reverse("memberships:keep")).status_code == 302
    membership.refresh_from_db()
    assert not membership.cancel_at_period_end


def test_cancelling_without_a_reason_is_refused_with_400(client, plus, student):
    MembershipFactory(user=student, price=plus.prices.get(interval=Interval.YEAR))
    client.force_login(student)
    with unchanged(*WRITES):
        response = client.post(reverse("memberships:cancel"), {"reason": ""})
    assert response.status_code == 400


@time_machine.travel(dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC), tick=False)
def test_an_upgrade_shows_the_amount_and_a_changed_amount_is_confirmed_again(client, plus, student):
    start = timezone.now() - dt.timedelta(days=73)
    MembershipFactory(
        user=student,
        price=plus.prices.get(interval=Interval.YEAR),
        started_at=start,
        current_period_end=start + dt.timedelta(days=365),
    )
    pro = TierFactory(name="Pro")
    to = TierPriceFactory(tier=pro, interval=Interval.YEAR, amount=20_000)
    url = reverse("memberships:change", args=[to.pk])
    client.force_login(student)
    html = client.get(url).content.decode()
    # €100 more a year, for the 292 of 365 days left: €80.00.
    assert "You pay €\xa080.00 now (prorated for the rest of this period)" in html
    assert "€\xa0200.00 per year" in html
    with unchanged(*WRITES):
        stale = client.post(url, {"expected_amount": "7000"})
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "The amount changed to 80.00 EUR since you looked; please confirm again." in page
    assert 'name="expected_amount" value="8000"' in page
    assert client.post(url, {"expected_amount": "8000"}).status_code == 302
    membership = Membership.objects.get(user=student)
    assert membership.tier == pro and membership.price == to
    assert membership.bills.get().amount == 8_000


def test_a_downgrade_says_from_when_the_new_amount_is_paid(client, plus, student):
    pro = TierFactory(name="Pro")
    MembershipFactory(user=student, price=TierPriceFactory(tier=pro, interval=Interval.YEAR))
    client.force_login(student)
    to = plus.prices.get(interval=Interval.YEAR)
    html = client.get(reverse("memberships:change", args=[to.pk])).content.decode()
    assert "you pay €\xa0100.00 per year. Until then nothing changes." in html


def test_rejoining_after_the_end_takes_the_last_tier_in_one_click(client, plus, student):
    MembershipFactory(
        user=student,
        price=plus.prices.get(interval=Interval.YEAR),
        status=MembershipStatus.ENDED,
        ended_at=timezone.now() - dt.timedelta(days=3),
        mrr=0,
    )
    client.force_login(student)
    html = client.get(reverse("memberships:portal")).content.decode()
    assert "Rejoin Plus" in html
    assert client.post(reverse("memberships:rejoin")).status_code == 302
    again = Membership.objects.exclude(status=MembershipStatus.ENDED).get(user=student)
    assert again.tier == plus and again.interval == Interval.YEAR


def test_updating_the_payment_method_opens_stripes_portal(
    client,
    plus,
    student,
    stripe_on,  # noqa: F811
):
    MembershipFactory(
        user=student,
        price=plus.prices.get(interval=Interval.MONTH),
        provider=MembershipProvider.STRIPE,
        stripe_subscription="sub_test_1",
    )
    client.force_login(student)
    assert "Update my payment method" in client.get(reverse("memberships:portal")).content.decode()
    response = client.post(reverse("memberships:payment_method"))
    assert response.status_code == 302 and response.url.startswith("http")


# --- Staff ----------------------------------------------------------------------------


def test_the_revenue_page_is_404_for_a_student_and_shown_to_staff(client, student, manager):
    client.force_login(student)
    for name in ("staff_revenue", "staff_revenue_csv", "staff_members"):
        assert client.get(reverse(f"memberships:{name}")).status_code == 404
    client.force_login(manager)
    response = client.get(reverse("memberships:staff_revenue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "MRR per month" in html and 'data-chart="line"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html


def test_the_revenue_page_counts_mrr_and_paying_members_from_the_ledger(client, plus, manager):
    for _ in range(2):
        MembershipChangeFactory(
            membership=MembershipFactory(price=plus.prices.get(interval=Interval.YEAR))
        )
    client.force_login(manager)
    html = client.get(reverse("memberships:staff_revenue")).content.decode()
    # Two yearly members at €100: €8.33 a month each.
    assert "<dt>MRR (EUR)</dt><dd>€\xa016.66</dd>" in html
    assert "<dt>Paying members</dt><dd>2</dd>" in html
    assert 'data-value="1666"' in html


def test_the_revenue_csv_has_a_header_row_and_24_months(client, manager):
    client.force_login(manager)
    response = client.get(reverse("memberships:staff_revenue_csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="membership-revenue-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Month" and "MRR (EUR)" in rows[0]
    assert len(rows) == 1 + 24
    # Months are the viewer's: the manager's zone, else the site's viewer default.
    zone = ZoneInfo(manager.timezone or settings.LMS_DEFAULT_VIEWER_TIMEZONE)
    assert rows[-1][0] == timezone.localdate(timezone=zone).strftime("%Y-%m")


def test_staff_filter_members_and_move_a_retired_price_to_the_current_one(client, plus, manager):
    old = plus.prices.get(interval=Interval.YEAR)
    members = [MembershipFactory(price=old) for _ in range(2)]
    old.active = False
    old.save()
    new = TierPriceFactory(tier=plus, interval=Interval.YEAR, amount=12_000)
    client.force_login(manager)
    listing = client.get(reverse("memberships:staff_members") + "?status=active&q=user")
    html = listing.content.decode()
    assert all(m.user.email in html for m in members)
    move_url = reverse("memberships:staff_price_move", args=[old.pk])
    assert move_url in html
    confirm = client.get(move_url).content.decode()
    assert "pays the new amount from their next renewal" in confirm and "Move 2 members" in confirm
    assert client.post(move_url).status_code == 302
    assert all(Membership.objects.get(pk=m.pk).scheduled_price_id == new.pk for m in members)


# --- Query counts ---------------------------------------------------------------------


def _tiers(n: int) -> None:
    course = course_page(modules=1, lessons=1)
    for _ in range(n):
        tier = TierFactory()
        tier.library_courses.add(course)
        TierPriceFactory(tier=tier, interval=Interval.MONTH, amount=1_000)
        TierPriceFactory(tier=tier, interval=Interval.YEAR, amount=10_000)


def test_the_pricing_page_costs_the_same_queries_for_3_or_30_tiers(
    client, student, django_assert_max_num_queries
):
    client.force_login(student)
    url = reverse("memberships:pricing")
    _tiers(3)
    few = _queries(client, url)
    _tiers(27)
    with django_assert_max_num_queries(8):
        many = _queries(client, url)
    assert few == many


def test_the_portal_costs_the_same_queries_for_3_or_30_invoices(
    client, plus, student, django_assert_max_num_queries
):
    from payments.services import invoice_issue

    membership = MembershipFactory(user=student, price=plus.prices.get(interval=Interval.YEAR))
    for _ in range(3):
        TierPriceFactory(tier=TierFactory(), interval=Interval.YEAR)

    def bills(n: int) -> None:
        for i in range(n):
            invoice = invoice_issue(
                user=student,
                amount=10_000,
                currency="EUR",
                description="Plus membership",
                due_on=timezone.localdate(),
            )
            MembershipBill.objects.create(
                membership=membership,
                reference=f"invoice-{invoice.pk}",
                number=invoice.number,
                status=BillStatus.OPEN if i % 2 else BillStatus.PAID,
                amount=10_000,
                currency="EUR",
                invoice=invoice,
            )

    client.force_login(student)
    url = reverse("memberships:portal")
    bills(3)
    few = _queries(client, url)
    bills(27)
    with django_assert_max_num_queries(7):
        many = _queries(client, url)
    assert few == many


def test_the_revenue_page_costs_the_same_queries_for_3_or_30_members(
    client, plus, manager, django_assert_max_num_queries
):
    price = plus.prices.get(interval=Interval.YEAR)

    def members(n: int) -> None:
        for i in range(n):
            membership = MembershipFactory(
                price=price, started_at=timezone.now() - dt.timedelta(days=30 * (i % 20) + 1)
            )
            MembershipChangeFactory(membership=membership)

    client.force_login(manager)
    url = reverse("memberships:staff_revenue")
    members(3)
    few = _queries(client, url)
    members(27)
    with django_assert_max_num_queries(10):
        many = _queries(client, url)
    assert few == many


def test_a_code_for_memberships_on_the_join_page_comes_off_the_first_invoice(client, plus, student):
    from payments.models import Coupon

    Coupon.objects.create(code="WELCOME", percent_off=10, applies_to="memberships")
    client.force_login(student)
    page = client.get(reverse("memberships:join") + "?tier=plus&interval=year")
    assert 'name="coupon"' in page.content.decode()
    response = client.post(
        reverse("memberships:join"), {"tier": "plus", "interval": "year", "coupon": "welcome"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=student)
    assert membership.coupon.code == "WELCOME"
    assert membership.bills.get().amount == membership.amount - membership.amount // 10


def test_a_seat_code_on_the_join_page_is_refused_at_its_field_and_nothing_is_written(
    client, plus, student
):
    from payments.models import Coupon

    Coupon.objects.create(code="SEATS", percent_off=10)
    client.force_login(student)
    response = client.post(
        reverse("memberships:join"), {"tier": "plus", "interval": "year", "coupon": "SEATS"}
    )
    assert response.status_code == 400
    assert "is for seats in a cohort, not for a membership" in response.content.decode()
    assert not Membership.objects.filter(user=student).exists()
