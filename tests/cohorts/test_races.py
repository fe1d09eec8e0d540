"""Races on PostgreSQL with real concurrent connections (one per thread)."""

import pytest

from cohorts import services
from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import DomainError
from tests.concurrency import race
from tests.factories import CohortFactory, UserFactory, course_page

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_students_racing_for_the_last_seat_one_gets_it_one_is_waitlisted():
    cohort = CohortFactory(course=course_page(modules=1, lessons=1), capacity=2)
    services.enrolment_create(cohort=cohort, user=UserFactory())
    a, b = UserFactory(), UserFactory()

    results = race(
        [lambda u=u: services.enrolment_create(cohort=cohort, user=u).status for u in (a, b)]
    )

    assert sorted(results) == [EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITLISTED]
    assert Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.ACTIVE).count() == 2


def test_a_crowd_never_takes_more_seats_than_the_capacity():
    cohort = CohortFactory(course=course_page(modules=1, lessons=1), capacity=3)
    users = [UserFactory() for _ in range(10)]

    results = race(
        [lambda u=u: services.enrolment_create(cohort=cohort, user=u).status for u in users]
    )

    assert results.count(EnrolmentStatus.ACTIVE) == 3
    assert results.count(EnrolmentStatus.WAITLISTED) == 7
    assert Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.ACTIVE).count() == 3


def test_a_double_submit_creates_one_enrolment():
    cohort = CohortFactory(course=course_page(modules=1, lessons=1), capacity=5)
    user = UserFactory()

    results = race([lambda: services.enrolment_create(cohort=cohort, user=user)] * 2)

    assert sum(isinstance(r, Enrolment) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Enrolment.objects.filter(cohort=cohort, user=user).count() == 1


def test_leaving_while_others_enrol_keeps_seats_and_waitlist_consistent():
    cohort = CohortFactory(course=course_page(modules=1, lessons=1), capacity=2)
    holders = [services.enrolment_create(cohort=cohort, user=UserFactory()) for _ in range(2)]
    newcomers = [UserFactory() for _ in range(4)]

    results = race(
        [lambda e=e: services.enrolment_leave(enrolment=e, by=e.user) for e in holders]
        + [lambda u=u: services.enrolment_create(cohort=cohort, user=u) for u in newcomers]
    )

    # Every leave and every enrolment went through: nobody was refused.
    assert all(isinstance(r, Enrolment) for r in results), results
    left, joined = results[:2], results[2:]
    assert {r.user_id for r in left} == {e.user_id for e in holders}
    assert {r.user_id for r in joined} == {u.pk for u in newcomers}
    assert {r.status for r in left} == {EnrolmentStatus.CANCELLED}
    active = Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.ACTIVE).count()
    waiting = Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.WAITLISTED).count()
    assert active == 2  # both freed seats were filled, never more
    assert waiting == 2
    # The seats went to newcomers (a holder who left does not come back).
    seated = Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.ACTIVE)
    assert set(seated.values_list("user_id", flat=True)) <= {u.pk for u in newcomers}


def test_requests_racing_to_make_a_courses_library_cohort_all_get_the_one_made():
    from cohorts.models import Cohort, CohortPace

    course = course_page(modules=1, lessons=1)

    results = race([lambda: services.library_cohort_get_or_create(course=course).pk] * 4)

    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert Cohort.objects.filter(course=course, pace=CohortPace.SELF_PACED).count() == 1


def test_two_grants_racing_for_one_member_give_one_enrolment():
    cohort = services.library_cohort_get_or_create(course=course_page(modules=1, lessons=1))
    user = UserFactory()

    results = race(
        [lambda: services.library_access_grant(user=user, cohort=cohort, reason="joined").pk] * 2
    )

    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert Enrolment.objects.filter(cohort=cohort, user=user).count() == 1
