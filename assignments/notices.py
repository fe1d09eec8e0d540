"""What assignments tells students through notifications: work due within 48 hours
that they have not handed in.

Run from beat (``tasks.assignments_due``). The key names the occasion (the due moment
included, so a moved deadline reminds again), so running it twice adds nothing; keys
are stored with the notifications already sent, so their form must not change.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from assignments.models import Submission
from assignments.selectors import assignment_slots
from cohorts.selectors import active_students, running_cohorts
from notifications.models import Kind
from notifications.services import notify

DUE_AHEAD = dt.timedelta(hours=48)


def assignments_due_produce(*, now: dt.datetime | None = None) -> int:
    """Students who have not handed in an assignment due within 48 hours."""
    now = now or timezone.now()
    made = 0
    for cohort in running_cohorts(now=now):
        for slot in assignment_slots(cohort=cohort, now=now):
            due = slot.deadlines.due_at
            if not (slot.is_open and now < due <= now + DUE_AHEAD):
                continue
            handed_in = Submission.objects.filter(
                cohort_assignment__cohort=cohort,
                cohort_assignment__assignment_id=slot.assignment.pk,
            ).values("author_id")
            made += notify(
                kind=Kind.ASSIGNMENT_DUE,
                key=f"{cohort.pk}:{slot.assignment.pk}:{due.isoformat()}",
                users=active_students(cohort_id=cohort.pk).exclude(pk__in=handed_in),
                params={
                    "assignment": slot.assignment.title,
                    "cohort": cohort.name,
                    "due_at": due.isoformat(),
                },
                url=reverse("assignments:detail", args=[cohort.pk, slot.assignment.pk]),
                now=now,
            )
    return made
