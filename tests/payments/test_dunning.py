"""One way to chase a payment that failed, for instalment plans and for whatever an app
above payments registers (memberships): the grace period starts once, reminders go out
on the configured days (each once), access pauses once past the grace period, and the
payment settles the arrears and restores access."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.db import transaction
from django.utils import timezone

from cohorts.models import EnrolmentStatus
from notifications.models import Notification
from payments import dunning, services, tasks
from payments.models import Arrears, Order, OrderStatus
from tests.assertions import without_welcomes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KIND = "membership"
T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


class Memberships:
    """A stand-in for the memberships app's registration."""

    def __init__(self):
        self.paused: set[int] = set()
        self.suspend_calls = 0

    def suspend(self, *, subject_id, now):
        self.suspend_calls += 1
        if subject_id in self.paused:
            return False
        self.paused.add(subject_id)
        return True

    def restore(self, *, subject_id, now):
        if subject_id not in self.paused:
            return False
        self.paused.discard(subject_id)
        return True

    def describe(self, *, subject_id):
        return f"Premium membership {subject_id}"


@pytest.fixture(autouse=True)
def _dunning_settings(settings):
    settings.LMS_PAYMENT_GRACE_DAYS = 7
    settings.LMS_DUNNING_REMINDER_DAYS = "3,6"


@pytest.fixture
def memberships():
    fake = Memberships()
    registered = dunning._KINDS.get(KIND)  # the memberships app's own, put back after
    dunning.register_kind(KIND, fake.suspend, fake.restore, fake.describe)
    yield fake
    dunning.unregister_kind(KIND)
    if registered is not None:
        dunning._KINDS[KIND] = registered


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com")


def told(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("pk"))


def open_arrears(owner, subject_id: int = 12, now=T0, reference: str = "in_1") -> Arrears:
    return dunning.arrears_open(
        kind=KIND, subject_id=subject_id, user=owner, reference=reference, now=now
    )


# --- The mechanism ------------------------------------------------------------------------


def test_arrears_open_once_and_the_first_email_says_what_to_do(
    memberships, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = open_arrears(owner)
    again = open_arrears(owner, now=day(2), reference="in_2")
    assert again.pk == first.pk and again.failing_since == T0 and again.reference == "in_1"
    assert Arrears.objects.count() == 1
    [failed] = told("payment_failed")
    assert failed.params["subject"] == "Premium membership 12" and failed.user_id == owner.pk
    [email] = mail.outbox
    assert email.subject == "Your payment for Premium membership 12 did not go through"
    assert "within 7 days" in email.body and email.to == ["owner@example.com"]


def test_reminders_go_out_on_the_configured_days_each_once_then_access_pauses_once(
    memberships, owner
):
    open_arrears(owner)
    expected = [
        (day(2.9), 0, 0),
        (day(3), 1, 0),
        (day(3.5), 0, 0),
        (day(6), 1, 0),
        (day(6.9), 0, 0),
        (day(7), 0, 1),
        (day(8), 0, 0),
    ]
    for now, reminded, suspended in expected:
        sweep = dunning.dunning_sweep(now=now)
        assert (sweep.reminded, sweep.suspended) == (reminded, suspended), now
    reminders = told("payment_reminder")
    assert [n.key.rsplit(":", 1)[1] for n in reminders] == ["1", "2"]
    assert reminders[0].params["pauses_at"] == day(7).isoformat()
    assert len(told("payment_access_paused")) == 1
    assert memberships.paused == {12} and memberships.suspend_calls == 1
    arrears = Arrears.objects.get()
    assert (arrears.reminders_sent, arrears.suspended_at) == (2, day(7))


def test_a_sweep_that_did_not_run_for_days_sends_only_the_latest_reminder(memberships, owner):
    open_arrears(owner)
    assert dunning.dunning_sweep(now=day(6.5)).reminded == 1
    assert len(told("payment_reminder")) == 1
    assert Arrears.objects.get().reminders_sent == 2
    assert dunning.dunning_sweep(now=day(6.6)).reminded == 0


def test_the_reminder_days_come_from_the_setting(settings, memberships, owner):
    settings.LMS_DUNNING_REMINDER_DAYS = "1, 2,10"  # day 10 is past the grace period
    assert dunning.reminder_days() == [1, 2]
    open_arrears(owner)
    assert dunning.dunning_sweep(now=day(1)).reminded == 1
    assert dunning.dunning_sweep(now=day(2)).reminded == 1
    assert dunning.dunning_sweep(now=day(6)).reminded == 0


def test_settling_restores_paused_access_and_says_so(
    memberships, owner, django_capture_on_commit_callbacks
):
    open_arrears(owner)
    dunning.dunning_sweep(now=day(8))
    with django_capture_on_commit_callbacks(execute=True):
        settled = dunning.arrears_settle(kind=KIND, subject_id=12, now=day(9))
    assert settled.settled_at == day(9) and memberships.paused == set()
    [notice] = told("payment_settled")
    assert notice.params["restored"] is True
    assert mail.outbox[-1].subject == "Your access to Premium membership 12 is back"
    assert dunning.arrears_settle(kind=KIND, subject_id=12, now=day(10)) is None
    assert dunning.dunning_sweep(now=day(20)) == dunning.DunningSweep(reminded=0, suspended=0)


def test_settling_within_the_grace_period_restores_nothing(memberships, owner):
    open_arrears(owner)
    memberships.paused.add(99)  # paused for another reason: not ours to restore
    dunning.arrears_settle(kind=KIND, subject_id=12, now=day(2))
    [notice] = told("payment_settled")
    assert notice.params["restored"] is False
    assert memberships.paused == {99}


def test_after_settling_a_new_failure_starts_a_new_grace_period(memberships, owner):
    open_arrears(owner)
    dunning.arrears_settle(kind=KIND, subject_id=12, now=day(2))
    again = open_arrears(owner, now=day(30), reference="in_9")
    assert again.failing_since == day(30) and Arrears.objects.count() == 2
    assert len(told("payment_failed")) == 2


def test_pausing_at_once_happens_once(memberships, owner):
    open_arrears(owner)
    assert dunning.arrears_suspend(kind=KIND, subject_id=12, now=day(1)) is True
    assert dunning.arrears_suspend(kind=KIND, subject_id=12, now=day(1)) is False
    assert dunning.dunning_sweep(now=day(9)).suspended == 0
    assert memberships.suspend_calls == 1 and len(told("payment_access_paused")) == 1


def test_closed_arrears_send_no_reminder_and_restore_nothing(memberships, owner):
    open_arrears(owner)
    assert dunning.arrears_close(kind=KIND, subject_id=12, now=day(1), reason="cancelled")
    assert dunning.dunning_sweep(now=day(8)) == dunning.DunningSweep(reminded=0, suspended=0)
    assert not told("payment_reminder") and not told("payment_settled")


def test_a_rolled_back_settlement_leaves_the_arrears_open(memberships, owner):
    open_arrears(owner)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        dunning.arrears_settle(kind=KIND, subject_id=12, now=day(1))
        raise Undo
    assert Arrears.objects.get().settled_at is None and not told("payment_settled")


def test_an_unregistered_kind_is_refused_and_skipped_by_the_sweep(owner):
    with pytest.raises(LookupError):
        dunning.arrears_open(kind="nothing", subject_id=1, user=owner, reference="", now=T0)
    Arrears.objects.create(kind="gone", subject_id=1, user=owner, failing_since=T0)
    assert dunning.dunning_sweep(now=day(30)) == dunning.DunningSweep(reminded=0, suspended=0)


def test_the_beat_task_pauses_access_past_the_grace_period(memberships, owner):
    open_arrears(owner, now=timezone.now() - dt.timedelta(days=8))
    tasks.expire_payment_holds()
    assert memberships.paused == {12}


def test_the_arrears_keep_their_history(memberships, owner):
    open_arrears(owner)
    dunning.dunning_sweep(now=day(3))
    dunning.arrears_settle(kind=KIND, subject_id=12, now=day(4))
    reasons = [h.history_change_reason for h in Arrears.objects.get().history.order_by("pk")]
    assert reasons == ["payment failed", "reminder 1 sent", "settled"]


# --- Instalment plans through the same mechanism ------------------------------------------


@pytest.fixture
def plan(settings, paid_cohort):
    """A three-part plan whose first part is paid (recorded; no call to Stripe)."""
    settings.STRIPE_SECRET_KEY = "sk_test_dunning"
    enrolment, order = services.paid_enrolment_start(
        cohort=paid_cohort, user=UserFactory(email="plan@example.com"), instalments=3
    )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        services.payment_confirm(
            order=locked,
            amount=services.expected_payment(order=locked),
            currency="EUR",
            reference="first",
            source="test",
            now=T0,
        )
    order.refresh_from_db()
    return enrolment, order


def fail_instalment(order, now=T0, reference="in_2") -> str:
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        return services.instalment_failed(order=locked, reference=reference, now=now)


def test_a_failed_instalment_is_chased_like_anything_else_and_keeps_its_emails(
    plan, django_capture_on_commit_callbacks
):
    enrolment, order = plan
    with django_capture_on_commit_callbacks(execute=True):
        assert fail_instalment(order) == "instalment failed: grace period"
    order.refresh_from_db()
    arrears = Arrears.objects.get()
    assert (arrears.kind, arrears.subject_id, arrears.reference) == ("instalment", order.pk, "in_2")
    assert order.failing_since == arrears.failing_since == T0
    title = order.enrolment.cohort.course.title
    assert without_welcomes(mail.outbox)[-1].subject == (
        f"Your instalment for {title} did not go through"
    )
    fail_instalment(order, now=day(2), reference="in_2")  # Stripe's retry: nothing new
    assert len(told("instalment_failed")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert dunning.dunning_sweep(now=day(3)).reminded == 1
    cohort = order.enrolment.cohort
    assert without_welcomes(mail.outbox)[-1].subject == (
        f"Reminder: your payment for {title} ({cohort.name}) is still due"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.instalments_suspend_overdue(now=day(7)) == 1
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.SUSPENDED
    assert without_welcomes(mail.outbox)[-1].subject == f"Your access to {title} is paused"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        services.payment_confirm(
            order=locked,
            amount=services.expected_payment(order=locked),
            currency="EUR",
            reference="in_2",
            source="test",
            now=day(8),
        )
    enrolment.refresh_from_db()
    order.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE and order.failing_since is None
    assert Arrears.objects.get().settled_at == day(8)
    assert without_welcomes(mail.outbox)[-1].subject == f"Your access to {title} is back"


def test_staff_settling_a_plan_by_transfer_settles_its_arrears(plan, staff):
    enrolment, order = plan
    fail_instalment(order)
    services.instalments_suspend_overdue(now=day(8))
    services.order_mark_paid(order=order, by=staff, now=day(9))
    enrolment.refresh_from_db()
    order.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE and order.failing_since is None
    assert Arrears.objects.get().settled_at == day(9)


def test_a_plan_stripe_gave_up_on_pauses_at_once_and_only_once(plan):
    enrolment, order = plan
    fail_instalment(order)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        outcome = services.instalment_plan_ended_unpaid(order=locked, now=day(2))
    assert outcome == "plan ended unpaid: access paused"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.SUSPENDED
    assert Arrears.objects.get().suspended_at == day(2)
    assert dunning.dunning_sweep(now=day(9)).suspended == 0
    assert len(told("access_suspended")) == 1


def test_a_refunded_plan_is_not_chased_any_more(plan, staff):
    _enrolment, order = plan
    fail_instalment(order)
    order.refresh_from_db()
    order.provider = "manual"  # refunded by transfer: no call to Stripe
    order.save()
    services.order_refund(order=order, by=staff, reason="moving abroad", outside_policy=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.failing_since is None
    assert Arrears.objects.get().settled_at is not None
    assert dunning.dunning_sweep(now=day(9)) == dunning.DunningSweep(reminded=0, suspended=0)
    assert not told("payment_reminder")


def test_plans_failing_before_the_change_are_carried_over_where_they_were(
    plan, paid_cohort, settings
):
    """The data migration: a plan failing for 4 days (one reminder counted as sent,
    none sent late) and one paused already (recorded as paused)."""
    _enrolment, order = plan
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(failing_since=now - dt.timedelta(days=4))
    paused_enrolment, paused = services.paid_enrolment_start(
        cohort=paid_cohort, user=UserFactory(), instalments=3
    )
    Order.objects.filter(pk=paused.pk).update(
        status="paid", failing_since=now - dt.timedelta(days=20)
    )
    paused_enrolment.status = EnrolmentStatus.SUSPENDED
    paused_enrolment.save()
    migration = importlib.import_module(
        "payments.migrations.0008_invoice_users_and_arrears_from_orders"
    )
    migration.forwards(django_apps, None)
    carried = {a.subject_id: a for a in Arrears.objects.all()}
    assert carried[order.pk].reminders_sent == 1 and carried[order.pk].suspended_at is None
    assert carried[paused.pk].suspended_at is not None
    assert (
        carried[order.pk].history.filter(history_change_reason__startswith="carried over").exists()
    )
    assert dunning.dunning_sweep(now=now).reminded == 0  # nothing sent late


class StoredMemberships:
    """Like the real app: the subject is a row, locked by suspend (the dunning
    contract), its paused state stored with it (here: a coupon row's ``active``)."""

    def suspend(self, *, subject_id, now):
        from payments.models import Coupon

        subject = Coupon.objects.select_for_update().get(pk=subject_id)
        if not subject.active:
            return False
        subject.active = False
        subject.save()
        return True

    def restore(self, *, subject_id, now):
        return False

    def describe(self, *, subject_id):
        return "Premium membership"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_pause_access_once(owner):
    from payments.models import Coupon
    from tests.concurrency import race

    fake = StoredMemberships()
    dunning.register_kind("stored", fake.suspend, fake.restore, fake.describe)
    try:
        subject = Coupon.objects.create(code="MEMBERSHIP-ROW", percent_off=1)
        dunning.arrears_open(kind="stored", subject_id=subject.pk, user=owner, reference="", now=T0)
        results = race([lambda: dunning.dunning_sweep(now=day(8)) for _ in range(2)])
    finally:
        dunning.unregister_kind("stored")
    assert sum(r.suspended for r in results) == 1
    assert Notification.objects.filter(kind="payment_access_paused").count() == 1
    subject.refresh_from_db()
    assert subject.active is False
