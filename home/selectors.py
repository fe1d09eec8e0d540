"""Reads for the pages that show several apps at once. Each takes the cohort's own part
from ``cohorts.selectors`` and adds what the apps above it know."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from assignments.selectors import AssignmentSlot, assignment_slots
from badges.models import Award
from badges.selectors import cohort_awards_of
from cohorts.selectors import Dashboard, ModuleView, dashboard_get, module_view_get
from community.models import Space
from community.selectors import hello_due
from live.selectors import SessionItem, upcoming_sessions
from lms.models import User
from reviews.selectors import StudentWork, student_work_get

# Live sessions shown on a cohort's dashboard; the calendar page lists them all.
DASHBOARD_SESSIONS = 3


@dataclass(frozen=True)
class CohortDashboard:
    board: Dashboard
    # The student's part; None and empty for instructors and staff.
    work: StudentWork | None
    badges: list[Award]
    sessions: list[SessionItem]
    # The cohort's introductions space while the student has not said hello there.
    hello: Space | None = None


def cohort_dashboard_get(
    *, cohort_id: int, user: User, now: dt.datetime | None = None
) -> CohortDashboard:
    """A cohort's dashboard: progress, the student's assignment work and badges, the
    next live sessions and the community's "say hello". Access is the cohort's
    (``dashboard_get`` raises first)."""
    now = now or timezone.now()
    board = dashboard_get(cohort_id=cohort_id, user=user, now=now)
    student = board.access.enrolment is not None
    return CohortDashboard(
        board=board,
        work=student_work_get(
            cohort=board.cohort, user=user, now=now, enrolment=board.access.enrolment
        )
        if student
        else None,
        badges=cohort_awards_of(cohort=board.cohort, user=user) if student else [],
        sessions=upcoming_sessions(
            user=user, cohort=board.cohort, now=now, limit=DASHBOARD_SESSIONS
        ),
        hello=next(
            (s for s in hello_due(user=user, now=now) if s.cohort_id == board.cohort.pk), None
        )
        if student
        else None,
    )


@dataclass(frozen=True)
class CohortModulePage:
    view: ModuleView
    assignments: list[AssignmentSlot]


def module_page_get(*, cohort_id: int, module_id: int, user: User) -> CohortModulePage:
    """A module with its lessons and, once readable, its assignments. A locked module
    shows its title and unlock moment only: no assignments either."""
    view = module_view_get(cohort_id=cohort_id, module_id=module_id, user=user)
    assignments = (
        [
            s
            for s in assignment_slots(cohort=view.cohort, enrolment=view.access.enrolment)
            if s.module.module.pk == module_id
        ]
        if view.readable
        else []
    )
    return CohortModulePage(view=view, assignments=assignments)
