"""The account hub: every section with its summary and link, a fixed number of queries
whatever the number of orders and invoices, the privacy section only once the privacy
pages exist, and the personal details form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse

from lms.models import ProfileChange
from payments import services as payment_services
from portal import selectors
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    return UserFactory(username="mira", organisation="Lens & Light", city="Delft")


def issue(user, n=1):
    for i in range(n):
        payment_services.invoice_issue(
            user=user,
            amount=1000 + i,
            currency="EUR",
            description=f"Workshop {i}",
            due_on=dt.date.today() + dt.timedelta(days=14),
        )


def test_the_hub_shows_every_section_with_its_link(member, client):
    issue(member)
    client.force_login(member)
    response = client.get(reverse("portal:hub"))
    page = response.content.decode()
    assert response.status_code == 200
    for url in (
        reverse("portal:details"),
        reverse("preferences"),
        reverse("notifications:preferences"),
        reverse("live:my_calendar"),
        reverse("api_tokens"),
        reverse("memberships:pricing"),
        reverse("payments:portal"),
    ):
        assert f'href="{url}' in page, url
    assert "Lens &amp; Light" in page and "Delft" in page
    invoice = member.invoices.get()
    assert reverse("payments:invoice", args=[invoice.pk]) in page


def test_the_header_links_to_the_account_not_to_preferences(member, client):
    client.force_login(member)
    header = client.get(reverse("cohorts:my_cohorts")).content.decode().split("</header>")[0]
    assert f'href="{reverse("portal:hub")}"' in header
    assert f'href="{reverse("preferences")}"' not in header


def test_the_hub_costs_the_same_queries_whatever_the_number_of_invoices(
    member, client, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(member)
    issue(member, 1)
    client.get(reverse("portal:hub"))  # warm caches (content types, site)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("portal:hub"))
    issue(member, 8)
    with django_assert_num_queries(len(one)):
        client.get(reverse("portal:hub"))
    with django_assert_max_num_queries(20):
        client.get(reverse("portal:hub"))


def test_the_privacy_section_appears_only_when_the_privacy_pages_exist(member, client):
    try:
        reverse("privacy:home")
    except NoReverseMatch:
        exists = False
    else:
        exists = True
    client.force_login(member)
    page = client.get(reverse("portal:hub")).content.decode()
    assert ('id="privacy-heading"' in page) is exists
    assert bool(selectors.privacy_url()) is exists


def test_the_privacy_section_links_to_the_privacy_home_once_it_exists(member, client, monkeypatch):
    monkeypatch.setattr(selectors, "privacy_url", lambda: "/privacy/")
    client.force_login(member)
    page = client.get(reverse("portal:hub")).content.decode()
    assert 'id="privacy-heading"' in page and 'href="/privacy/"' in page


def test_the_hub_needs_a_sign_in(client):
    response = client.get(reverse("portal:hub"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_details_form_saves_through_the_service_and_records_it(member, client):
    client.force_login(member)
    response = client.post(
        reverse("portal:details"),
        {
            "street_address": "Oude Delft 1",
            "postal_code": "2611 BA",
            "city": "Delft",
            "organisation": "Lens & Light",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.street_address == "Oude Delft 1"
    assert ProfileChange.objects.get(user=member).fields == ["street_address", "postal_code"]


def test_the_details_form_shows_a_bad_vat_number_at_its_field(member, client):
    client.force_login(member)
    response = client.post(reverse("portal:details"), {"vat_number": "12345"})
    assert response.status_code == 400
    assert "NL123456789B01" in response.context["form"].errors["vat_number"][0]
    member.refresh_from_db()
    assert member.vat_number == ""
