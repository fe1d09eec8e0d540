"""Consent to list email: double opt-in, withdrawal, sending only to those whose consent
holds (with RFC 8058 one-click withdrawal), the export selector and erasure."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail, signing
from django.utils import timezone, translation

from lms.errors import ValidationFailed
from notifications import selectors, services
from notifications.consents import CONFIRM_SALT, consent_confirm_url, consent_text
from notifications.models import (
    Consent,
    ConsentAction,
    ConsentEvent,
    ConsentList,
    ConsentSource,
    ConsentStatus,
    Delivery,
    Kind,
    Notification,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEWSLETTER = ConsentList.NEWSLETTER


def confirm_token(user, mailing_list=NEWSLETTER) -> str:
    """The token of the newest confirmation link emailed to ``user``."""
    note = (
        Notification.objects.filter(user=user, kind=Kind.CONSENT_CONFIRM, params__list=mailing_list)
        .order_by("-pk")
        .first()
    )
    return note.url.rstrip("/").rsplit("/", 1)[-1]


def subscribed(user, mailing_list=NEWSLETTER):
    services.consent_request(user=user, mailing_list=mailing_list)
    return services.consent_confirm(token=confirm_token(user, mailing_list))


def test_asking_records_the_text_shown_and_emails_a_link_but_grants_nothing(student):
    with translation.override("nl"):
        consent = services.consent_request(user=student, mailing_list=NEWSLETTER)
        shown = consent_text(NEWSLETTER)
    assert consent.status == ConsentStatus.PENDING
    event = ConsentEvent.objects.get()
    assert (event.action, event.source, event.language) == ("requested", "portal", "nl")
    assert event.text == shown
    assert services.pending_deliver() == 1
    [message] = mail.outbox
    assert message.to == [student.email]
    assert "Newsletter" in message.subject
    assert f"/notifications/lists/confirm/{confirm_token(student)}/" in message.body
    assert "http" in message.body  # an absolute link
    # Nothing is sent to the list until the link is followed.
    assert services.marketing_send(mailing_list=NEWSLETTER, key="n1", subject="S", body="B") == 0


def test_following_the_link_grants_with_the_text_of_the_request(student):
    with translation.override("nl"):
        services.consent_request(user=student, mailing_list=NEWSLETTER)
    consent = services.consent_confirm(token=confirm_token(student))
    assert consent.status == ConsentStatus.GRANTED
    request, grant = ConsentEvent.objects.order_by("pk")
    assert grant.action == ConsentAction.GRANTED and grant.source == ConsentSource.EMAIL_LINK
    assert (grant.text, grant.language, grant.request) == (request.text, "nl", request)


def test_following_the_link_twice_records_one_grant(student):
    services.consent_request(user=student, mailing_list=NEWSLETTER)
    token = confirm_token(student)
    services.consent_confirm(token=token)
    services.consent_confirm(token=token)
    assert ConsentEvent.objects.filter(action=ConsentAction.GRANTED).count() == 1


def test_asking_when_subscribed_changes_nothing_and_sends_nothing(student):
    subscribed(student)
    services.pending_deliver()  # the first confirmation email
    events = ConsentEvent.objects.count()
    mail.outbox = []
    assert services.consent_request(user=student, mailing_list=NEWSLETTER).status == "granted"
    assert ConsentEvent.objects.count() == events
    assert services.pending_deliver() == 0


def test_an_expired_link_says_it_expired_and_grants_nothing(student):
    services.consent_request(user=student, mailing_list=NEWSLETTER)
    token = confirm_token(student)
    later = timezone.now() + dt.timedelta(days=7, minutes=1)
    with time_machine.travel(later), pytest.raises(ValidationFailed) as refused:
        services.consent_confirm(token=token)
    assert refused.value.code == "link_expired"
    assert "7 days" in refused.value.message
    assert Consent.objects.get().status == ConsentStatus.PENDING


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: "nonsense",
        # Signed right, but with the withdraw link's salt, or a payload of another shape.
        lambda t: signing.Signer(salt="notifications.consent.unsubscribe").sign_object(
            {"u": 1, "l": "newsletter"}
        ),
        lambda t: signing.dumps({"u": "1", "l": "newsletter", "e": 1}, salt=CONFIRM_SALT),
        lambda t: signing.dumps({"u": 1, "l": "spam", "e": 1}, salt=CONFIRM_SALT),
        lambda t: signing.dumps(["x"], salt=CONFIRM_SALT),
    ],
)
def test_a_changed_link_is_refused_as_invalid(student, tamper):
    services.consent_request(user=student, mailing_list=NEWSLETTER)
    with pytest.raises(ValidationFailed) as refused:
        services.consent_confirm(token=tamper(confirm_token(student)))
    assert refused.value.code == "invalid_link"
    assert not ConsentEvent.objects.filter(action=ConsentAction.GRANTED).exists()


def test_a_link_cannot_grant_another_users_list(student):
    other = UserFactory()
    services.consent_request(user=student, mailing_list=NEWSLETTER)
    services.consent_request(user=other, mailing_list=NEWSLETTER)
    # A link naming the other user but the student's request: not the one waiting.
    mine = ConsentEvent.objects.get(user=student)
    forged = signing.dumps({"u": other.pk, "l": NEWSLETTER, "e": mine.pk}, salt=CONFIRM_SALT)
    with pytest.raises(ValidationFailed) as refused:
        services.consent_confirm(token=forged)
    assert refused.value.code == "link_superseded"
    # The student's own link, opened while signed in as someone else: refused too.
    with pytest.raises(ValidationFailed) as refused:
        services.consent_confirm(token=confirm_token(student), signed_in=other)
    assert refused.value.code == "other_account"
    assert set(Consent.objects.values_list("status", flat=True)) == {ConsentStatus.PENDING}


def test_a_link_from_before_an_unsubscribe_or_a_newer_request_confirms_nothing(student):
    services.consent_request(user=student, mailing_list=NEWSLETTER)
    first = confirm_token(student)
    services.consent_request(user=student, mailing_list=NEWSLETTER)  # "send it again"
    with pytest.raises(ValidationFailed) as refused:
        services.consent_confirm(token=first)
    assert refused.value.code == "link_superseded"
    newest = confirm_token(student)
    services.consent_withdraw(user=student, mailing_list=NEWSLETTER)
    with pytest.raises(ValidationFailed):
        services.consent_confirm(token=newest)
    assert Consent.objects.get().status == ConsentStatus.WITHDRAWN


def test_withdrawing_records_once_and_unknown_lists_are_refused(student):
    subscribed(student)
    services.consent_withdraw(user=student, mailing_list=NEWSLETTER, source="staff")
    services.consent_withdraw(user=student, mailing_list=NEWSLETTER)
    actions = list(ConsentEvent.objects.values_list("action", "source"))
    assert actions[-1] == ("withdrawn", "staff")
    assert [a for a, _s in actions].count("withdrawn") == 1
    with pytest.raises(ValidationFailed):
        services.consent_request(user=student, mailing_list="spam")
    with pytest.raises(ValidationFailed):
        services.consent_withdraw(user=student, mailing_list="spam")


def test_consent_records_are_append_only(student):
    subscribed(student)
    event = ConsentEvent.objects.first()
    event.text = "Something else"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_a_list_email_goes_only_to_those_whose_consent_holds_with_one_click_headers():
    holding, asked, withdrew, other_list = (UserFactory() for _ in range(4))
    subscribed(holding)
    services.consent_request(user=asked, mailing_list=NEWSLETTER)
    subscribed(withdrew)
    services.consent_withdraw(user=withdrew, mailing_list=NEWSLETTER)
    subscribed(other_list, ConsentList.NEWS)
    mail.outbox = []
    kw = {"mailing_list": NEWSLETTER, "key": "2026-12", "subject": "Tips & news", "body": "Hi"}
    assert services.marketing_send(**kw) == 1
    assert services.marketing_send(**kw) == 0  # run again after a crash: sent once
    [message] = mail.outbox
    assert message.to == [holding.email]
    assert message.subject == "Tips & news"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and unsubscribe.endswith(">")
    assert "/notifications/lists/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body  # the same link in the footer
    rendered = message.message()
    assert rendered["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_service_emails_still_follow_preferences_after_unsubscribing(student):
    subscribed(student)
    services.consent_withdraw(user=student, mailing_list=NEWSLETTER)
    services.preference_set(user=student, kind=Kind.GRADE_RELEASED, delivery=Delivery.OFF)
    services.pending_deliver()  # the confirmation email
    mail.outbox = []
    assert services.notify_user(
        kind=Kind.FEEDBACK_RECEIVED, key="f", user_id=student.pk, params={"assignment": "Essay"}
    )
    assert not services.notify_user(
        kind=Kind.GRADE_RELEASED, key="g", user_id=student.pk, params={"assignment": "Essay"}
    )
    services.pending_deliver()
    assert [m.subject for m in mail.outbox] == ["New feedback on your work: Essay"]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert services.marketing_send(mailing_list=NEWSLETTER, key="k", subject="S", body="B") == 0


def test_a_list_email_skips_closed_accounts():
    user = UserFactory()
    subscribed(user)
    user.is_active = False
    user.save()
    assert services.marketing_send(mailing_list=NEWSLETTER, key="k", subject="S", body="B") == 0


def test_the_export_selector_has_states_and_every_event(student):
    subscribed(student)
    other = UserFactory()
    subscribed(other)
    records = selectors.consent_records_for(user=student)
    assert [c.status for c in records.states] == ["granted"]
    assert [e.action for e in records.events] == ["requested", "granted"]
    assert {e.user_id for e in records.events} == {student.pk}
    assert records.events[1].text == consent_text(NEWSLETTER)


def test_erasure_withdraws_everything_and_keeps_the_proof(student):
    subscribed(student)
    services.consent_request(user=student, mailing_list=ConsentList.NEWS)
    pending_link = confirm_token(student, ConsentList.NEWS)
    assert services.consents_erase(user=student) == 2
    assert not Consent.objects.filter(user=student).exists()
    last = ConsentEvent.objects.filter(user=student).order_by("pk")
    assert [e.source for e in last if e.action == "withdrawn"] == ["erasure", "erasure"]
    assert services.marketing_send(mailing_list=NEWSLETTER, key="k", subject="S", body="B") == 0
    with pytest.raises(ValidationFailed):  # a link from before erasure grants nothing
        services.consent_confirm(token=pending_link)
    assert services.consents_erase(user=student) == 0


def test_the_confirmation_link_is_a_path_with_a_signed_token(student):
    services.consent_request(user=student, mailing_list=NEWSLETTER)
    event = ConsentEvent.objects.get()
    assert consent_confirm_url(event=event).startswith("/notifications/lists/confirm/")
