"""The privacy notice lists every cookie the site sets, and all are essential: a visitor
who reads it, switches language, signs in and walks through pages gets no other."""

import pytest

from privacy.selectors import cookies
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_page_sets_a_cookie_the_notice_does_not_list(live_server, page):
    member = UserFactory(username="reader")
    EnrolmentFactory(user=member, cohort=CohortFactory())
    base = live_server.url

    page.goto(f"{base}/privacy/policy/")
    listed = [c.name for c in cookies()]
    table = page.inner_text("main")
    for name in listed:
        assert name in table
    page.select_option("#site-language", "nl")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert "Privacy" in page.inner_text("footer")

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "reader")
    page.fill("input[name=password]", "correct horse battery")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    for path in ("/learn/", "/privacy/", "/notifications/", "/memberships/"):
        page.goto(f"{base}{path}")

    set_names = {c["name"] for c in page.context.cookies()}
    assert "sessionid" in set_names
    assert set_names <= set(listed), f"Undeclared cookies: {set_names - set(listed)}"
    assert all(c["domain"] in ("localhost", "127.0.0.1") for c in page.context.cookies())
