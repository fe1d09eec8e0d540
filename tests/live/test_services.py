import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from live import services
from live.models import Attendance, LiveSession, Rsvp, RsvpAnswer, SessionSeries
from live.notices import session_changed_notify
from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from notifications.services import pending_deliver
from tests.factories import EnrolmentFactory, UserFactory
from tests.live.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db


def _plan(cohort, by, **overrides):
    starts = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    values = {
        "title": "Show and tell",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(minutes=90),
        "join_url": "https://zoom.us/j/123456",
    }
    values.update(overrides)
    return services.session_create(cohort=cohort, by=by, **values)


def test_instructor_plans_a_session_hosted_by_them(cohort, instructor):
    session = _plan(cohort, instructor, capacity=10)
    assert session.timezone == cohort.timezone
    assert list(session.hosts.all()) == [instructor]
    assert session.sequence == 0


def test_students_cannot_plan_sessions(cohort, enrolment):
    with pytest.raises(NotAllowed):
        _plan(cohort, enrolment.user)
    assert not LiveSession.objects.exists()


def test_strangers_do_not_see_the_cohort(cohort):
    with pytest.raises(NotFound):
        _plan(cohort, UserFactory())


@pytest.mark.parametrize(
    "link",
    [
        "http://zoom.us/j/1",
        "javascript:alert(1)",
        "zoom.us/j/1",
        "ftp://example.org/x",
        "https:///nohost",
        "",
    ],
)
def test_a_join_link_must_be_https(cohort, instructor, link):
    with pytest.raises(ValidationFailed) as exc:
        _plan(cohort, instructor, join_url=link)
    assert exc.value.field == "join_url"
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize(
    "link",
    [
        "https://zoom.us/j/123",
        "https://meet.google.com/abc-defg-hij",
        "https://meet.jit.si/room",
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
        "https://video.example.org:8443/room?pwd=x",
    ],
)
def test_any_https_meeting_link_is_accepted(cohort, instructor, link):
    assert _plan(cohort, instructor, join_url=link).join_url == link


def test_an_end_before_the_start_is_refused(cohort, instructor):
    starts = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ValidationFailed) as exc:
        _plan(cohort, instructor, starts_at=starts, ends_at=starts - dt.timedelta(minutes=1))
    assert exc.value.field == "ends_at"
    with pytest.raises(ValidationFailed):
        _plan(cohort, instructor, starts_at=starts, ends_at=starts)
    assert not LiveSession.objects.exists()


def test_a_session_outside_the_term_is_refused(cohort, instructor):
    after = dt.datetime.combine(
        cohort.ends_on + dt.timedelta(days=1), dt.time(19), tzinfo=ZoneInfo(cohort.timezone)
    )
    with pytest.raises(ValidationFailed) as exc:
        _plan(cohort, instructor, starts_at=after, ends_at=after + dt.timedelta(hours=1))
    assert exc.value.code == "outside_term"
    before = dt.datetime.combine(
        cohort.starts_on - dt.timedelta(days=1), dt.time(19), tzinfo=ZoneInfo(cohort.timezone)
    )
    with pytest.raises(ValidationFailed):
        _plan(cohort, instructor, starts_at=before, ends_at=before + dt.timedelta(hours=1))
    assert not LiveSession.objects.exists()


def test_an_unknown_timezone_is_refused(cohort, instructor):
    with pytest.raises(ValidationFailed) as exc:
        _plan(cohort, instructor, timezone_name="Mars/Olympus")
    assert exc.value.field == "timezone"


def test_a_weekly_series_keeps_its_local_time_across_daylight_saving(cohort, instructor):
    # A term around the end of summer time in Europe (last Sunday of October).
    cohort.starts_on = dt.date(2031, 10, 1)
    cohort.ends_on = dt.date(2031, 11, 30)
    cohort.enrolment_opens_at = dt.datetime(2031, 9, 1, tzinfo=dt.UTC)
    cohort.enrolment_closes_at = dt.datetime(2031, 10, 2, tzinfo=dt.UTC)
    cohort.save()
    series = services.series_create(
        cohort=cohort,
        by=instructor,
        title="Thursday Q&A",
        first_day=dt.date(2031, 10, 2),
        local_time=dt.time(19, 30),
        duration_minutes=60,
        weeks=8,
        join_url="https://meet.jit.si/q-and-a",
    )
    sessions = list(series.sessions.order_by("starts_at"))
    assert len(sessions) == 8
    zone = ZoneInfo("Europe/Amsterdam")
    assert {s.starts_at.astimezone(zone).time() for s in sessions} == {dt.time(19, 30)}
    assert {s.starts_at.astimezone(zone).weekday() for s in sessions} == {3}
    assert {s.starts_at.astimezone(dt.UTC).hour for s in sessions} == {17, 18}
    assert len({s.uid for s in sessions}) == 8


def test_a_series_running_past_the_term_writes_nothing(cohort, instructor):
    with pytest.raises(ValidationFailed):
        services.series_create(
            cohort=cohort,
            by=instructor,
            title="Too long",
            first_day=timezone.localdate() + dt.timedelta(days=1),
            local_time=dt.time(19, 30),
            duration_minutes=60,
            weeks=20,
            join_url="https://meet.jit.si/q-and-a",
        )
    assert not LiveSession.objects.exists()
    assert not SessionSeries.objects.exists()


def test_a_series_from_the_first_day_of_year_one_is_outside_the_term_not_a_crash(
    cohort, instructor
):
    # Midnight of 1 January of year 1 in Amsterdam is before the first UTC moment.
    with pytest.raises(ValidationFailed) as exc:
        services.series_create(
            cohort=cohort,
            by=instructor,
            title="Long ago",
            first_day=dt.date(1, 1, 1),
            local_time=dt.time(0, 0),
            duration_minutes=60,
            weeks=1,
            join_url="https://meet.jit.si/q-and-a",
        )
    assert (exc.value.code, exc.value.field) == ("outside_term", "first_day")
    assert not SessionSeries.objects.exists()


def test_each_occurrence_of_a_series_is_edited_on_its_own(cohort, instructor):
    series = services.series_create(
        cohort=cohort,
        by=instructor,
        title="Q&A",
        first_day=timezone.localdate() + dt.timedelta(days=1),
        local_time=dt.time(19, 30),
        duration_minutes=60,
        weeks=3,
        join_url="https://meet.jit.si/q-and-a",
    )
    first, second, _third = series.sessions.order_by("starts_at")
    services.session_update(session=second, by=instructor, title="Q&A with a guest")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.title == "Q&A"
    assert second.title == "Q&A with a guest"


def test_reschedule_raises_the_sequence_and_emails_attendees_once(
    cohort, instructor, session, django_capture_on_commit_callbacks
):
    session.hosts.add(instructor)
    going = EnrolmentFactory(cohort=cohort).user
    declined = EnrolmentFactory(cohort=cohort).user
    Rsvp.objects.create(session=session, user=declined, answer=RsvpAnswer.NOT_GOING)
    new_start = session.starts_at + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        updated = services.session_update(
            session=session,
            by=instructor,
            starts_at=new_start,
            ends_at=new_start + dt.timedelta(hours=1),
        )
    assert updated.sequence == 1
    recipients = {m.to[0] for m in mail.outbox}
    assert going.email in recipients
    assert instructor.email in recipients
    assert declined.email not in recipients
    assert all("New time" in m.subject for m in mail.outbox)
    # The task run again (a retry) sends nothing more.
    count = len(mail.outbox)
    session_changed_notify(session_id=session.pk, change="rescheduled", sequence=1)
    assert pending_deliver() == 0
    assert len(mail.outbox) == count


def test_the_email_shows_the_time_in_the_recipients_zone_and_language(
    cohort, instructor, session, django_capture_on_commit_callbacks
):
    student = EnrolmentFactory(
        cohort=cohort, user=UserFactory(timezone="America/New_York", language="nl")
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, by=instructor)
    message = next(m for m in mail.outbox if m.to == [student.email])
    local = session.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert local.strftime("%H:%M") in message.body
    assert "America/New_York" in message.body


def test_cancel_keeps_the_session_and_refuses_a_second_cancel(cohort, instructor, session):
    cancelled = services.session_cancel(session=session, by=instructor, reason="Sick, sorry")
    assert cancelled.is_cancelled
    assert cancelled.sequence == 1
    assert LiveSession.objects.filter(pk=session.pk).exists()
    with pytest.raises(Conflict):
        services.session_cancel(session=cancelled, by=instructor)


def test_recording_and_notes_after_the_session(cohort, instructor, session):
    with time_machine.travel(session.ends_at + dt.timedelta(hours=1)):
        services.session_add_recording(
            session=session,
            by=instructor,
            recording_url="https://video.example.org/rec/1",
            notes="Slides are in module 2.",
        )
    session.refresh_from_db()
    assert session.recording_url == "https://video.example.org/rec/1"
    with pytest.raises(ValidationFailed):
        services.session_add_recording(
            session=session, by=instructor, recording_url="http://insecure.example.org/x"
        )


def test_rsvp_to_a_full_session_is_refused(cohort, instructor):
    session = LiveSessionFactory(cohort=cohort, capacity=1)
    first, second = EnrolmentFactory(cohort=cohort).user, EnrolmentFactory(cohort=cohort).user
    services.rsvp_set(session=session, user=first, going=True)
    with pytest.raises(Conflict) as exc:
        services.rsvp_set(session=session, user=second, going=True)
    assert exc.value.code == "session_full"
    assert not Rsvp.objects.filter(user=second).exists()
    # Saying no is always possible, and frees the place.
    services.rsvp_set(session=session, user=first, going=False)
    services.rsvp_set(session=session, user=second, going=True)


def test_rsvp_to_a_cancelled_session_is_refused(cohort, instructor, session, enrolment):
    services.session_cancel(session=session, by=instructor)
    with pytest.raises(Conflict) as exc:
        services.rsvp_set(session=session, user=enrolment.user, going=True)
    assert exc.value.code == "session_cancelled"
    assert not Rsvp.objects.exists()


def test_rsvp_twice_keeps_one_answer(session, enrolment):
    services.rsvp_set(session=session, user=enrolment.user, going=True)
    services.rsvp_set(session=session, user=enrolment.user, going=True)
    assert Rsvp.objects.filter(session=session).count() == 1


def test_capacity_cannot_drop_below_the_people_going(cohort, instructor, session):
    for _ in range(2):
        services.rsvp_set(session=session, user=EnrolmentFactory(cohort=cohort).user, going=True)
    with pytest.raises(ValidationFailed) as exc:
        services.session_update(session=session, by=instructor, capacity=1)
    assert exc.value.field == "capacity"


def test_join_opens_ten_minutes_before_the_start_and_records_attendance(session, enrolment):
    with (
        time_machine.travel(session.starts_at - dt.timedelta(minutes=11)),
        pytest.raises(Conflict) as exc,
    ):
        services.session_join(session=session, user=enrolment.user)
    assert exc.value.code == "not_open_yet"
    assert not Attendance.objects.exists()
    with time_machine.travel(session.starts_at - dt.timedelta(minutes=10)):
        assert services.session_join(session=session, user=enrolment.user) == session.join_url
    with time_machine.travel(session.starts_at + dt.timedelta(minutes=5)):
        services.session_join(session=session, user=enrolment.user)
    row = Attendance.objects.get()
    assert row.attended
    assert row.first_joined_at == session.starts_at - dt.timedelta(minutes=10)
    with time_machine.travel(session.ends_at), pytest.raises(Conflict):
        services.session_join(session=session, user=enrolment.user)


def test_instructor_corrects_attendance(session, instructor, enrolment):
    services.attendance_set(
        session=session, by=instructor, user_id=enrolment.user_id, attended=True
    )
    services.attendance_set(
        session=session, by=instructor, user_id=enrolment.user_id, attended=False
    )
    assert not Attendance.objects.get().attended
    with pytest.raises(NotFound):
        services.attendance_set(
            session=session, by=instructor, user_id=UserFactory().pk, attended=True
        )
    with pytest.raises(NotAllowed):
        services.attendance_set(
            session=session, by=enrolment.user, user_id=enrolment.user_id, attended=True
        )


def test_feed_token_rotation_revokes_the_old_token(student):
    first = services.feed_token_get_or_create(user=student)
    assert services.feed_token_get_or_create(user=student) == first
    second = services.feed_token_rotate(user=student)
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.token != first.token
    assert second.revoked_at is None
