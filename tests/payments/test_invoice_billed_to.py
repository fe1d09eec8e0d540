"""A new invoice keeps whom it bills as they were when it was issued: name,
organisation, address and VAT number, shown on the invoice; a later change of address
does not rewrite it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lms.services import profile_update
from payments import services
from payments.models import Invoice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def member(db):
    member = UserFactory(username="mira", display_name="Mira Jansen")
    profile_update(
        user=member,
        by=member,
        organisation="Lens & Light BV",
        street_address="Keizersgracht 1",
        postal_code="1015 CJ",
        city="Amsterdam",
        country="NL",
        vat_number="NL123456789B01",
    )
    return member


def issue(user) -> Invoice:
    return services.invoice_issue(
        user=user,
        amount=12_000,
        currency="EUR",
        description="Premium membership 2027",
        due_on=dt.date(2027, 2, 1),
        now=NOW,
    )


def test_an_invoice_issued_on_its_own_copies_the_billing_details(member):
    invoice = issue(member)
    assert (
        invoice.billed_name,
        invoice.billed_organisation,
        invoice.billed_street_address,
        invoice.billed_postal_code,
        invoice.billed_city,
        invoice.billed_country,
        invoice.billed_vat_number,
    ) == (
        "Mira Jansen",
        "Lens & Light BV",
        "Keizersgracht 1",
        "1015 CJ",
        "Amsterdam",
        "NL",
        "NL123456789B01",
    )


def test_an_order_invoice_copies_the_billing_details(member, paid_cohort):
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=member)
    assert order.invoice.billed_organisation == "Lens & Light BV"
    assert order.invoice.billed_vat_number == "NL123456789B01"


def test_a_later_change_of_address_does_not_rewrite_an_issued_invoice(member, client):
    invoice = issue(member)
    profile_update(user=member, by=member, street_address="Oudegracht 99", city="Utrecht")
    invoice.refresh_from_db()
    assert invoice.billed_street_address == "Keizersgracht 1"
    assert invoice.billed_city == "Amsterdam"
    later = services.invoice_issue(
        user=member,
        amount=500,
        currency="EUR",
        description="Workshop",
        due_on=dt.date(2027, 2, 1),
        now=NOW,
    )
    assert later.billed_city == "Utrecht"
    client.force_login(member)
    page = client.get(reverse("payments:invoice", args=[invoice.pk])).content.decode()
    assert "Keizersgracht 1" in page and "Amsterdam" in page and "Utrecht" not in page
    assert "Lens &amp; Light BV" in page and "NL123456789B01" in page


def test_the_invoice_page_is_its_owners_and_staffs_only(member, client, staff):
    invoice = issue(member)
    client.force_login(UserFactory())
    assert client.get(reverse("payments:invoice", args=[invoice.pk])).status_code == 404
    client.force_login(staff)
    assert client.get(reverse("payments:invoice", args=[invoice.pk])).status_code == 200


def test_an_invoice_without_billing_details_shows_no_empty_address(client):
    member = UserFactory()
    invoice = issue(member)
    Invoice.objects.filter(pk=invoice.pk).update(billed_name="")  # as before details existed
    client.force_login(member)
    page = client.get(reverse("payments:invoice", args=[invoice.pk])).content.decode()
    assert "<address" not in page and invoice.number in page


def test_the_invoice_takes_the_details_stored_now_not_a_stale_copy_of_the_member(member):
    stale = type(member).objects.get(pk=member.pk)
    profile_update(user=member, by=member, city="Utrecht")
    assert issue(stale).billed_city == "Utrecht"
