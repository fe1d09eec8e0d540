"""The public privacy notice: the staff's text around the table the registry generates,
in English and Dutch, and the cookies the site sets."""

import pytest
from django.urls import reverse
from django.utils import translation

from privacy import selectors
from privacy.models import PrivacyNotice

pytestmark = pytest.mark.django_db


def test_anyone_reads_what_is_kept_why_and_how_long(client, django_assert_max_num_queries):
    PrivacyNotice.objects.create(
        controller="Stichting Leren",
        contact="privacy@leren.example",
        intro="<p>We keep little.</p>",
        intro_nl="<p>We bewaren weinig.</p>",
    )
    with django_assert_max_num_queries(4):
        response = client.get(reverse("privacy:policy"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stichting Leren" in html and "privacy@leren.example" in html
    assert "We keep little." in html
    assert "Take payment and keep the books" in html
    assert "7 years after the financial year" in html
    assert "<code>sessionid</code>" in html and "<code>csrftoken</code>" in html

    response = client.get(reverse("privacy:policy"), HTTP_ACCEPT_LANGUAGE="nl")
    html = response.content.decode()
    assert "We bewaren weinig." in html and "We keep little." not in html


def test_the_table_has_a_row_per_purpose_with_every_declared_personal_field():
    with translation.override("en"):
        rows = {str(row.purpose): row for row in selectors.policy_rows()}
    payment = rows["Take payment and keep the books"]
    assert "Legal obligation (fiscal record keeping)" in payment.bases
    assert any("Kept as long as the law requires" in e for e in payment.erasure)
    account = rows["Run the member's account and sign them in"]
    assert "Email address" in account.data


def test_without_a_notice_the_table_still_shows(client):
    response = client.get(reverse("privacy:policy"))
    assert response.status_code == 200
    assert "The data we keep" in response.content.decode()


def test_the_members_privacy_page_needs_sign_in(client):
    response = client.get(reverse("privacy:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
