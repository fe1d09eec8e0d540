import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cohorts import services
from cohorts.models import Enrolment, EnrolmentStatus, LessonCompletion
from tests.cohorts.conftest import module_of
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_student(client, student):
    client.force_login(student)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_my_cohorts_lists_enrolments_and_taught_cohorts(client, enrolment, student, other_cohort):
    other_cohort.instructors.add(student)
    client.force_login(student)
    response = client.get(reverse("cohorts:my_cohorts"))
    assert response.status_code == 200
    assert [e.pk for e in response.context["enrolments"]] == [enrolment.pk]
    assert response.context["taught"] == [other_cohort]
    assert enrolment.cohort.name in response.content.decode()
    assert other_cohort.name in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client, cohort):
    response = client.get(reverse("cohorts:dashboard", args=[cohort.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_enrolling_takes_the_student_to_the_dashboard(as_student, cohort, student):
    response = as_student.post(reverse("cohorts:enrol", args=[cohort.pk]))
    assert response.status_code == 302
    assert response.url == reverse("cohorts:dashboard", args=[cohort.pk])
    assert Enrolment.objects.get(user=student).status == EnrolmentStatus.ACTIVE
    assert messages_of(response) == [f"Welcome to {cohort.name}!"]


def test_enrolling_in_a_full_cohort_tells_the_waitlist_position(as_student, course):
    cohort = CohortFactory(course=course, capacity=1)
    EnrolmentFactory(cohort=cohort)
    response = as_student.post(reverse("cohorts:enrol", args=[cohort.pk]), follow=True)
    assert response.redirect_chain == [(reverse("cohorts:my_cohorts"), 302)]
    assert "You are number 1 on the waitlist" in response.content.decode()


def test_enrolling_by_get_is_not_allowed(as_student, cohort):
    assert as_student.get(reverse("cohorts:enrol", args=[cohort.pk])).status_code == 405
    assert not Enrolment.objects.exists()


def test_enrolling_outside_the_window_shows_why_and_writes_nothing(as_student, course):
    now = timezone.now()
    cohort = CohortFactory(
        course=course,
        enrolment_opens_at=now + dt.timedelta(days=2),
        enrolment_closes_at=now + dt.timedelta(days=9),
    )
    response = as_student.post(reverse("cohorts:enrol", args=[cohort.pk]))
    assert response.status_code == 409
    assert "Enrolment for this cohort has not opened yet." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_leaving_asks_for_confirmation_then_leaves(as_student, enrolment):
    url = reverse("cohorts:leave", args=[enrolment.cohort_id])
    confirm = as_student.get(url)
    assert confirm.status_code == 200
    assert confirm.context["enrolment"] == enrolment
    assert 'method="post"' in confirm.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE

    response = as_student.post(url)
    assert response.status_code == 302
    assert response.url == reverse("cohorts:my_cohorts")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED

    assert as_student.post(url).status_code == 404


def test_the_dashboard_shows_modules_but_never_locked_content(as_student, enrolment):
    response = as_student.get(reverse("cohorts:dashboard", args=[enrolment.cohort_id]))
    assert response.status_code == 200
    board = response.context["board"]
    assert [m.slot.is_unlocked for m in board.modules] == [True, True, False, False]
    html = response.content.decode()
    # Week 2 is this week: its lessons are listed; locked modules show their title only.
    for title in ("Module 1", "Module 2", "Module 3", "Module 4", "Lesson 2.1", "Lesson 2.2"):
        assert title in html
    assert "Lesson 3.1" not in html
    assert "Secret content" not in html


def test_a_module_moved_later_shows_no_lessons_this_week(as_student, enrolment):
    cohort = enrolment.cohort
    services.module_unlock_override_set(
        cohort=cohort,
        module=module_of(cohort.course, 2),
        unlocks_at=timezone.now() + dt.timedelta(days=2),
    )
    response = as_student.get(reverse("cohorts:dashboard", args=[cohort.pk]))
    assert response.context["board"].this_week == []
    html = response.content.decode()
    assert "Module 2" in html
    assert "Lesson 2.1" not in html


def test_a_student_of_another_cohort_gets_a_404(client, other_cohort, enrolment, student):
    client.force_login(student)
    assert client.get(reverse("cohorts:dashboard", args=[other_cohort.pk])).status_code == 404
    assert client.get(reverse("cohorts:roster", args=[other_cohort.pk])).status_code == 404


def test_a_locked_module_page_shows_no_lessons(as_student, enrolment, locked_module):
    response = as_student.get(
        reverse("cohorts:module", args=[enrolment.cohort_id, locked_module.pk])
    )
    assert response.status_code == 200
    assert response.context["view"].progress.lessons == []
    assert "Lesson 3.1" not in response.content.decode()
    assert "Secret content" not in response.content.decode()


def test_an_open_lesson_shows_its_content(as_student, enrolment, open_lesson):
    response = as_student.get(reverse("cohorts:lesson", args=[enrolment.cohort_id, open_lesson.pk]))
    assert response.status_code == 200
    assert "Secret content of lesson 1.1" in response.content.decode()


def test_a_locked_lesson_is_a_403_without_its_content(as_student, enrolment, locked_lesson):
    response = as_student.get(
        reverse("cohorts:lesson", args=[enrolment.cohort_id, locked_lesson.pk])
    )
    assert response.status_code == 403
    assert "This lesson is part of a module that has not opened yet." in response.content.decode()
    assert "Secret content" not in response.content.decode()


def test_marking_a_lesson_complete_and_undoing_it(as_student, enrolment, open_lesson):
    url = reverse("cohorts:lesson_progress", args=[enrolment.cohort_id, open_lesson.pk])
    response = as_student.post(url, {"completed": "1"})
    assert response.status_code == 302
    assert response.url == reverse("cohorts:lesson", args=[enrolment.cohort_id, open_lesson.pk])
    assert LessonCompletion.objects.filter(enrolment=enrolment, lesson=open_lesson).exists()

    as_student.post(url, {"completed": "0"})
    assert not LessonCompletion.objects.exists()


def test_marking_a_locked_lesson_complete_is_a_409(as_student, enrolment, locked_lesson):
    url = reverse("cohorts:lesson_progress", args=[enrolment.cohort_id, locked_lesson.pk])
    response = as_student.post(url, {"completed": "1"})
    assert response.status_code == 409
    assert "This lesson is still locked." in response.content.decode()
    assert not LessonCompletion.objects.exists()


def test_the_instructor_sees_the_roster(client, cohort, instructor):
    EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Anna Student"))
    client.force_login(instructor)
    response = client.get(reverse("cohorts:roster", args=[cohort.pk]))
    assert response.status_code == 200
    assert response.context["roster"].page.paginator.count == 1
    assert "Anna Student" in response.content.decode()


def test_a_student_is_refused_the_roster(as_student, enrolment):
    response = as_student.get(reverse("cohorts:roster", args=[enrolment.cohort_id]))
    assert response.status_code == 403
    assert "Only the cohort&#x27;s instructors see its roster." in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/learn/{unknown}/"),
        ("post", "/learn/{unknown}/enrol/"),
        ("get", "/learn/{unknown}/leave/"),
        ("get", "/learn/{cohort}/modules/{unknown}/"),
        ("get", "/learn/{cohort}/lessons/{unknown}/"),
        ("get", "/learn/{cohort}/lessons/{module}/"),
        ("post", "/learn/{cohort}/lessons/{unknown}/progress/"),
        ("get", "/learn/{unknown}/roster/"),
    ],
)
def test_an_unknown_id_is_a_404_page(as_student, enrolment, open_module, method, path):
    url = path.format(unknown=999_999, cohort=enrolment.cohort_id, module=open_module.pk)
    response = getattr(as_student, method)(url)
    assert response.status_code == 404
    assert "We could not do that" in response.content.decode()
