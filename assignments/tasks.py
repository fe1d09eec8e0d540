"""Thin Celery tasks: call one service. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task


# The beat producers keep the names they had when notifications ran them: the beat
# schedule (lms.settings) and any message already queued call them by name.
@shared_task(name="notifications.tasks.assignments_due", autoretry_for=())
def assignments_due() -> int:
    from assignments.notices import assignments_due_produce

    return assignments_due_produce()
