"""Thin Celery tasks: fetch by id, call a service. The send_* tasks are kept for
messages queued before notifications were written with their facts; each makes its
notification if it is missing (once per key), so running one again is harmless."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction

from reviews import notices


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def review_tick() -> dict[str, int]:
    from reviews.services import review_tick as tick

    return tick()


@shared_task
def reassign_departed_reviews(cohort_id: int, user_id: int) -> int:
    """A student's seat ended: the reviews they owe go to present reviewers. Idempotent:
    a second run finds nothing owed."""
    from reviews.services import departed_reviews_reassign

    return departed_reviews_reassign(cohort_id=cohort_id, user_id=user_id)


@shared_task
@transaction.atomic
def send_reviews_assigned_emails(run_id: int, at: str, reviewer_id: int | None = None) -> int:
    return notices.reviews_assigned_notify(
        run_id=run_id, at=dt.datetime.fromisoformat(at), reviewer_id=reviewer_id
    )


@shared_task
@transaction.atomic
def send_feedback_received_email(review_id: int) -> bool:
    return notices.feedback_received_notify(review_id=review_id)


@shared_task
@transaction.atomic
def send_grade_released_email(grade_id: int, change_id: int) -> bool:
    return notices.grade_released_notify(grade_id=grade_id, change_id=change_id)


@shared_task
@transaction.atomic
def send_regrade_answered_email(regrade_id: int) -> bool:
    return notices.regrade_answered_notify(regrade_id=regrade_id)
