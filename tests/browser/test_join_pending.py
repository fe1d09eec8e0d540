"""A session whose room is not open yet does not look like one that is: on the cohort's
calendar, in a real browser on a phone-sized screen."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.browser.test_walkthrough import login
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page
from tests.live.factories import LiveSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STYLE = """(el) => {
  const s = getComputedStyle(el);
  return {background: s.backgroundColor, border: s.borderTopStyle, cursor: s.cursor};
}"""


def test_a_room_not_open_yet_shows_an_inert_note_unlike_the_join_button(live_server, page):
    cohort = CohortFactory(course=course_page(modules=1, lessons=1))
    EnrolmentFactory(cohort=cohort, user=UserFactory(username="student"))
    now = timezone.now().replace(microsecond=0)
    LiveSessionFactory(cohort=cohort, title="Open now", starts_at=now - dt.timedelta(minutes=5))
    LiveSessionFactory(cohort=cohort, title="Tomorrow", starts_at=now + dt.timedelta(days=1))

    login(page, live_server.url, "/accounts/login/", "student")
    page.goto(f"{live_server.url}/learn/{cohort.pk}/sessions/")

    # One control to join, for the open room; the other is text, out of the tab order.
    join = page.get_by_role("button", name=re.compile("Join"))
    assert join.count() == 1
    pending = page.locator(".join-pending")
    assert pending.inner_text().startswith("Join opens at")
    assert pending.evaluate("(el) => el.tabIndex") == -1
    assert page.get_by_role("link", name=re.compile("Join opens")).count() == 0

    active, inert = join.evaluate(STYLE), pending.evaluate(STYLE)
    assert inert["background"] != active["background"]
    assert (inert["border"], inert["cursor"]) == ("dashed", "default")
    assert active["cursor"] == "pointer"
