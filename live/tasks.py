"""Thin Celery tasks: fetch by id, call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def notify_session_change(session_id: int, change: str, sequence: int) -> int:
    """Tell the attendees a session moved or was cancelled; once per change (the key
    holds the session's SEQUENCE), by email or digest as each of them chose."""
    from live.notices import session_changed_notify

    return session_changed_notify(session_id=session_id, change=change, sequence=sequence)


# The beat producers keep the names they had when notifications ran them: the beat
# schedule (lms.settings) and any message already queued call them by name.
@shared_task(name="notifications.tasks.session_reminders", autoretry_for=())
def session_reminders() -> int:
    from live.notices import session_reminders_produce

    return session_reminders_produce()
