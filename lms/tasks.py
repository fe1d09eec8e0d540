"""Thin Celery tasks for accounts: call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def send_account_email(*, kind: str, user_id: int, key: str) -> bool:
    from lms.services import account_email_send

    return account_email_send(kind=kind, user_id=user_id, key=key)
