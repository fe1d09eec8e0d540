import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts import services
from cohorts.models import Cohort, EnrolmentStatus, ModuleUnlockOverride
from lms.timeutils import local_today
from tests.assertions import unchanged
from tests.cohorts.conftest import module_of
from tests.factories import CohortFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def cohort_form(course, **changes) -> dict:
    return {
        "course": course.pk,
        "name": "Spring 2026",
        "starts_on": "2026-01-05",
        "ends_on": "2026-02-27",
        "timezone": "Europe/Amsterdam",
        "unlock_weekday": "0",
        "unlock_time": "09:00",
        "enrolment_opens_at": "2025-12-01 10:00",
        "enrolment_closes_at": "2026-01-12 10:00",
        "capacity": "20",
        "pace": "cohort",
        "self_paced_start": "join",
        **changes,
    }


def errors_of(response) -> list[str]:
    form = response.context["form"]
    return [message for messages in form.errors.values() for message in messages]


def test_a_superuser_opens_the_cohort_admin(admin_client, cohort):
    assert admin_client.get(reverse("cohort_admin:index")).status_code == 200
    assert admin_client.get(reverse("cohort_admin:add")).status_code == 200
    assert admin_client.get(reverse("cohort_admin:edit", args=[cohort.pk])).status_code == 200


def test_a_student_cannot_open_the_cohort_admin(client, student):
    client.force_login(student)
    response = client.get(reverse("cohort_admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("wagtailadmin_login"))


def test_a_student_cannot_create_or_change_a_cohort_in_the_admin(client, student, course, cohort):
    client.force_login(student)
    with unchanged(Cohort, Cohort.history.model):
        response = client.post(reverse("cohort_admin:add"), cohort_form(course))
        assert response.status_code == 302
        assert response.url.startswith(reverse("wagtailadmin_login"))
        edit = reverse("cohort_admin:edit", args=[cohort.pk])
        response = client.post(edit, cohort_form(course, name="Renamed", capacity="2"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("wagtailadmin_login"))


def test_creating_a_cohort_goes_through_the_service(admin_client, course, superuser, instructor):
    response = admin_client.post(
        reverse("cohort_admin:add"), cohort_form(course, instructors=[instructor.pk])
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get(name="Spring 2026")
    assert (cohort.course_id, cohort.capacity, cohort.timezone) == (
        course.pk,
        20,
        "Europe/Amsterdam",
    )
    assert str(cohort.starts_on) == "2026-01-05"
    assert list(cohort.instructors.all()) == [instructor]
    record = cohort.history.earliest()
    assert (record.history_user, record.history_change_reason) == (superuser, "created")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2026-01-01"}, "The term must end on or after its start date."),
        ({"enrolment_closes_at": "2026-03-15 10:00"}, "Enrolment must close before the term ends"),
        ({"enrolment_closes_at": "2025-11-01 10:00"}, "Enrolment must close after it opens."),
        ({"timezone": "Mars/Olympus"}, "'Mars/Olympus' is not a timezone"),
        ({"self_paced_start": "first_open"}, "Only a self-paced cohort starts when a member"),
    ],
)
def test_an_invalid_cohort_is_shown_again_with_the_reason_and_not_saved(
    admin_client, course, changes, message
):
    # The cohort fixture makes one cohort; count against what was there before.
    before = Cohort.objects.count()
    response = admin_client.post(reverse("cohort_admin:add"), cohort_form(course, **changes))
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response)), errors_of(response)
    assert Cohort.objects.count() == before


def test_capacity_below_the_seats_taken_is_refused_on_edit(admin_client, cohort):
    EnrolmentFactory.create_batch(2, cohort=cohort)
    data = cohort_form(
        cohort.course,
        name=cohort.name,
        starts_on=cohort.starts_on.isoformat(),
        ends_on=cohort.ends_on.isoformat(),
        enrolment_opens_at="2020-01-01 10:00",
        enrolment_closes_at=cohort.starts_on.isoformat() + " 10:00",
        capacity="1",
    )
    response = admin_client.post(reverse("cohort_admin:edit", args=[cohort.pk]), data)
    assert response.status_code == 200
    assert "2 students hold a seat already; capacity cannot go below that." in errors_of(response)
    cohort.refresh_from_db()
    assert cohort.capacity == 30


def test_raising_capacity_in_the_admin_promotes_the_waitlist(
    admin_client, cohort, django_capture_on_commit_callbacks
):
    Cohort.objects.filter(pk=cohort.pk).update(capacity=1)
    EnrolmentFactory(cohort=cohort)
    queued = EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED)
    data = cohort_form(
        cohort.course,
        name=cohort.name,
        starts_on=cohort.starts_on.isoformat(),
        ends_on=cohort.ends_on.isoformat(),
        enrolment_opens_at="2020-01-01 10:00",
        enrolment_closes_at=cohort.starts_on.isoformat() + " 10:00",
        capacity="2",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("cohort_admin:edit", args=[cohort.pk]), data)
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == EnrolmentStatus.ACTIVE


def test_an_override_for_another_courses_module_is_refused_in_the_admin(
    admin_client, cohort, other_cohort
):
    response = admin_client.post(
        reverse("unlock_overrides:add"),
        {
            "cohort": cohort.pk,
            "module": module_of(other_cohort.course, 1).pk,
            "unlocks_at": "2026-01-01 10:00",
            "reason": "Holiday",
        },
    )
    assert response.status_code == 200
    assert "That module belongs to another course than this cohort's." in errors_of(response)
    assert not ModuleUnlockOverride.objects.exists()


def test_an_override_is_created_in_the_admin(admin_client, cohort, locked_module):
    response = admin_client.post(
        reverse("unlock_overrides:add"),
        {
            "cohort": cohort.pk,
            "module": locked_module.pk,
            "unlocks_at": "2026-01-01 10:00",
            "reason": "Holiday",
        },
    )
    assert response.status_code == 302
    override = ModuleUnlockOverride.objects.get()
    assert (override.module_id, override.reason) == (locked_module.pk, "Holiday")


def test_moving_an_override_to_another_module_leaves_no_stale_override(
    admin_client, cohort, locked_module
):
    override = services.module_unlock_override_set(
        cohort=cohort, module=locked_module, unlocks_at=cohort.enrolment_opens_at
    )
    response = admin_client.post(
        reverse("unlock_overrides:edit", args=[override.pk]),
        {
            "cohort": cohort.pk,
            "module": module_of(cohort.course, 4).pk,
            "unlocks_at": "2026-01-01 10:00",
            "reason": "Moved",
        },
    )
    assert response.status_code == 302
    assert list(ModuleUnlockOverride.objects.values_list("module__title", "reason")) == [
        ("Module 4", "Moved")
    ]


def test_a_cohort_with_enrolments_is_not_deleted_and_the_admin_is_told_why(admin_client, enrolment):
    response = admin_client.post(
        reverse("cohort_admin:delete", args=[enrolment.cohort_id]), follow=True
    )
    assert response.redirect_chain == [
        (reverse("cohort_admin:edit", args=[enrolment.cohort_id]), 302)
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "Students have enrolled in this cohort, so it cannot be deleted without losing "
        "their records."
    ]
    assert Cohort.objects.filter(pk=enrolment.cohort_id).exists()


def test_a_cohort_nobody_joined_can_be_deleted(admin_client, cohort):
    response = admin_client.post(reverse("cohort_admin:delete", args=[cohort.pk]))
    assert response.status_code == 302
    assert not Cohort.objects.exists()


def _admin_row(response, name: str) -> str:
    """The text of the listing row that names this cohort."""
    html = response.content.decode()
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
        if name in text:
            return text
    raise AssertionError(f"no row for {name}")


def test_the_cohort_admin_lists_a_cohort_that_started_yesterday_as_running(admin_client, course):
    # Yesterday in Auckland, whose calendar is ahead of UTC's most of the day.
    yesterday = local_today("Pacific/Auckland") - dt.timedelta(days=1)
    CohortFactory(
        course=course, name="Yesterday's cohort", starts_on=yesterday, timezone="Pacific/Auckland"
    )
    CohortFactory(
        course=course,
        name="Later cohort",
        starts_on=local_today("Europe/Amsterdam") + dt.timedelta(days=30),
        enrolment_opens_at=timezone.now() + dt.timedelta(days=3),
    )
    CohortFactory(
        course=course,
        name="Open cohort",
        starts_on=local_today("Europe/Amsterdam") + dt.timedelta(days=30),
    )

    response = admin_client.get(reverse("cohort_admin:index"))

    assert "Running" in _admin_row(response, "Yesterday&#x27;s cohort")
    assert "Scheduled" not in _admin_row(response, "Yesterday&#x27;s cohort")
    assert "Upcoming" in _admin_row(response, "Later cohort")
    assert "Enrolment open" in _admin_row(response, "Open cohort")
