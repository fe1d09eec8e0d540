"""Staff appoint mentors and moderators in the Wagtail admin; designers' spaces and
new modules reach every cohort when the course is published."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cms.models import CourseSpace, ModulePage
from community.models import Role, RoleKind, Space, SpaceKind
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(staff_user())
    return client


def test_staff_appoint_a_mentor_for_a_cohort(staff_client, cohort, student):
    assert staff_client.get(reverse("community_roles:index")).status_code == 200
    assert staff_client.get(reverse("community_roles:add")).status_code == 200
    response = staff_client.post(
        reverse("community_roles:add"), {"user": student.pk, "role": "mentor", "cohort": cohort.pk}
    )
    assert response.status_code == 302, response.content[:2000]
    role = Role.objects.get()
    assert (role.user, role.role, role.cohort, role.appointed_by is not None) == (
        student,
        RoleKind.MENTOR,
        cohort,
        True,
    )


def test_a_role_for_both_a_cohort_and_a_course_is_refused_at_the_form(
    staff_client, cohort, course, student
):
    response = staff_client.post(
        reverse("community_roles:add"),
        {"user": student.pk, "role": "mentor", "cohort": cohort.pk, "course": course.pk},
    )
    assert response.status_code == 200
    assert not Role.objects.exists()


def test_the_same_role_twice_is_refused_with_a_message(staff_client, cohort, student):
    Role.objects.create(user=student, role=RoleKind.MENTOR, cohort=cohort)
    response = staff_client.post(
        reverse("community_roles:add"), {"user": student.pk, "role": "mentor", "cohort": cohort.pk}
    )
    assert response.status_code == 200
    assert b"has this role there already" in response.content
    assert Role.objects.count() == 1


def test_students_have_no_role_admin(client, student):
    client.force_login(student)
    assert client.get(reverse("community_roles:index")).status_code in (302, 403)


def test_publishing_the_course_brings_new_spaces_and_modules_to_its_cohorts(
    cohort, course, django_capture_on_commit_callbacks
):
    CourseSpace.objects.create(course=course, name="Show your work")
    module = course.add_child(
        instance=ModulePage(title="Module 5", slug="module-5", summary="x", unlock_offset=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
    spaces = Space.objects.filter(cohort=cohort)
    assert spaces.filter(kind=SpaceKind.COURSE, name="Show your work").exists()
    assert spaces.filter(module=module).exists()


def test_the_course_editor_has_a_community_tab(client, course):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[course.pk]))
    assert response.status_code == 200
    assert b"community_spaces" in response.content
