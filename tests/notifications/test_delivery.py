"""The email side survives a delivery that dies: rows are claimed before they are sent,
each is marked right after its message, and a claim left behind runs out."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from notifications import services
from notifications.models import Kind, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class WorkerDied(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs, no except clause
    of the project catches it."""


def _fan_out(n: int) -> list:
    users = [UserFactory() for _ in range(n)]
    services.notify(
        kind=Kind.MODULE_UNLOCKED,
        key="m2",
        users=[u.pk for u in users],
        params={"module": "M", "cohort": "C", "unlocks_at": "2030-01-01T09:00:00+00:00"},
    )
    return users


def _die_after(monkeypatch, count: int, *, sent: bool):
    """send_mail that works ``count`` times, then dies: before the mail server took the
    message (``sent=False``) or after it did but before anything else ran."""
    from django.core.mail import send_mail as real

    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > count:
            if sent:
                real(*args, **kwargs)
            raise WorkerDied
        return real(*args, **kwargs)

    monkeypatch.setattr("lms.services.send_mail", dying)


def _per_recipient() -> Counter:
    return Counter(address for message in mail.outbox for address in message.to)


@pytest.mark.parametrize("taken_by_the_mail_server", [False, True])
def test_a_delivery_that_dies_mid_batch_doubles_at_most_the_message_in_flight(
    monkeypatch, settings, taken_by_the_mail_server
):
    settings.LMS_DELIVERY_LEASE_SECONDS = 120
    users = _fan_out(12)
    _die_after(monkeypatch, 5, sent=taken_by_the_mail_server)
    with pytest.raises(WorkerDied):
        services.pending_deliver(batch_size=10)
    monkeypatch.undo()
    # The five sent before the death stay marked: committed one by one.
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 5
    # The rest of the claim is held by the dead delivery until its lease runs out...
    assert services.pending_deliver(batch_size=10) == 2  # ...the two it had not claimed
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 5
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=121)):
        assert services.pending_deliver(batch_size=10) == 5
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    counts = _per_recipient()
    assert set(counts) == {u.email for u in users}  # nobody lost
    doubled = sum(n - 1 for n in counts.values())
    assert doubled == (1 if taken_by_the_mail_server else 0)


def test_a_failure_that_passes_gives_the_claim_back_at_once(monkeypatch):
    users = _fan_out(4)
    from django.core.mail import send_mail as real

    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr("lms.services.send_mail", flaky)
    with pytest.raises(OperationalError):  # the task retries with backoff
        services.pending_deliver()
    # Nothing waits for a lease: the retry (or the next sweep) takes the rest at once.
    assert not Notification.objects.filter(claimed_until__isnull=False).exists()
    assert services.pending_deliver() == 2
    assert _per_recipient() == Counter({u.email: 1 for u in users})


def test_one_notification_that_cannot_be_emailed_holds_up_no_other(monkeypatch, caplog):
    users = _fan_out(3)
    broken = Notification.objects.order_by("pk").first()
    real = services._email_one

    def email_one(notification):
        if notification.pk == broken.pk:
            raise KeyError("a template that needs a fact this row lacks")
        return real(notification)

    monkeypatch.setattr(services, "_email_one", email_one)
    assert services.pending_deliver() == 2
    assert _per_recipient() == Counter({u.email: 1 for u in users[1:]})
    broken.refresh_from_db()
    assert broken.emailed_at is None and broken.claimed_until is not None
    assert f"Notification {broken.pk} could not be emailed" in caplog.text
    # It stays claimed until its lease ends, then it is tried again (and again logged).
    assert services.pending_deliver() == 0


def test_a_claimed_row_is_left_to_its_delivery(settings):
    _fan_out(3)
    settings.LMS_DELIVERY_LEASE_SECONDS = 60
    claimed = services._claim(2)
    assert len(claimed) == 2
    # Another delivery meanwhile takes only what is not claimed.
    assert services.pending_deliver() == 1
    assert services._deliver_claimed(claimed) == 2
    assert len(mail.outbox) == 3


def test_one_delivery_is_queued_per_batch_however_many_recipients(
    student, django_capture_on_commit_callbacks
):
    others = [UserFactory() for _ in range(5)]
    with django_capture_on_commit_callbacks() as callbacks:
        services.notify(kind=Kind.MODULE_UNLOCKED, key="m", users=[u.pk for u in others], params={})
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        services.notify_each(
            kind=Kind.BADGE_AWARDED,
            items=[(u.pk, f"badge-award:{u.pk}", {"badge": "B"}, "/") for u in others],
        )
    assert len(callbacks) == 1
    assert Notification.objects.count() == 10


def test_a_long_delivery_hands_over_to_a_fresh_task(monkeypatch):
    _fan_out(3)
    queued = []
    monkeypatch.setattr("notifications.tasks.deliver_pending.delay", lambda: queued.append(1))
    assert services.pending_deliver(max_seconds=0) == 0
    assert queued == [1]
    assert services.pending_deliver() == 3


def test_a_broker_that_is_down_after_commit_fails_nothing(
    student, monkeypatch, django_capture_on_commit_callbacks
):
    """The delivery hint is sent after the commit; if the broker is away then, the
    request or task that made the notification still succeeds (the sweep delivers)."""
    from kombu.exceptions import OperationalError as BrokerError

    def down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("notifications.tasks.deliver_pending.apply_async", down)
    # Callbacks run as on a real commit: a robust one's error is logged, any other's
    # raised.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify_user(kind=Kind.REFUNDED, key="r", user_id=student.pk, params={})
    assert len(callbacks) == 1
    assert Notification.objects.filter(key="r", emailed_at__isnull=True).exists()
