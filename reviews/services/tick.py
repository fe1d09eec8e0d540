"""The periodic tick: everything time moves forward."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from assignments.models import CohortAssignment
from assignments.selectors import AssignmentSlot, assignment_slot_get, assignment_slots
from assignments.services import cohort_assignment_get_or_create
from cohorts.models import Cohort, CohortStatus
from lms.errors import NotFound
from reviews.models import ReviewKind, ReviewStatus
from reviews.services.allocating import (
    overdue_reviews_reassign,
    peer_review_close,
    peer_reviews_allocate,
)
from reviews.services.grading import grades_release_due


def review_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Everything time moves forward: allocate at deadlines, reassign overdue reviews,
    close review periods, release scheduled grades. Each step is idempotent and runs in
    its own transaction per assignment, so a crash loses at most one step's work."""
    now = now or timezone.now()
    counts = {"allocated": 0, "reassigned": 0, "queued": 0, "released": 0}
    for run in _runs_due_for_allocation(now):
        counts["allocated"] += peer_reviews_allocate(run=run, now=now)
    overdue_runs = (
        CohortAssignment.objects.filter(
            closed_at__isnull=True,
            submissions__reviews__status=ReviewStatus.ASSIGNED,
            submissions__reviews__kind=ReviewKind.PEER,
            submissions__reviews__due_at__lte=now,
        )
        .distinct()
        .select_related("cohort__course")
    )
    for run in overdue_runs:
        counts["reassigned"] += overdue_reviews_reassign(run=run, now=now)
    for run in CohortAssignment.objects.filter(
        allocated_at__isnull=False, closed_at__isnull=True
    ).select_related("cohort__course"):
        slot = _slot_or_none(run, now)
        if slot is None or now >= slot.deadlines.review_closes_at:
            counts["queued"] += peer_review_close(run=run, now=now)
    counts["released"] = grades_release_due(now=now)
    return counts


def _slot_or_none(run: CohortAssignment, now: dt.datetime) -> AssignmentSlot | None:
    try:
        return assignment_slot_get(cohort=run.cohort, assignment_id=run.assignment_id, now=now)
    except NotFound:
        return None


def _runs_due_for_allocation(now: dt.datetime) -> list[CohortAssignment]:
    """Runs whose deadline has passed and that are not allocated yet, created on the
    way for assignments nobody has handed in to (so they close like the others)."""
    horizon = now.date() + dt.timedelta(days=1)
    recent = now.date() - dt.timedelta(days=120)
    cohorts = Cohort.objects.filter(
        status=CohortStatus.SCHEDULED, starts_on__lte=horizon, ends_on__gte=recent
    ).select_related("course")
    due: list[CohortAssignment] = []
    for cohort in cohorts:
        allocated = set(
            CohortAssignment.objects.filter(cohort=cohort, allocated_at__isnull=False).values_list(
                "assignment_id", flat=True
            )
        )
        for slot in assignment_slots(cohort=cohort, now=now):
            if slot.assignment.pk in allocated or now < slot.deadlines.due_at:
                continue
            due.append(cohort_assignment_get_or_create(cohort=cohort, assignment=slot.assignment))
    return due
