"""Races in awarding, on PostgreSQL with real concurrent connections: whatever runs at
the same moment, a student holds a badge once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from badges import services
from badges.models import Award, BadgeClass
from cms.models import LessonPage
from cohorts.models import LessonCompletion
from lms.errors import Conflict
from tests.badges.factories import badge_class
from tests.concurrency import race
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_ten_evaluations_of_the_same_event_at_once_award_the_badge_once():
    course = course_page(modules=1, lessons=2)
    cohort = CohortFactory(course=course)
    enrolment = EnrolmentFactory(cohort=cohort)
    badge = BadgeClass.objects.create(
        course=course,
        name="Finisher",
        description="d",
        criteria_narrative="c",
        rule_kind="all_modules",
        image="badges/x.png",
        live=True,
    )
    for lesson in LessonPage.objects.filter(path__startswith=course.path):
        LessonCompletion.objects.create(
            enrolment=enrolment, lesson=lesson, completed_at=timezone.now()
        )

    results = race(
        [
            lambda: services.awards_evaluate(cohort=cohort, user_ids=[enrolment.user_id])
            for _ in range(10)
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(len(r) for r in results) == 1  # exactly one evaluation wrote (and notifies)
    assert Award.objects.filter(badge_class=badge).count() == 1


def test_two_instructors_awarding_the_same_badge_at_once_give_it_once():
    course = course_page(modules=1, lessons=1)
    cohort = CohortFactory(course=course)
    enrolment = EnrolmentFactory(cohort=cohort)
    badge = badge_class(course, kind="manual")
    instructors = [UserFactory(), UserFactory()]
    cohort.instructors.add(*instructors)

    results = race(
        [
            lambda by=by: services.award_grant(
                badge_class=badge, recipient=enrolment.user, cohort=cohort, by=by, note="Yes."
            )
            for by in instructors
        ]
    )

    assert sorted(type(r).__name__ for r in results) == ["Award", "Conflict"]
    assert isinstance(next(r for r in results if not isinstance(r, Award)), Conflict)
    assert Award.objects.count() == 1
