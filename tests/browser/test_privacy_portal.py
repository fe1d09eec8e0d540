"""A member on a phone, from Account: edits their details and interests, asks for a copy
of their data and downloads it, asks to be erased and cancels it; the privacy notice
explains what is kept. In a real browser, with tasks run as they would by a worker."""

import io
import json
import zipfile

import pytest

from cms.models import Topic
from cms.selectors import interests_of
from lms.models import User
from privacy.models import ErasureRequest, ErasureStatus, ExportRequest
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_details_interests_export_download_and_an_erasure_cancelled(
    live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    member = UserFactory(username="mira", display_name="Mira Jansen")
    EnrolmentFactory(user=member, cohort=CohortFactory())
    Topic.objects.create(name="Writing", slug="writing")
    Topic.objects.create(name="Events", slug="events")
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "mira")
    page.fill("input[name=password]", "correct horse battery")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()

    # Details, from the header's Account.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Edit personal details").click()
    page.get_by_label("Street address").fill("Prinsengracht 263")
    page.get_by_label("City").fill("Amsterdam")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_load_state()
    assert "Prinsengracht 263" in page.get_by_role("region", name="Personal details").inner_text()

    # Interests, and back to Account.
    page.get_by_role("link", name="Topics that interest you").click()
    page.get_by_label("Writing").check()
    page.get_by_role("button", name="Save my interests").click()
    page.wait_for_load_state()
    assert page.url.endswith("/account/")
    assert [t.slug for t in interests_of(member)] == ["writing"]

    # A copy of everything: prepared (by the worker) and downloaded by the member alone.
    page.get_by_role("link", name="Your privacy").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Prepare my data").click()
    page.wait_for_load_state()
    page.goto(f"{base}/privacy/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert data["profile"][0]["street_address"] == "Prinsengracht 263"
    assert [row["topic_id"] for row in data["interests"]] == [Topic.objects.get(slug="writing").pk]
    assert "enrolments.csv" in archive.namelist()
    assert ExportRequest.objects.get(user=member).requested_by == member

    # Erasure: asked (with its confirmation), then cancelled in one click.
    page.get_by_label("I understand that this cannot be undone once it has run.").check()
    page.get_by_label("Type your username to confirm").fill("mira")
    page.get_by_role("button", name="Erase my account").click()
    page.wait_for_load_state()
    assert "We will erase your account and your data on" in page.inner_text("main")
    page.get_by_role("button", name="Cancel the erasure").click()
    page.wait_for_load_state()
    assert ErasureRequest.objects.get(user=member).status == ErasureStatus.CANCELLED
    assert User.objects.get(pk=member.pk).erased_at is None
    assert page.get_by_role("button", name="Erase my account").count() == 1

    # The notice says what is kept and why, in the member's own words for Dutch too.
    page.get_by_role("link", name="What we keep and why").click()
    assert "Take payment and keep the books" in page.inner_text("main")
