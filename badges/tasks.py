"""Thin Celery tasks: fetch by id, call a service. Each is safe to run twice: awards
are enforced once by the database, and each award's notification is written with it.
A cohort's re-evaluation is a row that each batch advances, so the resume sweep carries
on after a lost worker or message; the nightly sweep catches a student's event whose
evaluation never reached the broker."""

from __future__ import annotations

from celery import shared_task

# Students evaluated per task when a whole cohort is re-evaluated.
REEVALUATE_BATCH = 250


@shared_task
def evaluate_student(cohort_id: int, user_id: int) -> int:
    from badges.services import student_evaluate

    return student_evaluate(cohort_id=cohort_id, user_id=user_id)


@shared_task
def reevaluate_cohort(cohort_id: int, after_enrolment_id: int = 0) -> int:
    """One batch of the cohort's open re-evaluation, then the next batch as its own
    task: a large cohort never holds one long transaction, and a worker lost halfway
    costs one batch, which the resume sweep queues again. (``after_enrolment_id`` is
    read from the re-evaluation's row; the argument is kept for queued messages.)"""
    from badges.services import cohort_reevaluate_batch

    awarded, more = cohort_reevaluate_batch(cohort_id=cohort_id, size=REEVALUATE_BATCH)
    if more:
        reevaluate_cohort.delay(cohort_id)
    return awarded


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def sweep_running_cohorts() -> int:
    """Re-evaluate cohorts that are running or ended in the last two weeks."""
    from django.db import transaction

    from badges.selectors import cohorts_to_sweep
    from badges.services import cohort_reevaluation_request

    cohort_ids = cohorts_to_sweep()
    with transaction.atomic():
        for cohort_id in cohort_ids:
            cohort_reevaluation_request(cohort_id=cohort_id)
    return len(cohort_ids)


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def resume_reevaluations() -> int:
    from badges.services import reevaluations_resume

    return len(reevaluations_resume())


@shared_task
def send_award_email(award_id: int) -> bool:
    """Kept for messages queued before award notifications were written with the award
    itself: makes the notification if it is missing (once per key)."""
    from django.db import transaction

    from badges.models import Award
    from badges.services import award_notify

    award = (
        Award.objects.select_related("badge_class", "cohort")
        .filter(pk=award_id, revoked_at__isnull=True)
        .first()
    )
    if award is None:
        return False
    with transaction.atomic():
        award_notify(award=award)
    return True
