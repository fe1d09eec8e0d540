"""A member opens Account from the header on a phone, fills in the address and the
organisation, saves and sees them; an invoice issued afterwards is made out to them."""

import datetime as dt

import pytest
from django.utils import timezone

from payments.services import invoice_issue
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_edits_their_address_on_a_phone_and_the_next_invoice_shows_it(
    live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    member = UserFactory(username="member", display_name="Mira Jansen")
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "member")
    page.fill("input[name=password]", "correct horse battery")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()

    # The header has Account (and no separate Preferences link).
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Preferences").count() == 0
    nav.get_by_role("link", name="Account").click()
    page.wait_for_load_state()
    assert page.url.endswith("/account/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="Edit personal details").click()
    page.wait_for_load_state()
    page.get_by_label("Organisation").fill("Lens & Light BV")
    page.get_by_label("Street address").fill("Keizersgracht 1")
    page.get_by_label("Postal code").fill("1015 CJ")
    page.get_by_label("City").fill("Amsterdam")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("VAT number").fill("NL 1234 56789 B01")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Save details").click()
    page.wait_for_load_state()

    assert page.url.endswith("/account/")
    details = page.get_by_role("region", name="Personal details").inner_text()
    assert "Lens & Light BV" in details and "Keizersgracht 1" in details
    assert "1015 CJ Amsterdam" in details and "NL123456789B01" in details

    # An invoice issued now is made out to these details, and the hub links to it.
    invoice = invoice_issue(
        user=member,
        amount=12_000,
        currency="EUR",
        description="Workshop materials",
        due_on=timezone.localdate() + dt.timedelta(days=14),
    )
    page.reload()
    page.get_by_role("link", name=f"Invoice {invoice.number}").click()
    page.wait_for_load_state()
    billed = page.get_by_role("region", name="Billed to").inner_text()
    assert "Mira Jansen" in billed and "Lens & Light BV" in billed
    assert "Keizersgracht 1" in billed and "Netherlands" in billed
    assert "NL123456789B01" in billed
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
