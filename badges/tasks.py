"""Thin Celery tasks: fetch by id, call a service. Each is safe to run twice: awards
are enforced once by the database and emails by a sent-marker. Tasks are acknowledged
late (settings: CELERY_TASK_ACKS_LATE), so one lost with its worker runs again; the
nightly sweep catches events whose task never reached the broker."""

from __future__ import annotations

from celery import shared_task
from django.urls import reverse

# Students evaluated per task when a whole cohort is re-evaluated.
REEVALUATE_BATCH = 250


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def evaluate_student(cohort_id: int, user_id: int) -> int:
    from badges.services import awards_evaluate
    from cohorts.models import Cohort

    cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
    if cohort is None:
        return 0
    return len(awards_evaluate(cohort=cohort, user_ids=[user_id]))


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def reevaluate_cohort(cohort_id: int, after_enrolment_id: int = 0) -> int:
    """One batch of a cohort's students, then the next batch as its own task: a
    re-evaluation of a large cohort never holds one long transaction, and a worker lost
    halfway costs one batch, which runs again."""
    from badges.selectors import enrolment_batch
    from badges.services import awards_evaluate
    from cohorts.models import Cohort

    cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
    if cohort is None:
        return 0
    batch = enrolment_batch(cohort=cohort, after_id=after_enrolment_id, size=REEVALUATE_BATCH)
    awarded = awards_evaluate(cohort=cohort, enrolment_ids=batch) if batch else []
    if len(batch) == REEVALUATE_BATCH:
        reevaluate_cohort.delay(cohort_id, batch[-1])
    return len(awarded)


@shared_task
def sweep_running_cohorts() -> int:
    """Re-evaluate cohorts that are running or ended in the last two weeks."""
    from badges.selectors import cohorts_to_sweep

    cohort_ids = cohorts_to_sweep()
    for cohort_id in cohort_ids:
        reevaluate_cohort.delay(cohort_id)
    return len(cohort_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_award_email(award_id: int) -> bool:
    """Tell the recipient through notifications (their choice for badges applies); the
    email keeps the key it always had, so it goes out once."""
    from badges.models import Award
    from notifications.models import Kind
    from notifications.services import notify_user

    award = (
        Award.objects.select_related("badge_class", "cohort")
        .filter(pk=award_id, revoked_at__isnull=True)
        .first()
    )
    if award is None:
        return False
    return notify_user(
        kind=Kind.BADGE_AWARDED,
        key=f"badge-award:{award.uuid}",
        user_id=award.recipient_id,
        params={"badge": award.badge_class.name, "cohort": award.cohort.name, "note": award.note},
        url=reverse("badges:award", kwargs={"award_uuid": award.uuid}),
        email_now=True,
    )
