"""Thin Celery tasks: call one service. Other apps call notifications.services, never
these."""

from __future__ import annotations

from celery import shared_task


@shared_task
def session_reminders() -> int:
    from notifications.producers import session_reminders_produce

    return session_reminders_produce()


@shared_task
def module_unlocks() -> int:
    from notifications.producers import module_unlocks_produce

    return module_unlocks_produce()


@shared_task
def assignments_due() -> int:
    from notifications.producers import assignments_due_produce

    return assignments_due_produce()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_pending() -> int:
    from notifications.services import pending_deliver

    return pending_deliver()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_digests() -> int:
    from notifications.services import digests_send

    return digests_send()
