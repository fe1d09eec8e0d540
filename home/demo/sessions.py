"""The demo's live sessions: a weekly Q&A with recordings, attendance and RSVPs."""

from __future__ import annotations

import datetime as dt

from live import services as live_services


def live_sessions(running, instructor, student, classmates, now, rng):
    """A weekly Thursday 19:30 Q&A for the whole term: the past ones with a
    recording, notes and who joined; the student going to the next one."""
    first = running.starts_on + dt.timedelta(days=(3 - running.starts_on.weekday()) % 7)
    series = live_services.series_create(
        cohort=running,
        by=instructor,
        title="Weekly Q&A",
        description="Bring your questions about this week's module.",
        first_day=first,
        local_time=dt.time(19, 30),
        duration_minutes=60,
        weeks=8,
        join_url="https://meet.jit.si/cohort-lms-demo-qa",
        capacity=40,
    )
    for session in series.sessions.order_by("starts_at"):
        if session.ends_at <= now:
            for person in [student, *classmates]:
                if person is student or rng.random() < 0.6:
                    live_services.session_join(
                        session=session,
                        user=person,
                        now=session.starts_at + dt.timedelta(minutes=rng.randint(-5, 10)),
                    )
            live_services.session_add_recording(
                session=session,
                by=instructor,
                recording_url=f"https://video.example.org/demo/qa-{session.pk}",
                notes="Questions on headings and scanning; slides are in the module.",
            )
        elif session.starts_at > now:
            live_services.rsvp_set(session=session, user=student, going=True)
            for person in classmates[:5]:
                live_services.rsvp_set(session=session, user=person, going=True)
            break
