import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cohorts import selectors, services
from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import Conflict
from tests.assertions import without_welcomes
from tests.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_enrolling_in_an_open_cohort_gives_an_active_seat(cohort, student):
    enrolment = services.enrolment_create(cohort=cohort, user=student)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    record = enrolment.history.latest()
    assert record.status == EnrolmentStatus.ACTIVE and record.history_change_reason == "enrolled"


def test_a_full_cohort_waitlists_and_promotes_the_oldest_with_an_email(
    course, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(course=course, capacity=1)
    first, second, third = (UserFactory() for _ in range(3))
    seat = services.enrolment_create(cohort=cohort, user=first)
    waiting = services.enrolment_create(cohort=cohort, user=second)
    later = services.enrolment_create(cohort=cohort, user=third)
    assert waiting.status == later.status == EnrolmentStatus.WAITLISTED
    assert selectors.waitlist_position(enrolment=later) == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_leave(enrolment=seat, by=first)

    waiting.refresh_from_db()
    later.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ACTIVE
    assert later.status == EnrolmentStatus.WAITLISTED
    assert selectors.waitlist_position(enrolment=later) == 1
    assert [m.to for m in without_welcomes(mail.outbox)] == [[second.email]]


@pytest.mark.parametrize(
    ("opens", "closes", "code"),
    [
        (dt.timedelta(days=1), dt.timedelta(days=5), "enrolment_not_open"),
        (dt.timedelta(days=-5), dt.timedelta(days=-1), "enrolment_closed"),
    ],
)
def test_enrolling_outside_the_window_is_refused_and_writes_nothing(
    course, student, opens, closes, code
):
    now = timezone.now()
    cohort = CohortFactory(
        course=course, enrolment_opens_at=now + opens, enrolment_closes_at=now + closes
    )
    with pytest.raises(Conflict) as exc:
        services.enrolment_create(cohort=cohort, user=student)
    assert exc.value.code == code
    assert not Enrolment.objects.exists()


def test_enrolling_twice_is_refused(cohort, student):
    services.enrolment_create(cohort=cohort, user=student)
    with pytest.raises(Conflict, match="enrolled in this cohort already"):
        services.enrolment_create(cohort=cohort, user=student)
    assert Enrolment.objects.count() == 1


def test_a_cancelled_cohort_takes_no_enrolments(cohort, student):
    services.cohort_cancel(cohort=cohort)
    with pytest.raises(Conflict) as exc:
        services.enrolment_create(cohort=cohort, user=student)
    assert exc.value.code == "cohort_cancelled"
    assert not Enrolment.objects.exists()
