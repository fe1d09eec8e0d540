"""Races in memberships, on PostgreSQL with real concurrent connections: a change of a
membership is applied once however often and in whatever order Stripe tells of it, the
newest view of Stripe wins, an included seat, a retention offer and a paid invoice are
used once, and the ledger always adds up to what the members pay."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import Conflict, DomainError
from memberships import services
from memberships.models import (
    BillStatus,
    ChangeKind,
    Membership,
    MembershipChange,
    MembershipStatus,
    SeatUse,
)
from memberships.services import ledger
from notifications.models import Kind, Notification
from payments import webhooks
from payments.dunning import arrears_get
from payments.models import CohortPrice, Invoice, Order, WebhookEvent
from payments.services import invoice_mark_paid, paid_enrolment_start
from tests.concurrency import race
from tests.factories import CohortFactory, UserFactory, staff_user
from tests.memberships.conftest import make_tier
from tests.memberships.factories import MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""


def _receive(event: dict) -> str:
    # What the webhook view hands over: the verified event as plain JSON.
    return webhooks.stripe_event_receive(event=json.loads(json.dumps(event, default=str)))


def _checkout(fake, tier, *, interval: str = "month") -> tuple[Membership, list[dict]]:
    """A member who paid in Stripe Checkout, and the events Stripe logged about it, not
    delivered yet."""
    membership = services.membership_join(user=UserFactory(), tier=tier, interval=interval)
    services.membership_checkout_start(
        membership=membership,
        success_url="https://lms.example/memberships/me/",
        cancel_url="https://lms.example/memberships/",
        locale="en",
    )
    membership.refresh_from_db()
    fake.complete_checkout(membership.checkout_session)
    return membership, fake.drain_events()


def _joined(fake, tier) -> Membership:
    membership, events = _checkout(fake, tier)
    for event in events:
        assert _receive(event) != "duplicate"
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    return membership


def _kinds(membership: Membership) -> list[str]:
    return list(membership.changes.order_by("pk").values_list("kind", flat=True))


def _ledger_mrr(membership: Membership) -> int:
    return membership.changes.aggregate(total=Sum("mrr_delta"))["total"] or 0


def _notices(membership: Membership, event: str) -> int:
    return Notification.objects.filter(
        key__startswith=f"membership:{membership.pk}:{event}:"
    ).count()


def waiting_on_a_lock() -> bool:
    """Another connection of this test database waits for a row lock."""
    with connection.cursor() as cursor:
        # Inside a transaction pg_stat_activity is read once, then kept: read it anew.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def in_commit_order(first, second) -> list:
    """Run ``first`` and ``second`` at once, each in a transaction of its own that starts
    by locking the membership: ``first`` takes the lock and commits only once ``second``
    waits for it, so the commit order is known while both really ran concurrently."""
    locked = threading.Event()

    def run_first():
        with transaction.atomic():
            result = first()
            locked.set()
            # Bounded: were the lock gone, nobody would wait and the outcome shows it.
            deadline = time.monotonic() + 10
            while not waiting_on_a_lock() and time.monotonic() < deadline:
                time.sleep(0.02)
        return result

    def run_second():
        locked.wait(timeout=30)
        with transaction.atomic():
            return second()

    return race([run_first, run_second])


# --- One event twice, several events at once ---------------------------------------------


def test_the_same_stripe_event_delivered_three_times_at_once_is_applied_once(stripe_on):
    membership, events = _checkout(stripe_on, make_tier())
    paid = next(e for e in events if e["type"] == "invoice.paid")

    results = race([lambda: _receive(paid) for _ in range(3)])

    assert sorted(results).count("duplicate") == 2, results
    assert WebhookEvent.objects.filter(event_id=paid["id"]).count() == 1
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.mrr == 3000
    assert _kinds(membership) == [ChangeKind.JOINED]
    assert list(membership.bills.values_list("status", "amount")) == [(BillStatus.PAID, 3000)]
    assert _notices(membership, "joined") == 1


def test_the_events_of_one_checkout_arriving_at_once_leave_one_consistent_membership(stripe_on):
    membership, events = _checkout(stripe_on, make_tier())
    subscription = next(e for e in events if e["type"] == "customer.subscription.created")
    sub_id = subscription["data"]["object"]["id"]
    # What Stripe also sends once Checkout saved the card on the subscription.
    updated = stripe_on.event("customer.subscription.updated", stripe_on.get(sub_id))
    wanted = ("checkout.session.completed", "customer.subscription.created", "invoice.paid")
    at_once = [e for e in events if e["type"] in wanted] + [updated]
    assert sorted(e["type"] for e in at_once) == sorted([*wanted, updated["type"]])

    results = race([lambda e=e: _receive(e) for e in at_once])

    assert all(r.startswith(("membership ", "invoice paid")) for r in results), results
    membership.refresh_from_db()
    sub = stripe_on.get(sub_id)
    item = sub["items"]["data"][0]
    assert membership.stripe_subscription == sub_id
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.current_period_start.timestamp() == item["current_period_start"]
    assert membership.current_period_end.timestamp() == item["current_period_end"]
    assert membership.mrr == 3000 == _ledger_mrr(membership)
    assert _kinds(membership) == [ChangeKind.JOINED]
    assert membership.bills.get().status == BillStatus.PAID
    assert _notices(membership, "joined") == 1


def test_a_failed_renewal_told_while_its_paid_retry_is_applied_leaves_nothing_owed(stripe_on):
    membership = _joined(stripe_on, make_tier())
    customer = stripe_on.get(membership.stripe_subscription)["customer"]
    stripe_on.set_card(customer, False)
    stripe_on.advance(membership.stripe_subscription)
    invoice = stripe_on.get(stripe_on.get(membership.stripe_subscription)["latest_invoice"])
    stripe_on.set_card(customer, True)
    stripe_on.retry(invoice["id"])
    events = stripe_on.drain_events()
    [failed] = [e for e in events if e["type"] == "invoice.payment_failed"]
    [paid] = [e for e in events if e["type"] == "invoice.paid"]

    # The failure is delivered late: it waits for the membership while the payment
    # of the retry is applied, and finds the invoice paid.
    in_commit_order(lambda: _receive(paid), lambda: _receive(failed))

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.failing_since is None
    assert membership.mrr == 3000 == _ledger_mrr(membership)
    assert _kinds(membership) == [ChangeKind.JOINED]
    assert membership.bills.get(reference=invoice["id"]).status == BillStatus.PAID
    assert arrears_get(kind="membership", subject_id=membership.pk) is None
    assert not Notification.objects.filter(user=membership.user, kind=Kind.PAYMENT_FAILED)


# --- The reconciliation meeting a webhook ---------------------------------------------------


def test_the_reconciliation_and_the_webhook_ending_one_membership_at_once_end_it_once(stripe_on):
    membership = _joined(stripe_on, make_tier())
    stripe_on.client().v1.subscriptions.cancel(membership.stripe_subscription)
    [deleted] = [
        e for e in stripe_on.drain_events() if e["type"] == "customer.subscription.deleted"
    ]

    run, outcome = race([services.memberships_reconcile, lambda: _receive(deleted)])

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED and membership.end_reason == "voluntary"
    assert MembershipChange.objects.filter(kind=ChangeKind.ENDED).count() == 1
    assert membership.mrr == 0 == _ledger_mrr(membership)
    # Exactly one of them ended it, and says so.
    by_webhook = outcome.endswith(MembershipStatus.ENDED)
    assert run.memberships_changed + by_webhook == 1, (run.repairs, outcome)
    assert _notices(membership, "ended") == 1


# --- An older view of Stripe racing a newer one ----------------------------------------------


def _upgrade_at_stripe(fake, membership, tier, *, proration: str) -> None:
    sub = fake.get(membership.stripe_subscription)
    fake.client().v1.subscriptions.update(
        sub["id"],
        params={
            "items": [
                {
                    "id": sub["items"]["data"][0]["id"],
                    "price": services.price_in_stripe(price=tier.prices.get()),
                }
            ],
            "proration_behavior": proration,
        },
    )


@pytest.mark.parametrize("newer_commits_first", [True, False], ids=["newer-first", "older-first"])
def test_an_older_view_of_stripe_never_undoes_a_newer_one_whatever_the_commit_order(
    stripe_on, newer_commits_first
):
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("month", 6000),))
    membership = _joined(stripe_on, basic)
    sub_id = membership.stripe_subscription
    # At Stripe the member first asks to cancel, then upgrades and stays after all.
    stripe_on.client().v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    read_old = timezone.now()
    old = stripe_on.get(sub_id)
    _upgrade_at_stripe(stripe_on, membership, premium, proration="none")
    stripe_on.client().v1.subscriptions.update(sub_id, params={"cancel_at_period_end": False})
    read_new = timezone.now()
    new = stripe_on.get(sub_id)
    assert read_old < read_new

    def apply(sub, as_of):
        def run():
            locked = ledger.membership_lock(pk=membership.pk)
            return services.subscription_apply(
                membership=locked, sub=sub, source="test", as_of=as_of
            )

        return run

    newer, older = apply(new, read_new), apply(old, read_old)
    if newer_commits_first:
        from_newer, from_older = in_commit_order(newer, older)
        assert from_older == []  # skipped: Stripe told us something newer already
        assert _kinds(membership) == [ChangeKind.JOINED, ChangeKind.UPGRADED]
    else:
        from_older, from_newer = in_commit_order(older, newer)
        assert _kinds(membership) == [
            ChangeKind.JOINED,
            ChangeKind.CANCEL_REQUESTED,
            ChangeKind.UPGRADED,
            ChangeKind.CANCEL_WITHDRAWN,
        ]
    assert ChangeKind.UPGRADED in from_newer

    # Either way the membership is what Stripe said last.
    membership.refresh_from_db()
    assert membership.tier == premium and not membership.cancel_at_period_end
    assert membership.synced_at == read_new
    assert membership.mrr == 6000 == _ledger_mrr(membership)


def test_an_upgrade_and_its_prorated_invoice_told_at_once_are_both_recorded(stripe_on):
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("month", 6000),))
    membership = _joined(stripe_on, basic)
    _upgrade_at_stripe(stripe_on, membership, premium, proration="always_invoice")
    events = stripe_on.drain_events()
    [updated] = [e for e in events if e["type"] == "customer.subscription.updated"]
    [paid] = [e for e in events if e["type"] == "invoice.paid"]

    # The upgrade commits while the invoice's handler waits for the membership: the
    # membership it then finds is on another price than when it started looking.
    upgraded, invoiced = in_commit_order(lambda: _receive(updated), lambda: _receive(paid))

    assert upgraded.endswith(ChangeKind.UPGRADED), upgraded
    assert invoiced.startswith("invoice paid"), invoiced
    membership.refresh_from_db()
    assert membership.tier == premium and membership.mrr == 6000 == _ledger_mrr(membership)
    assert _kinds(membership) == [ChangeKind.JOINED, ChangeKind.UPGRADED]
    prorated = membership.bills.get(reference=paid["data"]["object"]["id"])
    assert prorated.status == BillStatus.PAID and 0 < prorated.amount < 6000


@pytest.mark.parametrize(
    "webhook_first", [True, False], ids=["webhook-first", "reconciliation-first"]
)
def test_the_reconciliation_and_the_webhook_of_a_missed_upgrade_upgrade_once(
    stripe_on, webhook_first
):
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("month", 6000),))
    membership = _joined(stripe_on, basic)
    _upgrade_at_stripe(stripe_on, membership, premium, proration="none")
    [updated] = [
        e for e in stripe_on.drain_events() if e["type"] == "customer.subscription.updated"
    ]
    webhook = lambda: _receive(updated)  # noqa: E731
    if webhook_first:
        outcome, run = in_commit_order(webhook, services.memberships_reconcile)
    else:
        run, outcome = in_commit_order(services.memberships_reconcile, webhook)

    membership.refresh_from_db()
    assert membership.tier == premium and membership.mrr == 6000 == _ledger_mrr(membership)
    assert _kinds(membership) == [ChangeKind.JOINED, ChangeKind.UPGRADED]
    assert run.memberships_changed == (0 if webhook_first else 1), run.repairs
    assert outcome.endswith(ChangeKind.UPGRADED if webhook_first else "up to date"), outcome


def test_the_member_cancelling_while_stripe_tells_of_an_upgrade_does_both(stripe_on):
    basic = make_tier()
    premium = make_tier("Premium", 2, prices=(("month", 6000),))
    membership = _joined(stripe_on, basic)
    _upgrade_at_stripe(stripe_on, membership, premium, proration="none")
    [updated] = [
        e for e in stripe_on.drain_events() if e["type"] == "customer.subscription.updated"
    ]

    # The webhook changes the tier while the member's cancellation waits for the row.
    in_commit_order(
        lambda: _receive(updated),
        lambda: services.membership_cancel(
            membership=Membership.objects.get(pk=membership.pk), reason="other"
        ),
    )

    membership.refresh_from_db()
    assert membership.tier == premium and membership.cancel_at_period_end
    assert membership.cancel_reason == "other"
    assert _kinds(membership) == [
        ChangeKind.JOINED,
        ChangeKind.UPGRADED,
        ChangeKind.CANCEL_REQUESTED,
    ]


# --- The last included seat ---------------------------------------------------------------


def test_two_checkouts_for_the_last_included_seat_give_it_once_and_refuse_the_other(no_stripe):
    tier = make_tier(included_seats_per_year=1, seat_discount_percent=20)
    member = UserFactory()
    membership = MembershipFactory(user=member, price=tier.prices.get(interval="year"))
    cohorts = [CohortFactory(), CohortFactory()]
    for cohort in cohorts:
        CohortPrice.objects.create(cohort=cohort, amount=49_500)

    results = race([lambda c=c: paid_enrolment_start(cohort=c, user=member) for c in cohorts])

    [refused] = [r for r in results if isinstance(r, DomainError)]
    [(enrolment, order)] = [r for r in results if not isinstance(r, DomainError)]
    assert isinstance(refused, Conflict) and refused.code == "no_included_seat"
    assert refused.status_code == 409
    # The winner's seat is included: free, active at once, the seat counted once.
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert (order.total_amount, order.benefit_key) == (0, f"membership:{membership.pk}:seat")
    assert list(SeatUse.objects.values_list("enrolment_id", flat=True)) == [enrolment.pk]
    # Nothing was written for the other checkout.
    [other] = [c for c in cohorts if c.pk != enrolment.cohort_id]
    assert not Enrolment.objects.filter(cohort=other).exists()
    assert not Order.objects.filter(enrolment__cohort=other).exists()
    assert Invoice.objects.count() == 0

    # Asked again, the member is offered and charged the tier's discount instead.
    enrolment, order = paid_enrolment_start(cohort=other, user=member)
    assert enrolment.status == EnrolmentStatus.PENDING_PAYMENT
    assert (order.total_amount, order.benefit_key) == (
        39_600,
        f"membership:{membership.pk}:discount",
    )
    assert SeatUse.objects.count() == 1


# --- Joining, the retention offer ------------------------------------------------------------


def test_two_joins_by_one_person_at_once_make_one_membership(no_stripe):
    tier = make_tier(trial_days=14)  # a yearly plan by invoice with a trial: live at once
    user = UserFactory()

    results = race(
        [lambda: services.membership_join(user=user, tier=tier, interval="year") for _ in range(2)]
    )

    [refused] = [r for r in results if isinstance(r, DomainError)]
    assert isinstance(refused, Conflict) and refused.code == "already_member"
    [membership] = Membership.objects.filter(user=user)
    assert membership.status == MembershipStatus.TRIALING
    assert _kinds(membership) == [ChangeKind.TRIAL_STARTED]


def test_a_join_sent_again_a_moment_later_replaces_the_first_whose_invoice_then_starts_nothing(
    no_stripe,
):
    tier = make_tier()
    user = UserFactory()
    first = services.membership_join(user=user, tier=tier, interval="year", now=NOW)
    second = services.membership_join(user=user, tier=tier, interval="year", now=NOW)

    # The first invoice is paid after all (both were emailed).
    invoice_mark_paid(invoice=first.bills.get().invoice, by=staff_user(), now=NOW)

    first.refresh_from_db()
    assert first.status == MembershipStatus.ENDED and first.end_reason == "never_paid"
    assert first.current_period_end is None and first.mrr == 0
    assert first.problem.startswith(f"Invoice {first.bills.get().number} was paid after")
    assert first.bills.get().status == BillStatus.PAID
    second.refresh_from_db()
    assert second.status == MembershipStatus.INCOMPLETE and not second.problem


def test_the_retention_offer_accepted_twice_at_once_is_applied_once(stripe_on):
    membership = _joined(stripe_on, make_tier(retention_percent_off=50, retention_months=3))
    path = f"/v1/subscriptions/{membership.stripe_subscription}"
    updates_before = len(stripe_on.requests_to("POST", path))

    results = race(
        [
            lambda: services.membership_retention_accept(
                membership=Membership.objects.get(pk=membership.pk)
            )
            for _ in range(2)
        ]
    )

    [refused] = [r for r in results if isinstance(r, DomainError)]
    assert refused.code == "offer_used"
    assert _kinds(membership).count(ChangeKind.RETAINED) == 1
    # Stripe changed the subscription once: a second request, if made, was a replay.
    updates = stripe_on.requests_to("POST", path)[updates_before:]
    assert len([r for r in updates if not r.replayed]) == 1
    assert len(stripe_on.all("coupon")) == 1
    assert len(stripe_on.get(membership.stripe_subscription)["discounts"]) == 1


# --- A membership invoice paid twice ---------------------------------------------------------


NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _invoiced(tier) -> tuple[Membership, Invoice]:
    membership = services.membership_join(user=UserFactory(), tier=tier, interval="year", now=NOW)
    return membership, membership.bills.get().invoice


def test_a_membership_invoice_marked_paid_twice_at_once_starts_one_period(no_stripe):
    membership, invoice = _invoiced(make_tier())
    staff = staff_user()

    race([lambda: invoice_mark_paid(invoice=invoice, by=staff, now=NOW) for _ in range(2)])

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.current_period_end == NOW + relativedelta(years=1)
    assert _kinds(membership) == [ChangeKind.JOINED]
    assert membership.mrr == 2500 == _ledger_mrr(membership)
    assert membership.bills.get().status == BillStatus.PAID


def test_the_paid_invoice_handled_twice_at_once_extends_the_period_once(no_stripe):
    membership, first = _invoiced(make_tier())
    invoice_mark_paid(invoice=first, by=staff_user(), now=NOW)
    renewal_at = NOW + relativedelta(years=1) - dt.timedelta(days=10)
    assert services.manual_memberships_run(now=renewal_at)["invoiced"] == 1
    renewal = membership.bills.get(status=BillStatus.OPEN).invoice
    Invoice.objects.filter(pk=renewal.pk).update(paid_at=renewal_at)

    # The receiver of payments' invoice_paid, run twice at once (a signal sent again).
    race([lambda: services.manual_invoice_paid(invoice=renewal, now=renewal_at) for _ in range(2)])

    membership.refresh_from_db()
    assert membership.current_period_end == NOW + relativedelta(years=2)
    assert membership.bills.filter(status=BillStatus.PAID).count() == 2
    assert _kinds(membership) == [ChangeKind.JOINED]
