"""Thin Celery tasks: fetch by id, call a service or make one notification. Each
notification exists once per key (notifications.services), and its email goes out at
most once, so a retried task is harmless."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.urls import reverse


def _notify(kind: str, key: str, user, params: dict, url: str) -> bool:
    """Through the notification system: the student's choice per kind (immediately,
    daily digest, off) applies, and the key keeps it to once."""
    from notifications.services import notify_user

    return notify_user(kind=kind, key=key, user_id=user.pk, params=params, url=url)


def _assignment_facts(run) -> dict:
    return {
        "assignment": run.assignment.title,
        "cohort": run.cohort.name,
        "timezone": run.cohort.timezone,
    }


@shared_task
def review_tick() -> dict[str, int]:
    from reviews.services import review_tick as tick

    return tick()


@shared_task(acks_late=True)
def reassign_departed_reviews(cohort_id: int, user_id: int) -> int:
    """A student's seat ended: the reviews they owe go to present reviewers. Idempotent:
    a second run finds nothing owed."""
    from reviews.services import departed_reviews_reassign

    return departed_reviews_reassign(cohort_id=cohort_id, user_id=user_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_reviews_assigned_emails(run_id: int, at: str, reviewer_id: int | None = None) -> int:
    """One email per reviewer who got reviews at moment ``at`` in this run."""
    from lms.models import User
    from reviews.selectors import reviews_assigned_at

    assigned = reviews_assigned_at(
        run_id=run_id, at=dt.datetime.fromisoformat(at), reviewer_id=reviewer_id
    )
    users = User.objects.in_bulk(list(assigned))
    sent = 0
    for reviewer_id_, info in assigned.items():
        params = {
            "assignment": info["assignment"].title,
            "cohort": info["cohort"].name,
            "timezone": info["cohort"].timezone,
            "count": info["count"],
            "due_at": info["due_at"].isoformat(),
        }
        sent += _notify(
            "reviews_assigned",
            f"reviews-assigned:{run_id}:{reviewer_id_}:{at}",
            users[reviewer_id_],
            params,
            reverse("reviews:my_reviews", kwargs={"cohort_id": info["cohort"].pk}),
        )
    return sent


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_feedback_received_email(review_id: int) -> bool:
    from reviews.selectors import review_for_email

    review = review_for_email(review_id=review_id)
    if review is None:
        return False
    run = review.submission.cohort_assignment
    return _notify(
        "feedback_received",
        f"feedback:{review.pk}",
        review.submission.author,
        _assignment_facts(run),
        _assignment_url(run),
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_grade_released_email(grade_id: int, change_id: int) -> bool:
    from reviews.selectors import grade_for_email

    grade = grade_for_email(grade_id=grade_id)
    if grade is None:
        return False
    run = grade.submission.cohort_assignment
    params = {
        **_assignment_facts(run),
        "percent": str(grade.final_percent),
        "late_penalty_percent": grade.late_penalty_percent,
    }
    return _notify(
        "grade_released",
        f"grade:{grade.pk}:{change_id}",
        grade.submission.author,
        params,
        _assignment_url(run),
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_regrade_answered_email(regrade_id: int) -> bool:
    from reviews.selectors import regrade_for_email

    regrade = regrade_for_email(regrade_id=regrade_id)
    if regrade is None:
        return False
    run = regrade.submission.cohort_assignment
    return _notify(
        "regrade_answered",
        f"regrade:{regrade.pk}",
        regrade.submission.author,
        {**_assignment_facts(run), "answer": regrade.answer},
        _assignment_url(run),
    )


def _assignment_url(run) -> str:
    return reverse(
        "assignments:detail",
        kwargs={"cohort_id": run.cohort_id, "assignment_id": run.assignment_id},
    )
