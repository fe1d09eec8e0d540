"""Thin Celery tasks: fetch by id, call a service. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.template.loader import render_to_string
from django.utils import translation

from cohorts.models import Enrolment, EnrolmentStatus


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_waitlist_promotion_email(enrolment_id: int) -> bool:
    from lms.services import email_send_once

    enrolment = (
        Enrolment.objects.select_related("user", "cohort__course")
        .filter(pk=enrolment_id, status=EnrolmentStatus.ACTIVE)
        .first()
    )
    if enrolment is None:  # left again or cancelled before the mail went out
        return False
    user = enrolment.user
    with translation.override(user.language or "en"):
        context = {"user": user, "cohort": enrolment.cohort}
        subject = render_to_string("cohorts/email/promoted_subject.txt", context).strip()
        body = render_to_string("cohorts/email/promoted_body.txt", context)
    return email_send_once(
        key=f"waitlist-promoted:{enrolment.pk}", to=user.email, subject=subject, body=body
    )


@shared_task
def complete_ended_cohorts() -> int:
    from cohorts.services import cohorts_complete_ended

    return cohorts_complete_ended()


@shared_task
def fill_freed_seats() -> int:
    """Catch-up for seats freed outside the services (e.g. capacity raised in bulk)."""
    from cohorts.services import waitlists_fill_all

    return waitlists_fill_all()


# The beat producers keep the names they had when notifications ran them: the beat
# schedule (lms.settings) and any message already queued call them by name.
@shared_task(name="notifications.tasks.module_unlocks")
def module_unlocks() -> int:
    from cohorts.notices import module_unlocks_produce

    return module_unlocks_produce()
