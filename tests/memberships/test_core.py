"""Memberships without Stripe: the free tier, the manual invoice provider (yearly and
lifetime), trials without a card, pauses and cancellations at the end of the period,
access to the tier's library courses through their self-paced cohorts, the ledger
and the revenue it adds up to."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import Conflict, ValidationFailed
from memberships import selectors, services
from memberships.models import (
    BillStatus,
    ChangeKind,
    Membership,
    MembershipChange,
    MembershipStatus,
    Tier,
)
from payments.services import invoice_mark_paid
from tests.factories import UserFactory, course_page, staff_user
from tests.memberships.conftest import make_tier

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def no_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""


def pay(membership: Membership, now: dt.datetime):
    bill = membership.bills.filter(status=BillStatus.OPEN).latest("pk")
    invoice_mark_paid(invoice=bill.invoice, by=staff_user(), now=now)
    return Membership.objects.get(pk=membership.pk)


def library_access(user, course) -> str | None:
    enrolment = Enrolment.objects.filter(user=user, cohort__course=course).first()
    return enrolment.status if enrolment else None


def test_a_free_tier_starts_at_once_and_adds_nothing_to_mrr():
    tier = make_tier("Free", 0, prices=())
    user = UserFactory()

    membership = services.membership_join(user=user, tier=tier, now=NOW)

    assert membership.status == MembershipStatus.ACTIVE
    assert membership.mrr == 0
    assert list(MembershipChange.objects.values_list("kind", "mrr_delta")) == [
        (ChangeKind.JOINED, 0)
    ]


def test_monthly_without_online_payment_is_refused_and_nothing_is_written():
    tier = make_tier()
    with pytest.raises(ValidationFailed) as refused:
        services.membership_join(user=UserFactory(), tier=tier, interval="month", now=NOW)
    assert refused.value.code == "needs_online_payment"
    assert not Membership.objects.exists()


def test_yearly_by_invoice_starts_when_paid_and_gives_the_library():
    course = course_page()
    tier = make_tier()
    tier.library_courses.add(course)
    user = UserFactory()

    membership = services.membership_join(user=user, tier=tier, interval="year", now=NOW)
    assert membership.status == MembershipStatus.INCOMPLETE
    assert library_access(user, course) is None
    assert membership.bills.get().invoice.amount == 30000

    membership = pay(membership, NOW + dt.timedelta(days=2))

    assert membership.status == MembershipStatus.ACTIVE
    assert membership.current_period_end == NOW + dt.timedelta(days=2) + relativedelta(years=1)
    assert membership.mrr == 2500
    assert library_access(user, course) == EnrolmentStatus.ACTIVE


def test_paying_the_same_invoice_twice_changes_nothing_the_second_time():
    tier = make_tier()
    membership = services.membership_join(user=UserFactory(), tier=tier, interval="year", now=NOW)
    bill = membership.bills.get()
    staff = staff_user()
    invoice_mark_paid(invoice=bill.invoice, by=staff, now=NOW)
    invoice_mark_paid(invoice=bill.invoice, by=staff, now=NOW + dt.timedelta(hours=1))

    assert MembershipChange.objects.filter(kind=ChangeKind.JOINED).count() == 1
    assert Membership.objects.get().current_period_end == NOW + relativedelta(years=1)


def test_a_closed_tier_and_a_second_membership_are_refused():
    tier = make_tier(open_for_signup=False)
    user = UserFactory()
    with pytest.raises(Conflict) as closed:
        services.membership_join(user=user, tier=tier, interval="year", now=NOW)
    assert closed.value.code == "tier_closed"

    free = make_tier("Free", 0, prices=())
    services.membership_join(user=user, tier=free, now=NOW)
    other = make_tier("Premium", 2)
    with pytest.raises(Conflict) as again:
        services.membership_join(user=user, tier=other, interval="year", now=NOW)
    assert again.value.code == "already_member"
    assert Membership.objects.filter(user=user).count() == 1


def test_cancel_keeps_access_to_the_period_end_then_ends_voluntarily():
    course = course_page()
    tier = make_tier()
    tier.library_courses.add(course)
    user = UserFactory()
    membership = pay(services.membership_join(user=user, tier=tier, interval="year", now=NOW), NOW)

    services.membership_cancel(membership=membership, reason="too_expensive", comment="", now=NOW)
    services.manual_memberships_run(now=NOW + relativedelta(months=6))
    assert library_access(user, course) == EnrolmentStatus.ACTIVE

    services.manual_memberships_run(now=NOW + relativedelta(years=1, days=1))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED
    assert membership.end_reason == "voluntary"
    assert library_access(user, course) == EnrolmentStatus.SUSPENDED
    assert membership.mrr == 0


def test_a_renewal_is_invoiced_ahead_and_an_unpaid_one_leads_to_suspension_then_payment_restores():
    course = course_page()
    tier = make_tier()
    tier.library_courses.add(course)
    user = UserFactory()
    membership = pay(services.membership_join(user=user, tier=tier, interval="year", now=NOW), NOW)
    end = membership.current_period_end

    services.manual_memberships_run(now=end - dt.timedelta(days=10))
    assert membership.bills.filter(status=BillStatus.OPEN).count() == 1
    services.manual_memberships_run(now=end - dt.timedelta(days=9))  # not twice
    assert membership.bills.filter(status=BillStatus.OPEN).count() == 1

    services.manual_memberships_run(now=end + dt.timedelta(hours=1))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    assert library_access(user, course) == EnrolmentStatus.ACTIVE  # the grace period

    from payments.dunning import dunning_sweep

    dunning_sweep(now=end + dt.timedelta(days=30))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SUSPENDED
    assert library_access(user, course) == EnrolmentStatus.SUSPENDED

    membership = pay(membership, end + dt.timedelta(days=31))
    assert membership.status == MembershipStatus.ACTIVE
    assert library_access(user, course) == EnrolmentStatus.ACTIVE


def test_a_membership_suspended_a_month_past_its_period_ends_unpaid_and_keeps_the_invoice():
    course = course_page()
    tier = make_tier()
    tier.library_courses.add(course)
    user = UserFactory()
    membership = pay(services.membership_join(user=user, tier=tier, interval="year", now=NOW), NOW)
    end = membership.current_period_end
    services.manual_memberships_run(now=end - dt.timedelta(days=10))
    services.manual_memberships_run(now=end + dt.timedelta(hours=1))
    from payments.dunning import dunning_sweep

    dunning_sweep(now=end + dt.timedelta(days=20))
    services.manual_memberships_run(now=end + dt.timedelta(days=29))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.SUSPENDED

    services.manual_memberships_run(now=end + dt.timedelta(days=30))
    membership.refresh_from_db()
    assert (membership.status, membership.end_reason) == (MembershipStatus.ENDED, "failed_payment")
    assert membership.mrr == 0
    assert library_access(user, course) == EnrolmentStatus.SUSPENDED
    assert membership.bills.filter(status=BillStatus.OPEN).count() == 1  # staff decide
    services.manual_memberships_run(now=end + dt.timedelta(days=31))  # nothing twice
    assert membership.changes.filter(kind="ended").count() == 1


def test_a_pause_is_limited_and_keeps_access_until_the_paid_period_ends():
    course = course_page()
    tier = make_tier()
    tier.library_courses.add(course)
    user = UserFactory()
    membership = pay(services.membership_join(user=user, tier=tier, interval="year", now=NOW), NOW)

    with pytest.raises(ValidationFailed):
        services.membership_pause(membership=membership, months=4, now=NOW)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE

    services.membership_pause(membership=membership, months=2, now=NOW)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAUSED
    assert membership.pause_resumes_at == NOW + relativedelta(years=1, months=2)
    services.access_sweep(now=NOW + relativedelta(months=11))
    assert library_access(user, course) == EnrolmentStatus.ACTIVE

    services.access_sweep(now=NOW + relativedelta(years=1, days=1))
    assert library_access(user, course) == EnrolmentStatus.SUSPENDED

    services.manual_memberships_run(now=NOW + relativedelta(years=1, months=2, days=1))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert library_access(user, course) == EnrolmentStatus.ACTIVE
    assert membership.bills.filter(status=BillStatus.OPEN).exists()


def test_the_retention_offer_is_used_once():
    tier = make_tier(retention_percent_off=50, retention_months=3)
    membership = pay(
        services.membership_join(user=UserFactory(), tier=tier, interval="year", now=NOW), NOW
    )
    services.membership_retention_accept(membership=membership, now=NOW)
    with pytest.raises(Conflict) as again:
        services.membership_retention_accept(
            membership=Membership.objects.get(pk=membership.pk), now=NOW
        )
    assert again.value.code == "offer_used"


def test_upgrading_a_paused_or_ending_membership_is_refused():
    basic, premium = make_tier(), make_tier("Premium", 2, prices=(("year", 60000),))
    membership = pay(
        services.membership_join(user=UserFactory(), tier=basic, interval="year", now=NOW), NOW
    )
    services.membership_pause(membership=membership, months=1, now=NOW)
    target = premium.prices.get()
    with pytest.raises(Conflict) as paused:
        services.membership_change_preview(
            membership=Membership.objects.get(pk=membership.pk), to_price=target, now=NOW
        )
    assert paused.value.code == "membership_not_changeable"


def test_downgrading_to_the_same_plan_is_refused():
    tier = make_tier()
    membership = pay(
        services.membership_join(user=UserFactory(), tier=tier, interval="year", now=NOW), NOW
    )
    with pytest.raises(Conflict) as same:
        services.membership_change_preview(
            membership=membership, to_price=membership.price, now=NOW
        )
    assert same.value.code == "same_plan"


def test_an_upgrade_by_invoice_is_prorated_and_the_tier_changes_at_once():
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("year", 60000),))
    course = course_page()
    premium.library_courses.add(course)
    user = UserFactory()
    membership = pay(services.membership_join(user=user, tier=basic, interval="year", now=NOW), NOW)
    halfway = NOW + (membership.current_period_end - NOW) / 2

    preview = services.membership_change_preview(
        membership=membership, to_price=premium.prices.get(), now=halfway
    )
    assert preview.at_once and preview.amount_now == 15000  # half of the 30,000 difference

    services.membership_change(
        membership=membership, to_price=premium.prices.get(), expected_amount=15000, now=halfway
    )
    membership.refresh_from_db()
    assert membership.tier == premium and membership.mrr == 5000
    assert library_access(user, course) == EnrolmentStatus.ACTIVE
    assert MembershipChange.objects.filter(kind=ChangeKind.UPGRADED, mrr_delta=2500).exists()


def test_a_confirmed_amount_that_no_longer_holds_changes_nothing():
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("year", 60000),))
    membership = pay(
        services.membership_join(user=UserFactory(), tier=basic, interval="year", now=NOW), NOW
    )
    with pytest.raises(Conflict) as moved:
        services.membership_change(
            membership=membership, to_price=premium.prices.get(), expected_amount=1, now=NOW
        )
    assert moved.value.code == "amount_changed"
    membership.refresh_from_db()
    assert membership.tier == basic


def test_revenue_is_the_sum_of_the_ledger():
    tier = make_tier()
    for _ in range(3):
        pay(services.membership_join(user=UserFactory(), tier=tier, interval="year", now=NOW), NOW)
    ending = Membership.objects.first()
    services.membership_cancel(membership=ending, reason="unused", now=NOW)
    services.manual_memberships_run(now=NOW + relativedelta(years=1, days=1))

    revenue = selectors.revenue_get(months=24, now=NOW + relativedelta(years=1, days=2))

    by_month = {m.month: m for m in revenue.months}
    march = by_month[dt.date(2026, 3, 1)]
    assert march.mrr == {"EUR": 7500} and march.paying == 3 and march.new == 3
    assert revenue.mrr_now == {"EUR": 5000} and revenue.paying_now == 2
    assert by_month[dt.date(2027, 3, 1)].churn_voluntary == 1


def test_included_seats_are_counted_per_membership_year():
    tier = make_tier(included_seats_per_year=1, seat_discount_percent=20)
    user = UserFactory()
    membership = pay(services.membership_join(user=user, tier=tier, interval="year", now=NOW), NOW)
    offer = services.seat_benefit_offer(user=user, cohort=None, now=NOW)
    assert offer.percent_off == 100

    class Seat:
        pk = 41

    services.seat_benefit_claim(benefit=offer, enrolment=Seat, now=NOW)
    after = services.seat_benefit_offer(user=user, cohort=None, now=NOW)
    assert after.percent_off == 20
    with pytest.raises(Conflict):
        services.seat_benefit_claim(benefit=offer, enrolment=Seat, now=NOW)

    next_year = NOW + relativedelta(years=1, days=1)
    membership.refresh_from_db()
    assert services.seat_benefit_offer(user=user, cohort=None, now=next_year).percent_off == 100

    services.seat_benefit_release(key=offer.key, enrolment_id=41, now=NOW)
    assert services.seat_benefit_offer(user=user, cohort=None, now=NOW).percent_off == 100


def test_an_anniversary_is_celebrated_once():
    tier = make_tier("Free", 0, prices=())
    membership = services.membership_join(user=UserFactory(), tier=tier, now=NOW)
    assert services.anniversaries_celebrate(now=NOW + relativedelta(months=11)) == 0
    assert services.anniversaries_celebrate(now=NOW + relativedelta(years=1, days=1)) == 1
    assert services.anniversaries_celebrate(now=NOW + relativedelta(years=1, days=2)) == 0
    membership.refresh_from_db()
    assert membership.anniversaries_celebrated == 1


def test_a_manual_trial_that_is_not_paid_ends_and_takes_the_library_back():
    course = course_page()
    tier = make_tier(trial_days=14, trial_requires_card=False)
    tier.library_courses.add(course)
    user = UserFactory()
    membership = services.membership_join(user=user, tier=tier, interval="year", now=NOW)
    assert membership.status == MembershipStatus.TRIALING
    assert library_access(user, course) == EnrolmentStatus.ACTIVE

    services.manual_memberships_run(now=NOW + dt.timedelta(days=5))  # the first invoice
    assert membership.bills.count() == 1
    services.manual_memberships_run(now=NOW + dt.timedelta(days=15))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED and membership.end_reason == "trial_expired"
    assert library_access(user, course) == EnrolmentStatus.SUSPENDED


def test_a_code_for_memberships_takes_its_discount_off_the_first_invoice():
    from payments.models import Coupon

    Coupon.objects.create(code="JOIN20", percent_off=20, applies_to="memberships")
    membership = services.membership_join(
        user=UserFactory(), tier=make_tier(), interval="year", coupon_code="join20", now=NOW
    )
    assert membership.bills.get().amount == 24000
    assert membership.coupon.code == "JOIN20"


def test_a_code_for_seats_only_is_refused_at_sign_up_and_nothing_is_written():
    from payments.models import Coupon

    Coupon.objects.create(code="SEATS10", percent_off=10)
    with pytest.raises(ValidationFailed) as refused:
        services.membership_join(
            user=UserFactory(), tier=make_tier(), interval="year", coupon_code="SEATS10", now=NOW
        )
    assert refused.value.code == "coupon_not_for_memberships"
    assert not Membership.objects.exists()


def test_a_code_covering_the_whole_first_year_starts_it_at_once():
    from payments.models import Coupon

    Coupon.objects.create(code="GIFT", percent_off=100, applies_to="both", max_uses=1)
    membership = services.membership_join(
        user=UserFactory(), tier=make_tier(), interval="year", coupon_code="GIFT", now=NOW
    )
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.current_period_end == NOW + relativedelta(years=1)
    assert not membership.bills.exists()
    with pytest.raises(ValidationFailed) as used:
        services.membership_join(
            user=UserFactory(),
            tier=Tier.objects.get(),
            interval="year",
            coupon_code="GIFT",
            now=NOW,
        )
    assert used.value.code.startswith("coupon_")


def test_a_members_lesson_page_costs_the_queries_of_a_cohort_students(client):
    """Access through a membership is an enrolment in the library cohort: the access
    check asks no more of the database than it does for a cohort's student."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cms.models import LessonPage
    from cohorts.models import Cohort
    from tests.factories import CohortFactory, EnrolmentFactory

    def lesson_queries(user, cohort, lesson) -> int:
        client.force_login(user)
        url = f"/learn/{cohort.pk}/lessons/{lesson.pk}/"
        client.get(url)  # the first visit may start a member's calendar
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    library_course, cohort_course = course_page(), course_page()
    tier = make_tier("Free", 0, prices=())
    tier.library_courses.add(library_course)
    member = UserFactory()
    services.membership_join(user=member, tier=tier)
    library_cohort = Cohort.objects.get(course=library_course)
    running = CohortFactory(course=cohort_course)
    student = EnrolmentFactory(cohort=running).user
    first = LessonPage.objects.descendant_of(library_course).order_by("path").first()
    other = LessonPage.objects.descendant_of(cohort_course).order_by("path").first()

    member_cost = lesson_queries(member, library_cohort, first)
    # No more (one fewer: a library cohort has no unlock overrides to read).
    assert member_cost <= lesson_queries(student, running, other)


def test_a_paused_membership_that_is_cancelled_ends_when_its_paid_period_does():
    membership = pay(
        services.membership_join(user=UserFactory(), tier=make_tier(), interval="year", now=NOW),
        NOW,
    )
    services.membership_pause(membership=membership, months=3, now=NOW)
    services.membership_cancel(
        membership=Membership.objects.get(pk=membership.pk), reason="temporary", now=NOW
    )
    services.manual_memberships_run(now=NOW + relativedelta(years=1, days=1))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED and membership.end_reason == "voluntary"
    assert not membership.bills.filter(status=BillStatus.OPEN).exists()


def test_a_member_is_told_a_week_before_their_pause_ends_once(
    django_capture_on_commit_callbacks,
):
    membership = pay(
        services.membership_join(user=UserFactory(), tier=make_tier(), interval="year", now=NOW),
        NOW,
    )
    services.membership_pause(membership=membership, months=1, now=NOW)
    resumes = Membership.objects.get(pk=membership.pk).pause_resumes_at
    assert services.pause_endings_announce(now=resumes - dt.timedelta(days=10)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.pause_endings_announce(now=resumes - dt.timedelta(days=6)) == 1
    assert services.pause_endings_announce(now=resumes - dt.timedelta(days=5)) == 0
    from notifications.models import Notification

    notice = Notification.objects.get(key__contains="pause_ending")
    assert notice.params["event"] == "pause_ending"
