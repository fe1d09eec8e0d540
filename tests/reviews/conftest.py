"""Builders for review tests: a cohort whose first module holds an assignment, with N
active students who (optionally) handed in before the deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from assignments.models import CohortAssignment, Submission
from assignments.selectors import AssignmentSlot, assignment_slot_get
from assignments.services import submission_submit
from cms.models import AssignmentPage, ModulePage
from cohorts.models import Cohort
from lms.models import User
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    UserFactory,
    assignment_page,
    course_page,
)


@dataclass
class Scenario:
    cohort: Cohort
    assignment: AssignmentPage
    students: list[User]
    instructor: User

    @property
    def slot(self) -> AssignmentSlot:
        return assignment_slot_get(cohort=self.cohort, assignment_id=self.assignment.pk)

    @property
    def due_at(self) -> dt.datetime:
        return self.slot.deadlines.due_at

    @property
    def run(self) -> CohortAssignment:
        return CohortAssignment.objects.get(cohort=self.cohort, assignment=self.assignment)

    def submit(self, student: User, *, at: dt.datetime | None = None, text: str = "My essay."):
        at = at or self.due_at - dt.timedelta(hours=1)
        return submission_submit(
            cohort=self.cohort, assignment_id=self.assignment.pk, author=student, text=text, now=at
        )

    def submission_of(self, student: User) -> Submission:
        return Submission.objects.get(cohort_assignment__cohort=self.cohort, author=student)


def build_scenario(students: int, *, submit: bool = True, **assignment_fields) -> Scenario:
    course = course_page(modules=3, lessons=1)  # module 3 is still locked
    module = ModulePage.objects.get(path__startswith=course.path, slug="module-1")
    # The shared cohort is 8 days in: module 1 opened 8 days ago, so a deadline 10
    # days after the unlock is 2 days away.
    assignment_fields.setdefault("due_days", 10)
    assignment = assignment_page(module, **assignment_fields)
    cohort = CohortFactory(course=course, capacity=max(students, 1) + 5)
    instructor = UserFactory()
    cohort.instructors.add(instructor)
    users = [EnrolmentFactory(cohort=cohort).user for _ in range(students)]
    scenario = Scenario(cohort=cohort, assignment=assignment, students=users, instructor=instructor)
    if submit:
        for user in users:
            scenario.submit(user)
    return scenario


@pytest.fixture
def scenario_of(db):
    return build_scenario
