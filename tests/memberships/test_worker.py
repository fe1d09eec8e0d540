"""Memberships' background jobs through a real `celery worker` on Redis: the daily
round invoices a renewal and ends a trial nobody paid for, the reconciliation asks
the Stripe test server and ends a membership cancelled there without a webhook, and
the dunning sweep suspends a member whose renewal is unpaid past the grace period.
Each member is emailed once, and running every job again changes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from email import message_from_string, policy

import pytest
from dateutil.relativedelta import relativedelta
from django.db.models import Sum
from django.utils import timezone

from cohorts.models import Enrolment, EnrolmentStatus
from lms.celery import app
from memberships import services
from memberships.models import (
    BillStatus,
    ChangeKind,
    Membership,
    MembershipChange,
    MembershipStatus,
    ReconciliationRun,
)
from notifications.models import Delivery, Notification
from payments import webhooks
from payments.models import Arrears
from payments.services import invoice_mark_paid
from tests.factories import UserFactory, course_page, staff_user
from tests.memberships.conftest import WEBHOOK_SECRET, make_tier
from tests.stripe_fake.server import TEST_API_KEY
from tests.worker_support import broker_drained, wait_until, worker  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEPARATOR = "\n" + "-" * 79 + "\n"
JOBS = (
    "memberships.tasks.daily",
    "memberships.tasks.reconcile",
    "payments.tasks.expire_payment_holds",
)


@pytest.fixture
def worker_env(stripe_on):
    """The worker reaches the Stripe test server as the web process does."""
    return {
        "STRIPE_SECRET_KEY": TEST_API_KEY,
        "STRIPE_API_BASE": stripe_on.url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


@contextlib.contextmanager
def by_invoice(settings):
    """Yearly plans sold while Stripe is not set up are paid by invoice."""
    settings.STRIPE_SECRET_KEY = ""
    try:
        yield
    finally:
        settings.STRIPE_SECRET_KEY = TEST_API_KEY


def _mailbox(directory) -> list:
    if not directory.exists():
        return []
    texts = [path.read_text() for path in sorted(directory.iterdir())]
    return [
        message_from_string(chunk.strip(), policy=policy.default)
        for text in texts
        for chunk in text.split(SEPARATOR)
        if chunk.strip()
    ]


def _subjects(directory) -> Counter:
    return Counter((m["To"], m["Subject"]) for m in _mailbox(directory))


def _all_emailed() -> bool:
    return not Notification.objects.filter(
        delivery=Delivery.IMMEDIATELY, emailed_at__isnull=True
    ).exists()


def _settled() -> bool:
    return _all_emailed() and broker_drained()


def _ledger_adds_up(membership: Membership) -> bool:
    total = membership.changes.aggregate(total=Sum("mrr_delta"))["total"] or 0
    return total == membership.mrr


def _past_due_by_invoice(tier, now) -> Membership:
    """A yearly member by invoice whose renewal went unpaid: the period ended nine days
    ago, the grace period started eight days ago."""
    joined = now - relativedelta(years=1) - dt.timedelta(days=9)
    membership = services.membership_join(
        user=UserFactory(), tier=tier, interval="year", now=joined
    )
    invoice_mark_paid(invoice=membership.bills.get().invoice, by=staff_user(), now=joined)
    services.manual_memberships_run(now=now - dt.timedelta(days=20))  # the renewal invoice
    services.manual_memberships_run(now=now - dt.timedelta(days=8))  # unpaid: past due
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAST_DUE
    return membership


def _renewing_by_invoice(tier, now) -> Membership:
    """A yearly member by invoice whose period ends in ten days."""
    joined = now - relativedelta(years=1) + dt.timedelta(days=10)
    membership = services.membership_join(
        user=UserFactory(), tier=tier, interval="year", now=joined
    )
    invoice_mark_paid(invoice=membership.bills.get().invoice, by=staff_user(), now=joined)
    return membership


def _trial_run_out(tier, now) -> Membership:
    membership = services.membership_join(
        user=UserFactory(), tier=tier, interval="year", now=now - dt.timedelta(days=15)
    )
    assert membership.status == MembershipStatus.TRIALING
    return membership


def _cancelled_at_stripe_without_a_webhook(fake, tier) -> Membership:
    membership = services.membership_join(user=UserFactory(), tier=tier, interval="month")
    services.membership_checkout_start(
        membership=membership,
        success_url="https://lms.example/memberships/me/",
        cancel_url="https://lms.example/memberships/",
        locale="en",
    )
    membership.refresh_from_db()
    fake.complete_checkout(membership.checkout_session)
    for event in fake.drain_events():
        webhooks.stripe_event_receive(event=event)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    fake.client().v1.subscriptions.cancel(membership.stripe_subscription)
    fake.drain_events()  # the webhook never arrives
    return membership


def test_the_daily_round_the_reconciliation_and_the_dunning_sweep_run_in_the_worker(
    settings,
    stripe_on,
    worker,  # noqa: F811
):
    now = timezone.now()
    basic = make_tier()
    trial = make_tier("Trial", 2, prices=(("year", 20_000),), trial_days=14)
    library = course_page()
    trial.library_courses.add(library)
    with by_invoice(settings):
        past_due = _past_due_by_invoice(basic, now)
        renewing = _renewing_by_invoice(basic, now)
        trialing = _trial_run_out(trial, now)
    assert Enrolment.objects.get(user=trialing.user).status == EnrolmentStatus.ACTIVE
    at_stripe = _cancelled_at_stripe_without_a_webhook(stripe_on, basic)
    assert wait_until(_settled)
    before = _subjects(worker)
    assert before  # what the members were told while they joined and paid

    for job in JOBS:
        app.send_task(job)

    def done() -> bool:
        return (
            Membership.objects.filter(
                pk__in=[past_due.pk, trialing.pk, at_stripe.pk],
                status__in=[MembershipStatus.SUSPENDED, MembershipStatus.ENDED],
            ).count()
            == 3
            and renewing.bills.count() == 2
            and ReconciliationRun.objects.filter(finished_at__isnull=False).exists()
        )

    assert wait_until(done)
    assert wait_until(_settled)

    # The renewal: invoiced once, ahead of the period's end, at the plan's price.
    renewing.refresh_from_db()
    renewal = renewing.bills.get(status=BillStatus.OPEN)
    assert renewal.amount == 30_000 and renewal.invoice.paid_at is None
    assert renewing.status == MembershipStatus.ACTIVE
    # The trial nobody paid for ended, and the library went with it.
    trialing.refresh_from_db()
    assert (trialing.status, trialing.end_reason) == (MembershipStatus.ENDED, "trial_expired")
    access = Enrolment.objects.get(user=trialing.user, cohort__course=library)
    assert access.status == EnrolmentStatus.SUSPENDED
    # The Stripe membership cancelled there is ended by the reconciliation, once.
    at_stripe.refresh_from_db()
    assert (at_stripe.status, at_stripe.end_reason) == (MembershipStatus.ENDED, "voluntary")
    run = ReconciliationRun.objects.get()
    assert (run.memberships_changed, run.requests, run.error) == (1, 1, "")
    assert run.repairs == [{"membership": at_stripe.pk, "changes": [MembershipStatus.ENDED]}]
    # Past the grace period the unpaid renewal suspends the membership.
    past_due.refresh_from_db()
    assert past_due.status == MembershipStatus.SUSPENDED and past_due.mrr == 0
    assert past_due.anniversaries_celebrated == 1
    assert Arrears.objects.get(subject_id=past_due.pk).suspended_at is not None
    for membership in (renewing, trialing, at_stripe, past_due):
        assert _ledger_adds_up(membership), membership
    assert list(
        MembershipChange.objects.filter(kind__in=[ChangeKind.ENDED, ChangeKind.SUSPENDED])
        .order_by("membership_id")
        .values_list("membership_id", "kind")
    ) == sorted(
        [
            (past_due.pk, ChangeKind.SUSPENDED),
            (trialing.pk, ChangeKind.ENDED),
            (at_stripe.pk, ChangeKind.ENDED),
        ]
    )

    told = _subjects(worker) - before
    assert told == Counter(
        {
            (renewing.user.email, "Invoice for your Basic membership"): 1,
            (renewing.user.email, f"Invoice {renewal.number}: Basic membership, renewal"): 1,
            (trialing.user.email, "Your membership has ended"): 1,
            (at_stripe.user.email, "Your membership has ended"): 1,
            (past_due.user.email, "Your access to Basic membership is paused"): 1,
            # A member for a year today (the daily round celebrates it once).
            (past_due.user.email, "1 year a member!"): 1,
        }
    ), told

    # Every job again: nothing more is invoiced, ended, suspended or sent.
    changes = MembershipChange.objects.count()
    for job in JOBS:
        app.send_task(job)
    assert wait_until(
        lambda: ReconciliationRun.objects.filter(finished_at__isnull=False).count() == 2
    )
    assert wait_until(_settled)
    assert MembershipChange.objects.count() == changes
    assert renewing.bills.count() == 2
    assert ReconciliationRun.objects.order_by("-pk").first().memberships_changed == 0
    assert _subjects(worker) - before == told
