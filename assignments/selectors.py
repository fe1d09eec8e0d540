"""Reads for assignments: where each sits in a cohort's schedule, submissions and their
versions, and who may read a submitted file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from assignments.deadlines import Deadlines, deadlines_for
from assignments.models import CohortAssignment, Submission, SubmissionVersion
from cms.models import AssignmentPage
from cohorts import schedule
from cohorts.models import Cohort, Enrolment
from cohorts.selectors import CohortAccess, ModuleSlot, cohort_schedule
from lms.errors import NotFound
from lms.models import User

STEPLEN = Page.steplen


@dataclass(frozen=True)
class AssignmentSlot:
    """An assignment as a cohort sees it: its module's unlock and its deadlines."""

    assignment: AssignmentPage
    module: ModuleSlot
    deadlines: Deadlines

    @property
    def is_open(self) -> bool:
        return self.module.is_unlocked

    def accepts_work(self, now: dt.datetime) -> bool:
        return self.is_open and self.deadlines.accepts_work(now)

    def accepts_revisions(self, now: dt.datetime) -> bool:
        return self.is_open and now < self.deadlines.due_at


def _slots(
    cohort: Cohort, assignments: QuerySet, now: dt.datetime, enrolment: Enrolment | None = None
) -> list[AssignmentSlot]:
    """Deadlines count from the module's unlock: on the cohort's calendar, or (given
    ``enrolment``) a self-paced member's own, in the member's zone."""
    modules = {
        slot.module.path: slot
        for slot in cohort_schedule(cohort=cohort, now=now, enrolment=enrolment)
    }
    tz_name = schedule.basis(cohort, enrolment, now=now).timezone
    result = []
    for assignment in assignments.order_by("path"):
        module = modules.get(assignment.path[:-STEPLEN])
        if module is None:  # under an unpublished module: not part of the course for now
            continue
        result.append(
            AssignmentSlot(
                assignment=assignment,
                module=module,
                deadlines=deadlines_for(
                    assignment=assignment, unlocks_at=module.unlocks_at, tz_name=tz_name
                ),
            )
        )
    return result


def assignment_slots(
    *, cohort: Cohort, now: dt.datetime | None = None, enrolment: Enrolment | None = None
) -> list[AssignmentSlot]:
    """Every live assignment of the cohort's course, in curriculum order, for the
    cohort or (``enrolment``) one student's schedule. 3 queries."""
    live = AssignmentPage.objects.live().filter(path__startswith=cohort.course.path)
    return _slots(cohort, live, now or timezone.now(), enrolment)


def assignment_slot_get(
    *,
    cohort: Cohort,
    assignment_id: int,
    now: dt.datetime | None = None,
    enrolment: Enrolment | None = None,
) -> AssignmentSlot:
    live = AssignmentPage.objects.live().filter(
        pk=assignment_id, path__startswith=cohort.course.path
    )
    slots = _slots(cohort, live, now or timezone.now(), enrolment)
    if not slots:
        raise NotFound(_("This course has no assignment with that id."), code="not_found")
    return slots[0]


def my_submission(*, cohort_assignment: CohortAssignment | None, user: User) -> Submission | None:
    """The user's submission with every version, newest first. 2 queries."""
    if cohort_assignment is None or not user.is_authenticated:
        return None
    return (
        Submission.objects.filter(cohort_assignment=cohort_assignment, author=user)
        .prefetch_related(
            Prefetch("versions", queryset=SubmissionVersion.objects.order_by("-number"))
        )
        .first()
    )


@dataclass(frozen=True)
class SubmissionFileTypes:
    """The file types students may hand in, split by what peer reviewers get: a copy
    without document metadata (``shared``), or nothing (``withheld``)."""

    shared: list[str]
    withheld: list[str]


def submission_file_types() -> SubmissionFileTypes:
    from assignments.anonymise import CLEANABLE

    accepted = [e.strip().lower() for e in settings.LMS_SUBMISSION_EXTENSIONS if e.strip()]
    return SubmissionFileTypes(
        shared=[e for e in accepted if e in CLEANABLE],
        withheld=[e for e in accepted if e not in CLEANABLE],
    )


def version_file_get(
    *, user: User, cohort_id: int, submission_id: int, number: int
) -> tuple[SubmissionVersion, str]:
    """A version's file for its author or the cohort's instructors, under its own name."""
    from cohorts.selectors import cohort_access, cohort_get

    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    version = (
        SubmissionVersion.objects.select_related("submission")
        .filter(
            submission_id=submission_id,
            number=number,
            submission__cohort_assignment__cohort=cohort,
        )
        .exclude(file="")
        .first()
    )
    if version is None or not (access.reads_locked or version.submission.author_id == user.pk):
        raise NotFound(_("There is no file with that address."))
    return version, version.file_name or f"submission.{version.file_extension or 'bin'}"


# --- Pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentListItem:
    slot: AssignmentSlot
    submission: Submission | None


@dataclass(frozen=True)
class AssignmentList:
    cohort: Cohort
    access: CohortAccess
    items: list[AssignmentListItem]


def assignment_list_get(
    *, cohort_id: int, user: User, now: dt.datetime | None = None
) -> AssignmentList:
    """A cohort's assignments in curriculum order with the viewer's own submission of
    each. 4 queries after the access check, whatever the number of assignments."""
    from cohorts.selectors import cohort_access, cohort_get

    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    slots = assignment_slots(cohort=cohort, now=now, enrolment=access.enrolment)
    mine = {
        s.cohort_assignment.assignment_id: s
        for s in Submission.objects.filter(
            cohort_assignment__cohort=cohort, author=user
        ).select_related("cohort_assignment")
    }
    return AssignmentList(
        cohort=cohort,
        access=access,
        items=[AssignmentListItem(slot=s, submission=mine.get(s.assignment.pk)) for s in slots],
    )


def my_submission_get(*, cohort_id: int, submission_id: int, user: User) -> Submission:
    """One of the user's own submissions in a cohort; anybody else's does not exist."""
    submission = (
        Submission.objects.select_related("cohort_assignment")
        .filter(pk=submission_id, author=user, cohort_assignment__cohort_id=cohort_id)
        .first()
        if user.is_authenticated
        else None
    )
    if submission is None:
        raise NotFound(_("You have no submission with that id."))
    return submission
