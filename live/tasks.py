"""Thin Celery tasks: fetch by id, call a service or send one email. Each email goes
out at most once (lms.services.email_send_once), so a retried task is harmless."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_session_change_emails(session_id: int, kind: str, sequence: int) -> int:
    from live.services import session_change_emails_send

    return session_change_emails_send(session_id=session_id, kind=kind, sequence=sequence)
