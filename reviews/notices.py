"""What reviews tells people: reviews to write, feedback received, a grade released, a
regrade answered. Each is called inside the transaction that makes its fact, so the
notification exists exactly when the fact does; the delivery sends its email once."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from reviews.selectors import (
    grade_for_email,
    regrade_for_email,
    review_for_email,
    reviews_assigned_at,
)


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


def reviews_assigned_notify(*, run_id: int, at: dt.datetime, reviewer_id: int | None = None) -> int:
    """One notification per reviewer who got reviews at moment ``at`` in this run (or
    only ``reviewer_id``). A fixed number of queries whatever the number of reviewers."""
    from notifications.models import Kind
    from notifications.services import notify_each

    assigned = reviews_assigned_at(run_id=run_id, at=at, reviewer_id=reviewer_id)
    return notify_each(
        kind=Kind.REVIEWS_ASSIGNED,
        items=(
            (
                reviewer,
                f"reviews-assigned:{run_id}:{reviewer}:{at.isoformat()}",
                {
                    "assignment": info["assignment"].title,
                    "cohort": info["cohort"].name,
                    "timezone": info["cohort"].timezone,
                    "count": info["count"],
                    "due_at": info["due_at"].isoformat(),
                },
                reverse("reviews:my_reviews", kwargs={"cohort_id": info["cohort"].pk}),
            )
            for reviewer, info in assigned.items()
        ),
    )


def feedback_received_notify(*, review_id: int) -> bool:
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


def grade_released_notify(*, grade_id: int, change_id: int) -> bool:
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


def regrade_answered_notify(*, regrade_id: int) -> bool:
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
