"""cohorts asks a seat policy what a seat costs (payments registers one); with none
registered every seat is free: enrolling takes a plain seat, and a freed seat goes to
the next on the waitlist at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cohorts import seats, services
from cohorts.models import EnrolmentStatus
from tests.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_policy(monkeypatch):
    monkeypatch.setattr(seats, "_registered", None)
    return seats.seat_policy()


def test_with_no_seat_policy_enrolling_takes_a_plain_seat(client, course, no_policy):
    cohort = CohortFactory(course=course)
    student = UserFactory()
    client.force_login(student)
    response = client.post(reverse("cohorts:enrol", args=[cohort.pk]), {"coupon": "ANY"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cohorts:dashboard", args=[cohort.pk])
    assert cohort.enrolments.get(user=student).status == EnrolmentStatus.ACTIVE


def test_with_no_seat_policy_the_next_on_the_waitlist_moves_up_into_a_seat(course, no_policy):
    cohort = CohortFactory(course=course, capacity=1)
    first = seats.enrolment_start(cohort=cohort, user=UserFactory(), base_url="").enrolment
    waiting = seats.enrolment_start(cohort=cohort, user=UserFactory(), base_url="").enrolment
    assert waiting.status == EnrolmentStatus.WAITLISTED
    services.enrolment_leave(enrolment=first, by=first.user)
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ACTIVE
