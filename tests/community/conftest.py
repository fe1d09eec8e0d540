"""Fixtures for the community tests.

The shared ``cohort`` (tests/conftest.py) is in its second week: modules 1 and 2 of the
4-module ``course`` are open, 3 and 4 still locked. Saving a cohort makes its spaces.
"""

from __future__ import annotations

import pytest

from community.access import community_member
from community.models import Space, SpaceKind
from tests.factories import EnrolmentFactory, UserFactory


def space_of(cohort, kind: str, *, module_number: int | None = None) -> Space:
    spaces = Space.objects.filter(cohort=cohort, kind=kind).select_related("module")
    if module_number is not None:
        spaces = spaces.filter(module__slug=f"module-{module_number}")
    return spaces.get()


def member_of(user, cohort):
    return community_member(user=user, cohort=cohort)


@pytest.fixture
def general(cohort):
    return space_of(cohort, SpaceKind.GENERAL)


@pytest.fixture
def introductions(cohort):
    return space_of(cohort, SpaceKind.INTRODUCTIONS)


@pytest.fixture
def announcements(cohort):
    return space_of(cohort, SpaceKind.ANNOUNCEMENTS)


@pytest.fixture
def open_module_space(cohort):
    return space_of(cohort, SpaceKind.MODULE, module_number=1)


@pytest.fixture
def locked_module_space(cohort):
    return space_of(cohort, SpaceKind.MODULE, module_number=3)


@pytest.fixture
def classmate(cohort):
    return EnrolmentFactory(cohort=cohort, user=UserFactory(username="bea")).user


@pytest.fixture
def member(enrolment):
    return member_of(enrolment.user, enrolment.cohort)
