"""Thin Celery tasks: fetch by id, call a service. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction


@shared_task
@transaction.atomic
def send_waitlist_promotion_email(enrolment_id: int) -> bool:
    """Kept for messages queued before the notification was written with the
    promotion: makes it if it is missing (once per key)."""
    from cohorts.notices import waitlist_promotion_notify

    return waitlist_promotion_notify(enrolment_id=enrolment_id)


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def complete_ended_cohorts() -> int:
    from cohorts.services import cohorts_complete_ended

    return cohorts_complete_ended()


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def fill_freed_seats() -> int:
    """Catch-up for seats freed outside the services (e.g. capacity raised in bulk)."""
    from cohorts.services import waitlists_fill_all

    return waitlists_fill_all()


# The beat producers keep the names they had when notifications ran them: the beat
# schedule (lms.settings) and any message already queued call them by name.
@shared_task(name="notifications.tasks.module_unlocks", autoretry_for=())
def module_unlocks() -> int:
    from cohorts.notices import module_unlocks_produce

    return module_unlocks_produce()
