"""Sent once, enforced by the database: producers and deliverers racing on PostgreSQL
with real concurrent connections."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail

from live import services as live_services
from live.models import Rsvp
from lms.models import SentEmail, User
from notifications import services
from notifications.models import Kind, Notification
from tests.concurrency import race
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory
from tests.live.factories import LiveSessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _fan_out(users):
    return services.notify(
        kind=Kind.MODULE_UNLOCKED,
        key="race",
        users=users,
        params={"module": "M", "cohort": "C", "unlocks_at": "2030-01-01T09:00:00+00:00"},
        batch_size=7,
    )


def test_four_producers_of_the_same_fan_out_make_each_notification_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # delivery measured separately below
    cohort = CohortFactory()
    for _ in range(30):
        EnrolmentFactory(cohort=cohort)
    users = User.objects.filter(enrolments__cohort=cohort)
    results = race([lambda: _fan_out(users) for _ in range(4)])
    assert results == [30] * 4  # each producer offered every student...
    made = Notification.objects.filter(key="race")
    assert made.count() == 30  # ...and the database kept one of each
    per_user = Counter(made.values_list("user_id", flat=True))
    assert set(per_user) == set(users.values_list("pk", flat=True))
    assert set(per_user.values()) == {1}


def test_three_deliverers_at_once_send_each_email_once(settings):
    from lms.celery import app

    app.conf.task_always_eager = False
    try:
        students = [UserFactory() for _ in range(12)]
        _fan_out([u.pk for u in students])
    finally:
        app.conf.task_always_eager = True
    mail.outbox = []
    results = race([lambda: services.pending_deliver(batch_size=5) for _ in range(3)])
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 12
    assert SentEmail.objects.filter(key__startswith="notification:").count() == 12
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
    # What actually went out: one email to each student, none twice, nobody else.
    recipients = Counter(address for message in mail.outbox for address in message.to)
    assert recipients == Counter({student.email: 1 for student in students})


def test_two_students_for_the_last_place_one_gets_it():
    session = LiveSessionFactory(capacity=1)
    first, second = (EnrolmentFactory(cohort=session.cohort).user for _ in range(2))
    results = race(
        [
            lambda u=u: live_services.rsvp_set(session=session, user=u, going=True)
            for u in (first, second)
        ]
    )
    assert sum(isinstance(r, Rsvp) for r in results) == 1
    assert Rsvp.objects.filter(session=session, answer="going").count() == 1


def _confirm_token(user):
    note = Notification.objects.filter(user=user, kind=Kind.CONSENT_CONFIRM).latest("pk")
    return note.url.rstrip("/").rsplit("/", 1)[-1]


def test_two_confirmations_of_one_link_at_once_record_one_grant():
    from notifications.models import ConsentEvent

    user = UserFactory()
    services.consent_request(user=user, mailing_list="newsletter")
    token = _confirm_token(user)
    results = race([lambda: services.consent_confirm(token=token) for _ in range(3)])
    assert {r.status for r in results} == {"granted"}
    assert ConsentEvent.objects.filter(user=user, action="granted").count() == 1


def test_first_requests_at_once_share_one_consent_row():
    from notifications.models import Consent, ConsentEvent

    user = UserFactory()
    results = race(
        [lambda: services.consent_request(user=user, mailing_list="news") for _ in range(3)]
    )
    assert {r.status for r in results} == {"pending"}
    consent = Consent.objects.get(user=user, mailing_list="news")
    assert ConsentEvent.objects.filter(user=user, action="requested").count() == 3
    # The row waits for the newest request: the one the last writer recorded.
    assert consent.request_event_id == ConsentEvent.objects.filter(user=user).latest("pk").pk


def test_a_confirmation_and_an_unsubscribe_at_once_leave_state_and_record_agreeing():
    from notifications.models import Consent, ConsentEvent

    user = UserFactory()
    services.consent_request(user=user, mailing_list="newsletter")
    token = _confirm_token(user)
    race(
        [
            lambda: services.consent_confirm(token=token),
            lambda: services.consent_withdraw(user=user, mailing_list="newsletter"),
        ]
    )
    last = ConsentEvent.objects.filter(user=user).latest("pk")
    consent = Consent.objects.get(user=user)
    assert consent.status == {"granted": "granted", "withdrawn": "withdrawn"}[last.action]
