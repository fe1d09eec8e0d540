"""Thin Celery tasks: fetch by id, call a service. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.urls import reverse

from cohorts.models import Enrolment, EnrolmentStatus


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_waitlist_promotion_email(enrolment_id: int) -> bool:
    """Tell the student the seat is theirs, through notifications (a kind that is always
    emailed); the email keeps the key it always had, so it goes out once."""
    from notifications.models import Kind
    from notifications.services import notify_user

    enrolment = (
        Enrolment.objects.select_related("cohort__course")
        .filter(pk=enrolment_id, status=EnrolmentStatus.ACTIVE)
        .first()
    )
    if enrolment is None:  # left again or cancelled before the mail went out
        return False
    cohort = enrolment.cohort
    return notify_user(
        kind=Kind.WAITLIST_PROMOTED,
        key=f"waitlist-promoted:{enrolment.pk}",
        user_id=enrolment.user_id,
        params={
            "cohort": cohort.name,
            "course": cohort.course.title,
            "starts_on": cohort.starts_on.isoformat(),
        },
        url=reverse("cohorts:dashboard", kwargs={"cohort_id": cohort.pk}),
        email_now=True,
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
