"""Thin Celery tasks for accounts: call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def send_account_email(*, kind: str, user_id: int, key: str) -> bool:
    from lms.services import account_email_send

    return account_email_send(kind=kind, user_id=user_id, key=key)


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def resume_activation_emails() -> int:
    from lms.services import activation_emails_resume

    return activation_emails_resume()
