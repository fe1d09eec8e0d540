"""A student RSVPs to a live session and joins it — in a real browser on a phone-sized
screen."""

import datetime as dt

import pytest
from django.utils import timezone

from live.models import Attendance, Rsvp
from tests.browser.test_walkthrough import _artifacts, login
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page
from tests.live.factories import LiveSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_student_rsvps_and_joins_a_session_on_a_phone(live_server, page):
    cohort = CohortFactory(course=course_page(modules=2, lessons=1))
    student = UserFactory(username="student", timezone="Asia/Tokyo")
    EnrolmentFactory(cohort=cohort, user=student)
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    session = LiveSessionFactory(
        cohort=cohort,
        title="Thursday Q&A",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        join_url="https://meet.example.org/thursday-qa",
    )
    # The meeting itself is outside the platform: answer it locally.
    page.route(
        "https://meet.example.org/**",
        lambda route: route.fulfill(
            status=200, body="<h1>Meeting room</h1>", content_type="text/html"
        ),
    )
    base = live_server.url

    login(page, base, "/accounts/login/", "student")
    page.goto(f"{base}/learn/{cohort.pk}/")
    live = page.locator("section[aria-labelledby=live-heading]")
    assert "Thursday Q&A" in live.inner_text()
    local = starts.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert local.strftime("%H:%M") in live.inner_text()  # shown in the student's zone

    live.get_by_role("button", name="I'm going").click()
    assert Rsvp.objects.get(session=session, user=student).answer == "going"
    assert "Going" in page.locator("section[aria-labelledby=live-heading]").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the dashboard scrolls sideways on a phone"
    page.screenshot(path=str(_artifacts() / "live-session-phone.png"), full_page=True)

    page.locator("section[aria-labelledby=live-heading]").get_by_role("button", name="Join").click()
    page.wait_for_url("https://meet.example.org/thursday-qa")
    assert "Meeting room" in page.content()
    assert Attendance.objects.filter(session=session, user=student, attended=True).exists()
