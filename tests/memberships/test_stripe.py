"""Stripe memberships against the local Stripe server through the real SDK: Checkout in
subscription mode, trials, renewals that fail and recover, upgrades prorated as
previewed, downgrades at the period's end, pauses, cancellations, the retention offer;
webhooks delivered twice or out of order; the reconciliation repairing what a missed
webhook left behind."""

from __future__ import annotations

import copy

import pytest
from django.core import mail

from cohorts.models import Enrolment, EnrolmentStatus
from memberships import services
from memberships.models import (
    BillStatus,
    ChangeKind,
    Membership,
    MembershipChange,
    MembershipStatus,
    ReconciliationRun,
)
from tests.factories import UserFactory, course_page
from tests.memberships.conftest import deliver, make_tier, post_event

pytestmark = pytest.mark.django_db


def join(client, fake, tier, interval="month", *, user=None, card=True) -> Membership:
    user = user or UserFactory()
    membership = services.membership_join(user=user, tier=tier, interval=interval)
    services.membership_checkout_start(
        membership=membership,
        success_url="https://lms.example/memberships/me/",
        cancel_url="https://lms.example/memberships/",
        locale="en",
    )
    membership.refresh_from_db()
    session = fake.complete_checkout(membership.checkout_session, paid=card)
    if not card:
        fake.set_card(session["customer"], None)
    deliver(client, fake)
    membership.refresh_from_db()
    return membership


def library(user, course) -> str | None:
    enrolment = Enrolment.objects.filter(user=user, cohort__course=course).first()
    return enrolment.status if enrolment else None


def kinds(membership) -> list[str]:
    return list(membership.changes.order_by("pk").values_list("kind", flat=True))


def test_joining_monthly_through_checkout_starts_the_membership_and_the_library(client, stripe_on):
    course = course_page()
    tier = make_tier()
    tier.library_courses.add(course)

    membership = join(client, stripe_on, tier)

    assert membership.status == MembershipStatus.ACTIVE
    assert membership.stripe_subscription
    assert membership.current_period_end > membership.current_period_start
    assert membership.mrr == 3000
    assert kinds(membership) == [ChangeKind.JOINED]
    assert library(membership.user, course) == EnrolmentStatus.ACTIVE
    assert membership.bills.filter(status=BillStatus.PAID, amount=3000).exists()


def test_every_event_delivered_twice_changes_nothing_the_second_time(client, stripe_on):
    tier = make_tier()
    user = UserFactory()
    membership = services.membership_join(user=user, tier=tier, interval="month")
    services.membership_checkout_start(
        membership=membership,
        success_url="https://x.example/",
        cancel_url="https://x.example/",
        locale="en",
    )
    membership.refresh_from_db()
    stripe_on.complete_checkout(membership.checkout_session)
    events = stripe_on.drain_events()
    for event in events + events:
        assert post_event(client, event).status_code == 200
    membership.refresh_from_db()
    assert kinds(membership) == [ChangeKind.JOINED]
    assert membership.bills.count() == 1


def test_a_trial_without_a_card_ends_with_the_library_taken_back(client, stripe_on):
    course = course_page()
    tier = make_tier(trial_days=14, trial_requires_card=False)
    tier.library_courses.add(course)
    membership = join(client, stripe_on, tier, card=False)
    assert membership.status == MembershipStatus.TRIALING
    assert membership.mrr == 0
    assert library(membership.user, course) == EnrolmentStatus.ACTIVE

    stripe_on.advance(membership.stripe_subscription)
    deliver(client, stripe_on)

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED
    assert membership.end_reason == "trial_expired"
    assert library(membership.user, course) == EnrolmentStatus.SUSPENDED


def test_a_trial_with_a_card_converts_to_paid(client, stripe_on):
    tier = make_tier(trial_days=7)
    membership = join(client, stripe_on, tier)
    assert membership.status == MembershipStatus.TRIALING

    stripe_on.advance(membership.stripe_subscription)
    deliver(client, stripe_on)

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert kinds(membership) == [ChangeKind.TRIAL_STARTED, ChangeKind.CONVERTED]
    assert membership.mrr == 3000


def test_a_failed_renewal_starts_the_grace_period_and_the_retry_restores_it(client, stripe_on):
    tier = make_tier()
    membership = join(client, stripe_on, tier)
    customer = stripe_on.get(membership.stripe_subscription)["customer"]
    stripe_on.set_card(customer, False)
    mail.outbox.clear()

    stripe_on.advance(membership.stripe_subscription)
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    assert membership.failing_since is not None
    assert membership.bills.filter(status=BillStatus.FAILED).exists()

    stripe_on.set_card(customer, True)
    failed = membership.bills.get(status=BillStatus.FAILED)
    stripe_on.retry(failed.reference)
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.failing_since is None
    assert ChangeKind.RECOVERED in kinds(membership)


def test_an_upgrade_charges_exactly_the_previewed_amount_and_changes_the_tier_at_once(
    client, stripe_on
):
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("month", 6000), ("year", 60000)))
    course = course_page()
    premium.library_courses.add(course)
    membership = join(client, stripe_on, basic)
    stripe_on.advance(
        membership.stripe_subscription,
        to=stripe_on.clock(membership.stripe_subscription) + 15 * 86400,
    )
    deliver(client, stripe_on)
    target = premium.prices.get(interval="month")
    now = _clock_now(stripe_on, membership)

    preview = services.membership_change_preview(membership=membership, to_price=target, now=now)
    assert preview.at_once and 0 < preview.amount_now < 6000

    services.membership_change(
        membership=membership, to_price=target, expected_amount=preview.amount_now, now=now
    )
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.tier == premium and membership.mrr == 6000
    assert library(membership.user, course) == EnrolmentStatus.ACTIVE
    latest = stripe_on.get(stripe_on.get(membership.stripe_subscription)["latest_invoice"])
    assert latest["amount_paid"] == preview.amount_now
    assert kinds(membership).count(ChangeKind.UPGRADED) == 1


def _clock_now(fake, membership):
    import datetime as dt

    return dt.datetime.fromtimestamp(fake.clock(membership.stripe_subscription), tz=dt.UTC)


def test_a_downgrade_waits_for_the_end_of_the_paid_period(client, stripe_on):
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("month", 6000),))
    membership = join(client, stripe_on, premium)
    target = basic.prices.get(interval="month")
    now = _clock_now(stripe_on, membership)

    preview = services.membership_change_preview(membership=membership, to_price=target, now=now)
    assert not preview.at_once and preview.amount_now == 0
    services.membership_change(membership=membership, to_price=target, expected_amount=0, now=now)
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.tier == premium and membership.scheduled_price == target

    stripe_on.advance(membership.stripe_subscription)
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.tier == basic and membership.scheduled_price is None
    assert membership.mrr == 3000
    assert ChangeKind.DOWNGRADED in kinds(membership)


def test_cancelling_keeps_the_period_then_ends_voluntarily(client, stripe_on):
    tier = make_tier()
    membership = join(client, stripe_on, tier)
    services.membership_cancel(membership=membership, reason="unused", comment="Busy year")
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.cancel_at_period_end
    sub = stripe_on.get(membership.stripe_subscription)
    assert sub["cancellation_details"]["feedback"] == "unused"

    stripe_on.advance(membership.stripe_subscription)
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED and membership.end_reason == "voluntary"
    assert membership.mrr == 0

    again = services.membership_rejoin(user=membership.user)
    assert again.tier == tier and again.interval == "month"


def test_staying_after_all_withdraws_the_cancellation(client, stripe_on):
    membership = join(client, stripe_on, make_tier())
    services.membership_cancel(membership=membership, reason="other")
    services.membership_keep(membership=Membership.objects.get(pk=membership.pk))
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert not membership.cancel_at_period_end
    assert not stripe_on.get(membership.stripe_subscription)["cancel_at_period_end"]
    assert kinds(membership)[-2:] == [ChangeKind.CANCEL_REQUESTED, ChangeKind.CANCEL_WITHDRAWN]


def test_a_pause_stops_collection_and_resumes_by_itself(client, stripe_on):
    membership = join(client, stripe_on, make_tier())
    services.membership_pause(membership=membership, months=1)
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAUSED and membership.mrr == 0
    assert stripe_on.get(membership.stripe_subscription)["pause_collection"]["behavior"] == "void"

    stripe_on.advance(
        membership.stripe_subscription, to=int(membership.pause_resumes_at.timestamp()) + 60
    )
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert kinds(membership)[-1] == ChangeKind.RESUMED


def test_the_retention_offer_puts_the_discount_on_the_subscription_once(client, stripe_on):
    membership = join(client, stripe_on, make_tier(retention_percent_off=50, retention_months=3))
    services.membership_retention_accept(membership=membership)
    sub = stripe_on.get(membership.stripe_subscription)
    assert sub["discounts"]
    with pytest.raises(Exception) as again:
        services.membership_retention_accept(membership=Membership.objects.get(pk=membership.pk))
    assert getattr(again.value, "code", "") == "offer_used"


def test_an_old_snapshot_delivered_late_does_not_undo_an_upgrade(client, stripe_on):
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("month", 6000),))
    membership = join(client, stripe_on, basic)
    old = copy.deepcopy(
        stripe_on.event(
            "customer.subscription.updated", stripe_on.get(membership.stripe_subscription)
        )
    )
    target = premium.prices.get()
    now = _clock_now(stripe_on, membership)
    preview = services.membership_change_preview(membership=membership, to_price=target, now=now)
    services.membership_change(
        membership=membership, to_price=target, expected_amount=preview.amount_now, now=now
    )
    deliver(client, stripe_on)

    assert post_event(client, old).status_code == 200
    membership.refresh_from_db()
    assert membership.tier == premium


def test_a_payment_in_another_currency_is_flagged_not_recorded(client, stripe_on):
    membership = join(client, stripe_on, make_tier())
    invoice = copy.deepcopy(
        stripe_on.get(stripe_on.get(membership.stripe_subscription)["latest_invoice"])
    )
    invoice["id"] = "in_foreign"
    invoice["currency"] = "usd"
    response = post_event(client, stripe_on.event("invoice.paid", invoice))
    assert response.status_code == 200
    membership.refresh_from_db()
    assert "USD" in membership.problem
    assert membership.bills.get(reference="in_foreign").status == BillStatus.OPEN


def test_the_reconciliation_repairs_a_missed_webhook_and_changes_nothing_twice(client, stripe_on):
    tier = make_tier()
    membership = join(client, stripe_on, tier)
    stripe_on.client().v1.subscriptions.cancel(membership.stripe_subscription)
    stripe_on.drain_events()  # the webhook never arrives

    run = services.memberships_reconcile()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED
    assert run.memberships_changed == 1 and run.repairs[0]["membership"] == membership.pk
    assert run.requests == 1

    second = services.memberships_reconcile()
    assert second.memberships_changed == 0
    assert ReconciliationRun.objects.count() == 2
    assert MembershipChange.objects.filter(kind=ChangeKind.ENDED).count() == 1


def test_the_reconciliation_finds_a_membership_whose_checkout_webhook_was_lost(client, stripe_on):
    tier = make_tier()
    membership = services.membership_join(user=UserFactory(), tier=tier, interval="year")
    services.membership_checkout_start(
        membership=membership,
        success_url="https://x.example/",
        cancel_url="https://x.example/",
        locale="en",
    )
    membership.refresh_from_db()
    stripe_on.complete_checkout(membership.checkout_session)
    stripe_on.drain_events()

    services.memberships_reconcile()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.stripe_subscription
    assert membership.mrr == 2500


def test_a_sign_up_code_is_taken_off_the_first_stripe_invoice(client, stripe_on):
    from payments.models import Coupon

    Coupon.objects.create(code="HALF", percent_off=50, applies_to="memberships")
    membership = services.membership_join(
        user=UserFactory(), tier=make_tier(), interval="month", coupon_code="HALF"
    )
    services.membership_checkout_start(
        membership=membership,
        success_url="https://x.example/",
        cancel_url="https://x.example/",
        locale="en",
    )
    membership.refresh_from_db()
    stripe_on.complete_checkout(membership.checkout_session)
    deliver(client, stripe_on)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.bills.get().amount == 1500
    assert membership.mrr == 3000  # the recurring price; the code was for the first month
