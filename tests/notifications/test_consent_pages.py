"""The member's lists page, the confirmation and one-click withdraw links, the API and
the read-only consent records in the Wagtail admin."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from notifications import services
from notifications.models import Consent, ConsentEvent, ConsentList, ConsentStatus, Kind
from tests.factories import UserFactory, staff_user
from tests.notifications.test_consents import confirm_token, subscribed

pytestmark = pytest.mark.django_db

PAGE = "/notifications/lists/"


def _one_click_url(message) -> str:
    return message.extra_headers["List-Unsubscribe"].strip("<>")


# --- The page ---------------------------------------------------------------------------


def test_the_page_needs_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_subscribing_on_the_page_emails_a_link_and_shows_it_waiting(client, student):
    client.force_login(student)
    page = client.get(PAGE).content.decode()
    assert "Newsletter" in page and "News on my topics" in page
    assert page.count('value="subscribe"') == 2
    response = client.post(PAGE, {"list": "newsletter", "action": "subscribe"})
    assert response.status_code == 302
    assert Consent.objects.get(user=student).status == ConsentStatus.PENDING
    assert ConsentEvent.objects.get().source == "portal"
    services.pending_deliver()
    assert [m.to for m in mail.outbox] == [[student.email]]
    page = client.get(PAGE).content.decode()
    assert "We emailed you a link to confirm" in page
    assert "Send the confirmation email again" in page


def test_the_page_shows_the_history_and_unsubscribes_in_one_click(client, student):
    subscribed(student)
    client.force_login(student)
    page = client.get(PAGE).content.decode()
    assert "Confirmed the subscription" in page and "Link in an email" in page
    assert "Yes, email me the newsletter" in page  # the text agreed to
    response = client.post(PAGE, {"list": "newsletter", "action": "unsubscribe"})
    assert response.status_code == 302
    assert Consent.objects.get(user=student).status == ConsentStatus.WITHDRAWN
    assert "You are unsubscribed from" in client.get(PAGE).content.decode()


def test_the_page_refuses_unknown_lists_and_actions(client, student):
    client.force_login(student)
    assert client.post(PAGE, {"list": "spam", "action": "subscribe"}).status_code == 400
    assert client.post(PAGE, {"list": "news", "action": "sell"}).status_code == 400
    assert not ConsentEvent.objects.exists()


def test_the_page_costs_the_same_queries_whatever_the_history(
    client, student, django_assert_max_num_queries
):
    client.force_login(student)
    subscribed(student)
    with django_assert_max_num_queries(12) as few:
        client.get(PAGE)
    for _ in range(5):
        services.consent_withdraw(user=student, mailing_list="newsletter")
        subscribed(student)
        services.consent_request(user=student, mailing_list="news")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PAGE).status_code == 200


def test_the_page_shows_only_ones_own_lists(client, student):
    other = UserFactory()
    subscribed(other)
    client.force_login(student)
    page = client.get(PAGE).content.decode()
    assert "Confirmed the subscription" not in page
    assert "Subscribed" not in page


# --- The confirmation link --------------------------------------------------------------


def test_opening_the_link_asks_and_the_button_grants(client, student):
    services.consent_request(user=student, mailing_list="newsletter")
    url = f"/notifications/lists/confirm/{confirm_token(student)}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Yes, subscribe me" in page.content.decode()
    assert Consent.objects.get().status == ConsentStatus.PENDING  # a mail scanner's GET
    done = client.post(url)
    assert done.status_code == 200
    assert "You are subscribed" in done.content.decode()
    assert Consent.objects.get().status == ConsentStatus.GRANTED
    assert client.post(url).status_code == 200  # again: still one grant
    assert ConsentEvent.objects.filter(action="granted").count() == 1


def test_an_expired_or_changed_link_gets_a_page_that_says_what_to_do(client, student):
    services.consent_request(user=student, mailing_list="newsletter")
    token = confirm_token(student)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        expired = client.post(f"/notifications/lists/confirm/{token}/")
        assert client.get(f"/notifications/lists/confirm/{token}/").status_code == 400
    assert expired.status_code == 400
    assert "expired" in expired.content.decode()
    assert "subscribe again" in expired.content.decode()
    changed = client.get(f"/notifications/lists/confirm/{token[:-3]}xyz/")
    assert changed.status_code == 400
    assert "Open it again from the email" in changed.content.decode()
    assert Consent.objects.get().status == ConsentStatus.PENDING


def test_another_members_link_is_refused_while_signed_in(client, student):
    services.consent_request(user=student, mailing_list="newsletter")
    client.force_login(UserFactory())
    response = client.post(f"/notifications/lists/confirm/{confirm_token(student)}/")
    assert response.status_code == 400
    assert "another account" in response.content.decode()
    assert Consent.objects.get().status == ConsentStatus.PENDING


# --- The one-click withdraw link (RFC 8058) ---------------------------------------------


def _list_email(user):
    subscribed(user)
    services.pending_deliver()
    mail.outbox = []
    services.marketing_send(mailing_list="newsletter", key="k", subject="News", body="Hello")
    [message] = mail.outbox
    return message


def test_the_one_click_post_of_a_mail_client_withdraws_without_sign_in_or_csrf(student):
    message = _list_email(student)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = _one_click_url(message)
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Consent.objects.get(user=student).status == ConsentStatus.WITHDRAWN
    event = ConsentEvent.objects.filter(user=student).latest("pk")
    assert (event.action, event.source) == ("withdrawn", "email_link")
    assert mail_client.post(url).status_code == 200  # again: nothing more
    assert ConsentEvent.objects.filter(action="withdrawn").count() == 1


def test_opening_the_withdraw_link_shows_a_button_and_withdraws_nothing(client, student):
    message = _list_email(student)
    page = client.get(_one_click_url(message))
    assert page.status_code == 200
    assert '<form method="post">' in page.content.decode()
    assert Consent.objects.get(user=student).status == ConsentStatus.GRANTED


def test_a_changed_withdraw_link_is_a_400_page(client, student):
    url = _one_click_url(_list_email(student))
    assert client.post(url.rstrip("/")[:-2] + "zz/").status_code == 400
    assert client.get("/notifications/lists/unsubscribe/nonsense/").status_code == 400
    assert Consent.objects.get(user=student).status == ConsentStatus.GRANTED


def test_a_withdraw_link_acts_only_on_the_person_and_list_it_names(client, student):
    other = UserFactory()
    mine = _one_click_url(_list_email(student))
    subscribed(other)
    subscribed(student, ConsentList.NEWS)
    client.post(mine)
    assert Consent.objects.get(user=other).status == ConsentStatus.GRANTED
    assert Consent.objects.get(user=student, mailing_list="news").status == "granted"
    assert Consent.objects.get(user=student, mailing_list="newsletter").status == "withdrawn"


# --- API --------------------------------------------------------------------------------

API = "/api/v1/notifications/lists/"


def test_the_api_refuses_anonymous_callers(api):
    assert api.get(API).status_code == 401
    assert api.post(API + "subscribe/", {"list": "news"}, format="json").status_code == 401
    assert api.post(API + "unsubscribe/", {"list": "news"}, format="json").status_code == 401
    assert not ConsentEvent.objects.exists()


def test_the_api_lists_subscribes_and_unsubscribes(api, student):
    api.force_authenticate(student)
    rows = api.get(API).json()
    assert [(r["list"], r["status"]) for r in rows] == [
        ("newsletter", "withdrawn"),
        ("news", "withdrawn"),
    ]
    asked = api.post(API + "subscribe/", {"list": "news"}, format="json")
    assert asked.status_code == 200
    assert asked.json()["status"] == "pending"
    assert asked.json()["history"][0]["source"] == "api"
    services.consent_confirm(token=confirm_token(student, "news"))
    granted = api.get(API).json()[1]
    assert granted["status"] == "granted"
    assert granted["history"][-1]["text"].startswith("Yes, email me the news posts")
    gone = api.post(API + "unsubscribe/", {"list": "news"}, format="json")
    assert gone.json()["status"] == "withdrawn"
    bad = api.post(API + "subscribe/", {"list": "spam"}, format="json")
    assert bad.status_code == 400


def test_the_api_never_shows_another_members_consent(api, student):
    other = UserFactory()
    subscribed(other)
    api.force_authenticate(student)
    rows = api.get(API).json()
    assert all(r["history"] == [] and r["status"] == "withdrawn" for r in rows)
    api.post(API + "unsubscribe/", {"list": "newsletter"}, format="json")
    assert Consent.objects.get(user=other).status == ConsentStatus.GRANTED


def test_the_confirmation_is_an_always_emailed_kind(student):
    from notifications.models import ALWAYS_EMAILED, Delivery

    services.preference_set(user=student, kind=Kind.CONSENT_CONFIRM, delivery=Delivery.IMMEDIATELY)
    assert Kind.CONSENT_CONFIRM in ALWAYS_EMAILED


# --- Wagtail admin ----------------------------------------------------------------------


def test_staff_see_consent_records_read_only(admin_client, student):
    subscribed(student)
    index = admin_client.get("/admin/consent_records/")
    assert index.status_code == 200
    assert "Sam" in index.content.decode()
    assert admin_client.get("/admin/consent_records/?q=sam").status_code == 200
    event = ConsentEvent.objects.filter(action="granted").get()
    inspect = admin_client.get(f"/admin/consent_records/inspect/{event.pk}/")
    assert inspect.status_code == 200
    assert "Yes, email me the newsletter" in inspect.content.decode()
    assert admin_client.get("/admin/consent_records/new/").status_code in (302, 403)
    assert admin_client.get(f"/admin/consent_records/edit/{event.pk}/").status_code in (302, 403)
    assert admin_client.post(f"/admin/consent_records/delete/{event.pk}/").status_code in (
        302,
        403,
    )
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


def test_the_choice_pages_lead_to_the_lists(client, student):
    client.force_login(student)
    assert PAGE in client.get("/notifications/preferences/").content.decode()
    assert PAGE in client.get("/accounts/preferences/").content.decode()


def test_the_staff_group_reads_consent_records_and_members_do_not(client, student):
    subscribed(student)
    event = ConsentEvent.objects.filter(action="granted").get()
    client.force_login(staff_user())
    assert client.get("/admin/consent_records/").status_code == 200
    assert client.get(f"/admin/consent_records/inspect/{event.pk}/").status_code == 200
    assert client.get(f"/admin/consent_records/edit/{event.pk}/").status_code in (302, 403)
    client.force_login(student)
    assert client.get("/admin/consent_records/").status_code in (302, 403)
