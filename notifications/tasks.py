"""Thin Celery tasks: call one service. Other apps call notifications.services, never
these.

The beat producers that find what is due (session reminders, modules that opened,
assignments due) run in the apps whose facts they report: live, cohorts and
assignments, each in its notices.py and tasks.py."""

from __future__ import annotations

from celery import shared_task


@shared_task
def deliver_pending() -> int:
    from notifications.services import pending_deliver

    return pending_deliver()


@shared_task
def send_digests() -> int:
    from notifications.services import digests_send

    return digests_send()


@shared_task
def send_marketing(mailing_list: str, key: str, subject: str, body: str) -> int:
    """A list email to everyone whose consent holds; safe to run again (each person
    once per key)."""
    from notifications.services import marketing_send

    return marketing_send(mailing_list=mailing_list, key=key, subject=subject, body=body)
