"""Kinds that ignore preferences, the emails other apps send through notifications,
and the one render-and-send block they share."""

import pytest
from django.core import mail

from lms.errors import ValidationFailed
from lms.models import SentEmail
from notifications import selectors, services
from notifications.models import ALWAYS_EMAILED, Delivery, Kind, Notification, Preference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INVOICE = {
    "cohort": "Spring",
    "cohort_id": 1,
    "course": "Writing",
    "order_id": 7,
    "currency": "EUR",
    "invoice_number": "2026-0001",
    "amount": 49_500,
    "due_on": "2026-03-04",
    "payee": "Academy",
    "iban": "NL00BANK0123456789",
    "payment_reference": "LMS123",
}


def test_payments_seats_and_deferrals_are_always_emailed_and_badges_follow_preferences():
    assert {
        Kind.INVOICE,
        Kind.RECEIPT,
        Kind.INSTALMENT_FAILED,
        Kind.ACCESS_SUSPENDED,
        Kind.ACCESS_RESTORED,
        Kind.REFUNDED,
        Kind.DEFERRAL,
        Kind.WAITLIST_PROMOTED,
        Kind.PAYMENT_FAILED,
        Kind.PAYMENT_REMINDER,
        Kind.PAYMENT_ACCESS_PAUSED,
        Kind.PAYMENT_SETTLED,
        Kind.MEMBERSHIP,
        Kind.ERASURE_REQUESTED,
        Kind.ERASURE_CANCELLED,
        Kind.ERASURE_DONE,
        Kind.ACCOUNT_INACTIVE,
        Kind.DATA_EXPORT_READY,
        Kind.CONSENT_CONFIRM,
    } == ALWAYS_EMAILED
    assert Kind.BADGE_AWARDED not in ALWAYS_EMAILED
    assert Kind.MEMBERSHIP_MILESTONE not in ALWAYS_EMAILED  # good news follows preferences


def test_a_kind_that_is_always_emailed_cannot_be_turned_off(student):
    with pytest.raises(ValidationFailed) as exc:
        services.preference_set(user=student, kind=Kind.RECEIPT, delivery=Delivery.OFF)
    assert exc.value.code == "always_emailed"
    services.preference_set(user=student, kind=Kind.RECEIPT, delivery=Delivery.IMMEDIATELY)
    assert not Preference.objects.exists()
    rows = {row.kind: row for row in selectors.preferences_get(user=student)}
    assert rows[Kind.RECEIPT].fixed and rows[Kind.RECEIPT].delivery == Delivery.IMMEDIATELY
    assert not rows[Kind.BADGE_AWARDED].fixed


def test_the_preferences_page_and_api_show_them_as_fixed(client, api, student):
    client.force_login(student)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="kind-invoice"' not in page
    assert 'name="kind-badge_awarded"' in page
    assert "Always emailed straight away" in page
    api.force_authenticate(student)
    rows = {r["kind"]: r for r in api.get("/api/v1/notifications/preferences/").json()}
    assert rows["invoice"]["fixed"] is True and rows["badge_awarded"]["fixed"] is False
    refused = api.put(
        "/api/v1/notifications/preferences/",
        [{"kind": "invoice", "delivery": "digest"}],
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "always_emailed"


def test_an_always_emailed_kind_is_sent_at_once_with_its_own_key(student):
    kw = {"kind": Kind.INVOICE, "key": "invoice:7", "user_id": student.pk, "params": INVOICE}
    assert services.notify_user(**kw) is True
    assert services.notify_user(**kw) is False  # a retried task
    assert services.pending_deliver() == 1
    assert services.pending_deliver() == 0
    assert [m.to for m in mail.outbox] == [[student.email]]
    assert "2026-0001" in mail.outbox[0].subject
    assert SentEmail.objects.filter(key="invoice:7").count() == 1
    row = Notification.objects.get()
    assert row.emailed_at is not None and row.claimed_until is None


def test_a_failed_send_keeps_the_notification_and_gives_its_claim_back(student, monkeypatch):
    def down(*args, **kwargs):
        raise OSError("SMTP down")

    kw = {"kind": Kind.INVOICE, "key": "invoice:7", "user_id": student.pk, "params": INVOICE}
    assert services.notify_user(**kw) is True
    monkeypatch.setattr("lms.services.send_mail", down)
    with pytest.raises(OSError):  # the task retries with backoff
        services.pending_deliver()
    row = Notification.objects.get()
    assert row.emailed_at is None and row.claimed_until is None
    assert not SentEmail.objects.exists()
    monkeypatch.undo()
    assert services.pending_deliver() == 1
    assert len(mail.outbox) == 1


def test_an_email_sent_before_the_notification_existed_is_not_sent_again(student):
    SentEmail.objects.create(key="invoice:7", recipient=student.email)
    kw = {"kind": Kind.INVOICE, "key": "invoice:7", "user_id": student.pk, "params": INVOICE}
    assert services.notify_user(**kw) is True  # in the notification centre
    assert services.pending_deliver() == 0
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is not None  # settled


def test_a_badge_turned_off_makes_no_notification_and_no_email(student):
    services.preference_set(user=student, kind=Kind.BADGE_AWARDED, delivery=Delivery.OFF)
    made = services.notify_user(
        kind=Kind.BADGE_AWARDED,
        key="badge-award:x",
        user_id=student.pk,
        params={"badge": "Helpful", "cohort": "Spring", "note": ""},
    )
    assert made is False
    assert not Notification.objects.exists() and mail.outbox == []


def test_the_peer_review_email_says_when_the_reviews_are_due(student):
    student.language, student.timezone = "en", "Europe/Amsterdam"
    student.save()
    services.notify_user(
        kind=Kind.REVIEWS_ASSIGNED,
        key="reviews:1",
        user_id=student.pk,
        params={
            "assignment": "Essay",
            "cohort": "Spring",
            "count": 2,
            "due_at": "2030-03-04T08:00:00+00:00",
        },
    )
    services.pending_deliver()
    assert "Please finish by March 4, 2030, 9 a.m." in mail.outbox[0].body


def test_an_account_email_and_a_notification_email_share_one_way_of_sending(student):
    other = UserFactory(language="nl")
    from lms.services import email_user_once

    assert email_user_once(
        user=other,
        key="k",
        subject_template="registration/signup_attempt_subject.txt",
        body_template="registration/signup_attempt_email.txt",
        context=lambda: {"user": other, "site_name": "LMS", "base_url": "", "login_url": ""},
    )
    assert not email_user_once(
        user=other,
        key="k",
        subject_template="registration/signup_attempt_subject.txt",
        body_template="registration/signup_attempt_email.txt",
        context={"user": other},
    )
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("kind", "params", "title"),
    [
        (Kind.BADGE_AWARDED, {"badge": "Helpful", "cohort": "Spring", "note": ""}, "Helpful"),
        (
            Kind.WAITLIST_PROMOTED,
            {"cohort": "Spring", "course": "Writing", "starts_on": "2026-03-02"},
            "A seat is yours: Writing, Spring",
        ),
        (Kind.INVOICE, INVOICE, "Invoice 2026-0001: Writing"),
        (Kind.RECEIPT, {**INVOICE, "invoice_number": ""}, "Payment received: Writing"),
        (Kind.INSTALMENT_FAILED, {**INVOICE, "grace_days": 7}, "did not go through"),
        (Kind.ACCESS_SUSPENDED, INVOICE, "is paused"),
        (Kind.ACCESS_RESTORED, INVOICE, "is back"),
        (Kind.REFUNDED, {**INVOICE, "refunded_amount": 1000}, "Refund for Writing"),
        (
            Kind.INVOICE,
            {**INVOICE, "course": None, "description": "Premium membership 2027"},
            "Invoice 2026-0001: Premium membership 2027",
        ),
        (
            Kind.PAYMENT_REMINDER,
            {"subject": "Premium membership", "pauses_at": "2026-03-04T09:00:00+00:00"},
            "Reminder: your payment for Premium membership is still due",
        ),
        (Kind.PAYMENT_FAILED, {"subject": "Premium", "grace_days": 7}, "did not go through"),
        (Kind.PAYMENT_ACCESS_PAUSED, {"subject": "Premium"}, "is paused"),
        (Kind.DATA_EXPORT_READY, {"expires_at": "2026-03-04T09:00:00+00:00"}, "export is ready"),
        (Kind.PAYMENT_SETTLED, {"subject": "Premium", "restored": True}, "is back"),
        (
            Kind.DEFERRAL,
            {
                "status": "declined",
                "course": "Writing",
                "from_cohort": "Spring",
                "to_cohort": "Autumn",
                "answer": "Full",
            },
            "About your request",
        ),
    ],
)
def test_the_notification_centre_shows_each_new_kind(kind, params, title):
    from notifications.kinds import render

    shown_title, body = render(kind, params)
    assert title in shown_title and body
