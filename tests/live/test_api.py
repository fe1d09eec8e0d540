import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from live.models import Attendance, LiveSession, Rsvp
from notifications.models import Notification
from tests.assertions import unchanged
from tests.factories import EnrolmentFactory, UserFactory
from tests.live.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db


def _payload(**overrides):
    starts = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    data = {
        "title": "Workshop",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
        "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
        "capacity": 12,
    }
    data.update(overrides)
    return data


def test_instructor_creates_a_session(api, cohort, instructor):
    api.force_authenticate(instructor)
    response = api.post(f"/api/v1/cohorts/{cohort.pk}/sessions/", _payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Workshop"
    assert body["places_left"] == 12
    assert body["hosts"] == [{"id": instructor.pk, "name": instructor.get_display_name()}]
    assert body["ics_url"] == f"/api/v1/sessions/{body['id']}/ics/"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"join_url": "http://zoom.us/j/1"}, "join_url"),
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
        ({"starts_at": "2001-01-01T10:00:00Z", "ends_at": "2001-01-01T11:00:00Z"}, "starts_at"),
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"capacity": 0}, "capacity"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(api, cohort, instructor, overrides, field):
    api.force_authenticate(instructor)
    response = api.post(
        f"/api/v1/cohorts/{cohort.pk}/sessions/", _payload(**overrides), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"]
    assert field in body["errors"]
    assert not LiveSession.objects.exists()


def test_students_cannot_create_sessions(api, cohort, enrolment):
    api.force_authenticate(enrolment.user)
    with unchanged(LiveSession, Notification):
        response = api.post(f"/api/v1/cohorts/{cohort.pk}/sessions/", _payload(), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_instructor"


def test_a_weekly_series(api, cohort, instructor):
    api.force_authenticate(instructor)
    response = api.post(
        f"/api/v1/cohorts/{cohort.pk}/sessions/series/",
        {
            "title": "Q&A",
            "first_day": str(timezone.localdate() + dt.timedelta(days=1)),
            "local_time": "19:30",
            "duration_minutes": 60,
            "weeks": 4,
            "join_url": "https://meet.google.com/abc-defg-hij",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["sessions"]) == 4
    listing = api.get(f"/api/v1/cohorts/{cohort.pk}/sessions/").json()
    assert [s["title"] for s in listing] == ["Q&A"] * 4


def test_student_rsvps_and_full_or_cancelled_is_409(api, cohort, instructor, enrolment):
    session = LiveSessionFactory(cohort=cohort, capacity=1)
    api.force_authenticate(enrolment.user)
    response = api.put(f"/api/v1/sessions/{session.pk}/rsvp/", {"going": True}, format="json")
    assert response.status_code == 200
    assert response.json()["my_rsvp"] == "going"
    assert response.json()["places_left"] == 0
    other = EnrolmentFactory(cohort=cohort).user
    api.force_authenticate(other)
    response = api.put(f"/api/v1/sessions/{session.pk}/rsvp/", {"going": True}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "session_full"
    api.force_authenticate(instructor)
    assert api.post(f"/api/v1/sessions/{session.pk}/cancel/", {}, format="json").status_code == 200
    api.force_authenticate(enrolment.user)
    response = api.put(f"/api/v1/sessions/{session.pk}/rsvp/", {"going": False}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "session_cancelled"
    assert Rsvp.objects.count() == 1


def test_join_through_the_api_records_attendance(api, cohort, session, enrolment):
    api.force_authenticate(enrolment.user)
    with time_machine.travel(session.starts_at - dt.timedelta(minutes=30)):
        response = api.post(f"/api/v1/sessions/{session.pk}/join/")
        assert response.status_code == 409
        assert response.json()["code"] == "not_open_yet"
        assert api.get(f"/api/v1/sessions/{session.pk}/").json()["can_join"] is False
    with time_machine.travel(session.starts_at - dt.timedelta(minutes=5)):
        response = api.post(f"/api/v1/sessions/{session.pk}/join/")
        assert response.status_code == 200
        assert response.json() == {"join_url": session.join_url}
    assert Attendance.objects.filter(user=enrolment.user, session=session).exists()


def test_reschedule_and_recording_through_patch(api, instructor, session):
    api.force_authenticate(instructor)
    new_start = session.starts_at + dt.timedelta(hours=1)
    response = api.patch(
        f"/api/v1/sessions/{session.pk}/",
        {
            "starts_at": new_start.isoformat(),
            "ends_at": (new_start + dt.timedelta(hours=1)).isoformat(),
            "recording_url": "https://video.example.org/r/1",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["sequence"] == 1
    assert response.json()["recording_url"] == "https://video.example.org/r/1"


def test_staff_see_rsvps_and_attendance_and_correct_it(api, cohort, instructor, session, enrolment):
    api.force_authenticate(instructor)
    url = f"/api/v1/sessions/{session.pk}/attendance/{enrolment.user_id}/"
    assert api.put(url, {"attended": True}, format="json").json() == {"attended": True}
    body = api.get(f"/api/v1/sessions/{session.pk}/attendance/").json()
    assert body["attended"] == 1
    assert body["students"][0]["user_id"] == enrolment.user_id
    api.force_authenticate(enrolment.user)
    assert api.get(f"/api/v1/sessions/{session.pk}/attendance/").status_code == 403


def test_cohort_attendance_rate_over_time(api, cohort, instructor, enrolment):
    past = LiveSessionFactory(
        cohort=cohort,
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2) + dt.timedelta(hours=1),
    )
    Attendance.objects.create(session=past, user=enrolment.user, source="joined")
    api.force_authenticate(instructor)
    body = api.get(f"/api/v1/cohorts/{cohort.pk}/attendance/").json()
    assert body == [
        {
            "session_id": past.pk,
            "title": past.title,
            "starts_at": body[0]["starts_at"],
            "attended": 1,
            "students": 1,
            "percent": 100,
        }
    ]


def test_sessions_of_other_cohorts_are_404(api, session):
    api.force_authenticate(UserFactory())
    assert api.get(f"/api/v1/sessions/{session.pk}/").status_code == 404
    assert api.get(f"/api/v1/sessions/{10**30}/").status_code == 404
    assert api.get(f"/api/v1/sessions/{2**63}/").status_code == 404


def test_the_ics_download_through_the_api(api, session, enrolment):
    api.force_authenticate(enrolment.user)
    response = api.get(f"/api/v1/sessions/{session.pk}/ics/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_feed_address_and_rotation(api, student):
    api.force_authenticate(student)
    first = api.get("/api/v1/me/calendar-feed/").json()["url"]
    assert first == api.get("/api/v1/me/calendar-feed/").json()["url"]
    second = api.post("/api/v1/me/calendar-feed/rotate/").json()["url"]
    assert second != first
    api.force_authenticate(None)
    assert api.get(first).status_code == 404
    assert api.get(second).status_code == 200


def test_anonymous_requests_are_refused(api, session):
    assert api.get(f"/api/v1/sessions/{session.pk}/").status_code in (401, 403)
    assert api.get("/api/v1/me/calendar-feed/").status_code in (401, 403)
