import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django.utils.html import escape

from live.models import Attendance, LiveSession, Rsvp
from notifications.models import Notification
from tests.assertions import unchanged
from tests.factories import EnrolmentFactory, UserFactory
from tests.live.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db


def test_the_calendar_page_shows_sessions_in_the_viewers_zone(client, cohort, session, enrolment):
    enrolment.user.timezone = "Asia/Tokyo"
    enrolment.user.save()
    client.force_login(enrolment.user)
    response = client.get(f"/learn/{cohort.pk}/sessions/")
    assert response.status_code == 200
    local = session.starts_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert local.strftime("%H:%M") in response.content.decode()
    assert "Asia/Tokyo" in response.content.decode()
    assert "m going</button>" in response.content.decode()


def test_the_join_button_is_active_only_from_ten_minutes_before(client, session, enrolment):
    client.force_login(enrolment.user)
    join_form = f'action="/learn/sessions/{session.pk}/join/"'
    with time_machine.travel(session.starts_at - dt.timedelta(minutes=11)):
        assert join_form not in client.get(f"/learn/sessions/{session.pk}/").content.decode()
        assert client.post(f"/learn/sessions/{session.pk}/join/").status_code == 409
    with time_machine.travel(session.starts_at - dt.timedelta(minutes=9)):
        assert join_form in client.get(f"/learn/sessions/{session.pk}/").content.decode()
        response = client.post(f"/learn/sessions/{session.pk}/join/")
    # A page that moves on to the meeting (a redirect would break the CSP's form-action).
    assert response.status_code == 200
    assert f'<meta http-equiv="refresh" content="0; url={session.join_url}">' in (
        response.content.decode()
    )
    assert f'href="{session.join_url}"' in response.content.decode()
    assert Attendance.objects.filter(user=enrolment.user).exists()


def test_rsvp_from_the_page(client, session, enrolment):
    client.force_login(enrolment.user)
    response = client.post(
        f"/learn/sessions/{session.pk}/rsvp/", {"going": "1", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/learn/sessions/{session.pk}/"
    assert Rsvp.objects.get().answer == "going"


def test_rsvp_to_a_full_session_shows_the_reason(client, cohort, enrolment):
    session = LiveSessionFactory(cohort=cohort, capacity=1)
    Rsvp.objects.create(session=session, user=EnrolmentFactory(cohort=cohort).user, answer="going")
    client.force_login(enrolment.user)
    response = client.post(f"/learn/sessions/{session.pk}/rsvp/", {"going": "1"})
    assert response.status_code == 409
    assert "full" in response.content.decode()


def test_past_sessions_list_their_recordings(client, cohort, enrolment):
    start = timezone.now() - dt.timedelta(days=2)
    LiveSessionFactory(
        cohort=cohort,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        recording_url="https://video.example.org/rec/7",
    )
    client.force_login(enrolment.user)
    body = client.get(f"/learn/{cohort.pk}/sessions/").content.decode()
    assert "Past sessions" in body
    assert "https://video.example.org/rec/7" in body


def test_instructor_plans_a_session_with_the_form(client, cohort, instructor):
    client.force_login(instructor)
    assert client.get(f"/learn/{cohort.pk}/sessions/new/").status_code == 200
    day = timezone.localdate() + dt.timedelta(days=2)
    response = client.post(
        f"/learn/{cohort.pk}/sessions/new/",
        {
            "title": "Show and tell",
            "day": day.isoformat(),
            "starts": "19:30",
            "ends": "21:00",
            "timezone": "Europe/Amsterdam",
            "join_url": "https://meet.jit.si/show",
            "rsvp_enabled": "on",
        },
    )
    session = LiveSession.objects.get()
    assert response.status_code == 302
    assert session.starts_at.astimezone(ZoneInfo("Europe/Amsterdam")).time() == dt.time(19, 30)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"join_url": "http://meet.jit.si/show"}, "https://"),
        ({"ends": "18:00"}, "must end after it starts"),
        ({"day": "2001-01-01"}, "within the cohort"),
    ],
)
def test_bad_form_input_comes_back_with_the_message(client, cohort, instructor, changes, message):
    client.force_login(instructor)
    data = {
        "title": "Show and tell",
        "day": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
        "starts": "19:30",
        "ends": "21:00",
        "timezone": "Europe/Amsterdam",
        "join_url": "https://meet.jit.si/show",
        **changes,
    }
    response = client.post(f"/learn/{cohort.pk}/sessions/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LiveSession.objects.exists()


def test_instructor_plans_a_weekly_series(client, cohort, instructor):
    client.force_login(instructor)
    response = client.post(
        f"/learn/{cohort.pk}/sessions/series/new/",
        {
            "title": "Thursday Q&A",
            "first_day": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "local_time": "19:30",
            "duration_minutes": "60",
            "weeks": "4",
            "timezone": "Europe/Amsterdam",
            "join_url": "https://zoom.us/j/1",
        },
    )
    assert response.status_code == 302
    assert LiveSession.objects.count() == 4


def test_edit_cancel_and_attendance_pages(client, cohort, instructor, session, enrolment):
    client.force_login(instructor)
    assert client.get(f"/learn/sessions/{session.pk}/edit/").status_code == 200
    assert client.get(f"/learn/sessions/{session.pk}/attendance/").status_code == 200
    response = client.post(
        f"/learn/sessions/{session.pk}/attendance/",
        {"user_id": enrolment.user_id, "attended": "1"},
    )
    assert response.status_code == 302
    assert Attendance.objects.get().attended
    assert client.get(f"/learn/{cohort.pk}/attendance/").status_code == 200
    response = client.post(f"/learn/sessions/{session.pk}/cancel/", {"reason": "Ill"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.is_cancelled


def test_students_cannot_reach_the_instructor_pages(client, cohort, session, enrolment):
    client.force_login(enrolment.user)
    for url in [
        f"/learn/{cohort.pk}/sessions/new/",
        f"/learn/sessions/{session.pk}/edit/",
        f"/learn/sessions/{session.pk}/attendance/",
        f"/learn/{cohort.pk}/attendance/",
    ]:
        assert client.get(url).status_code == 403, url


def test_students_posting_to_the_instructor_pages_are_refused_and_nothing_changes(
    client, cohort, session, enrolment
):
    client.force_login(enrolment.user)
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    session_form = {
        "title": "Mine now",
        "day": day,
        "starts": "19:30",
        "ends": "21:00",
        "timezone": "Europe/Amsterdam",
        "join_url": "https://meet.jit.si/mine",
    }
    posts = {
        f"/learn/{cohort.pk}/sessions/new/": session_form,
        f"/learn/{cohort.pk}/sessions/series/new/": {
            "title": "Mine weekly",
            "first_day": day,
            "local_time": "19:30",
            "duration_minutes": "60",
            "weeks": "4",
            "timezone": "Europe/Amsterdam",
            "join_url": "https://meet.jit.si/mine",
        },
        f"/learn/sessions/{session.pk}/edit/": session_form,
        f"/learn/sessions/{session.pk}/attendance/": {
            "user_id": enrolment.user_id,
            "attended": "1",
        },
        f"/learn/sessions/{session.pk}/cancel/": {"reason": "Mine"},
    }
    with unchanged(LiveSession, LiveSession.history.model, Attendance, Rsvp, Notification):
        for url, data in posts.items():
            assert client.post(url, data).status_code == 403, url


def test_strangers_get_404(client, session):
    client.force_login(UserFactory())
    assert client.get(f"/learn/sessions/{session.pk}/").status_code == 404
    assert client.get(f"/learn/{session.cohort_id}/sessions/").status_code == 404


def test_the_dashboard_lists_upcoming_sessions(client, cohort, session, enrolment):
    client.force_login(enrolment.user)
    body = client.get(f"/learn/{cohort.pk}/").content.decode()
    assert escape(session.title) in body


def test_my_calendar_page_shows_the_feed_address_and_rotates_it(client, student):
    client.force_login(student)
    first = client.get("/calendar/").context["feed_url"]
    assert client.post("/calendar/rotate/").status_code == 302
    second = client.get("/calendar/").context["feed_url"]
    assert first != second
    assert first.startswith("http://testserver/calendar/")
