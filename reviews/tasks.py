"""Thin Celery tasks: fetch by id, call a service or send one email. Each email goes
out at most once (lms.services.email_send_once), so a retried task is harmless."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def _send(key: str, user, template: str, context: dict) -> bool:
    from lms.services import email_send_once

    with translation.override(user.language or "en"):
        context = {"user": user, "base_url": settings.WAGTAILADMIN_BASE_URL, **context}
        subject = render_to_string(f"reviews/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"reviews/email/{template}_body.txt", context)
    return email_send_once(key=key, to=user.email, subject=subject, body=body)


@shared_task
def review_tick() -> dict[str, int]:
    from reviews.services import review_tick as tick

    return tick()


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
        user = users[reviewer_id_]
        context = {
            **info,
            "url": reverse("reviews:my_reviews", kwargs={"cohort_id": info["cohort"].pk}),
        }
        sent += _send(f"reviews-assigned:{run_id}:{reviewer_id_}:{at}", user, "assigned", context)
    return sent


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_feedback_received_email(review_id: int) -> bool:
    from reviews.selectors import review_for_email

    review = review_for_email(review_id=review_id)
    if review is None:
        return False
    run = review.submission.cohort_assignment
    context = {
        "assignment": run.assignment,
        "cohort": run.cohort,
        "url": reverse(
            "assignments:detail",
            kwargs={"cohort_id": run.cohort_id, "assignment_id": run.assignment_id},
        ),
    }
    return _send(f"feedback:{review.pk}", review.submission.author, "feedback", context)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_grade_released_email(grade_id: int, change_id: int) -> bool:
    from reviews.selectors import grade_for_email

    grade = grade_for_email(grade_id=grade_id)
    if grade is None:
        return False
    run = grade.submission.cohort_assignment
    context = {
        "grade": grade,
        "assignment": run.assignment,
        "cohort": run.cohort,
        "url": reverse(
            "assignments:detail",
            kwargs={"cohort_id": run.cohort_id, "assignment_id": run.assignment_id},
        ),
    }
    return _send(f"grade:{grade.pk}:{change_id}", grade.submission.author, "grade", context)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_regrade_answered_email(regrade_id: int) -> bool:
    from reviews.selectors import regrade_for_email

    regrade = regrade_for_email(regrade_id=regrade_id)
    if regrade is None:
        return False
    run = regrade.submission.cohort_assignment
    context = {
        "regrade": regrade,
        "assignment": run.assignment,
        "cohort": run.cohort,
        "url": reverse(
            "assignments:detail",
            kwargs={"cohort_id": run.cohort_id, "assignment_id": run.assignment_id},
        ),
    }
    return _send(f"regrade:{regrade.pk}", regrade.submission.author, "regrade", context)
