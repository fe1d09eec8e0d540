"""Fixtures for the cohort tests.

The shared ``cohort`` (tests/conftest.py) is in its second week: modules 1 and 2 of the
4-module ``course`` are open, modules 3 and 4 are still locked.
"""

import pytest

from cms.models import LessonPage, ModulePage
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page


def module_of(course, number: int) -> ModulePage:
    return ModulePage.objects.get(path__startswith=course.path, slug=f"module-{number}")


def lesson_of(course, module: int, number: int) -> LessonPage:
    return LessonPage.objects.get(path__startswith=course.path, slug=f"lesson-{module}-{number}")


@pytest.fixture
def open_module(course):
    return module_of(course, 1)


@pytest.fixture
def locked_module(course):
    return module_of(course, 3)


@pytest.fixture
def open_lesson(course):
    return lesson_of(course, 1, 1)


@pytest.fixture
def locked_lesson(course):
    return lesson_of(course, 3, 1)


@pytest.fixture
def other_cohort(db):
    """A cohort of another course, with a student of its own."""
    cohort = CohortFactory(course=course_page(title="Another course", modules=1, lessons=1))
    EnrolmentFactory(cohort=cohort, user=UserFactory(username="olga"))
    return cohort


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)
