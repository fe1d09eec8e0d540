"""Reads for the emails of peer review: who got reviews, feedback, grades, answers."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min

from assignments.models import CohortAssignment
from reviews.models import Grade, RegradeRequest, Review, ReviewKind, ReviewStatus


def reviews_assigned_at(
    *, run_id: int, at: dt.datetime, reviewer_id: int | None = None
) -> dict[int, dict]:
    """Reviewer id → {"count", "due_at", "assignment", "cohort"} for reviews handed out
    at moment ``at`` in a run and still to do."""
    rows = Review.objects.filter(
        submission__cohort_assignment_id=run_id,
        assigned_at=at,
        status=ReviewStatus.ASSIGNED,
        kind=ReviewKind.PEER,
    )
    if reviewer_id is not None:
        rows = rows.filter(reviewer_id=reviewer_id)
    run = CohortAssignment.objects.select_related("assignment", "cohort").filter(pk=run_id).first()
    if run is None:
        return {}
    result: dict[int, dict] = {}
    for reviewer, count, due_at in (
        rows.values("reviewer_id")
        .annotate(n=Count("pk"), due=Min("due_at"))
        .values_list("reviewer_id", "n", "due")
    ):
        result[reviewer] = {
            "count": count,
            "due_at": due_at,
            "assignment": run.assignment,
            "cohort": run.cohort,
        }
    return result


def review_for_email(*, review_id: int) -> Review | None:
    return (
        Review.objects.select_related(
            "submission__author",
            "submission__cohort_assignment__assignment",
            "submission__cohort_assignment__cohort",
        )
        .filter(pk=review_id, status=ReviewStatus.SUBMITTED)
        .first()
    )


def grade_for_email(*, grade_id: int) -> Grade | None:
    return (
        Grade.objects.select_related(
            "submission__author",
            "submission__cohort_assignment__assignment",
            "submission__cohort_assignment__cohort",
        )
        .filter(pk=grade_id, released_at__isnull=False)
        .first()
    )


def regrade_for_email(*, regrade_id: int) -> RegradeRequest | None:
    return (
        RegradeRequest.objects.select_related(
            "submission__author",
            "submission__cohort_assignment__assignment",
            "submission__cohort_assignment__cohort",
        )
        .filter(pk=regrade_id, status="answered")
        .first()
    )
