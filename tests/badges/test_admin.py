"""Course designers edit badge classes in the Wagtail admin: drafts, publishing, the
rule's settings and the image are checked like in the service."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from badges.models import Award, BadgeClass
from cms.models import ModulePage
from tests.badges.factories import png_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def designer(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def form(course, **changes) -> dict:
    return {
        "course": course.pk,
        "name": "Week one",
        "description": "Finished the first week.",
        "criteria_narrative": "Complete every lesson of module 1.",
        "image": SimpleUploadedFile("w.png", png_bytes(), content_type="image/png"),
        "rule_kind": "module_lessons",
        "rule__module_lessons__module": ModulePage.objects.filter(path__startswith=course.path)
        .first()
        .pk,
        **changes,
    }


def _errors(response) -> list[str]:
    return [m for ms in response.context["form"].errors.values() for m in ms]


def test_the_badge_admin_opens(designer, course):
    assert designer.get(reverse("wagtailsnippets_badges_badgeclass:list")).status_code == 200
    assert designer.get(reverse("wagtailsnippets_badges_badgeclass:add")).status_code == 200


def test_a_designer_saves_a_draft_then_publishes_and_students_who_qualify_get_it(
    designer, course, enrolment, django_capture_on_commit_callbacks
):
    from cms.models import LessonPage
    from cohorts import services as cohort_services

    module = ModulePage.objects.filter(path__startswith=course.path).first()
    for lesson in LessonPage.objects.child_of(module):
        cohort_services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)

    url = reverse("wagtailsnippets_badges_badgeclass:add")
    response = designer.post(url, form(course))
    assert response.status_code == 302, _errors(response)
    badge = BadgeClass.objects.get()
    assert badge.live is False and badge.rule_config == {"module": module.pk}
    assert not Award.objects.exists()

    edit = reverse("wagtailsnippets_badges_badgeclass:edit", args=[badge.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = designer.post(edit, {**form(course), "action-publish": "publish"})
    assert response.status_code == 302, _errors(response)
    badge.refresh_from_db()
    assert badge.live is True
    assert Award.objects.get().recipient == enrolment.user
    assert badge.revisions.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"image": SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png")},
            "must be a PNG or an SVG",
        ),
        ({"rule__module_lessons__module": ""}, "Choose the module."),
        (
            {"rule_kind": "assignments_passed", "rule__assignments_passed__min_percent": ""},
            "lowest passing grade",
        ),
    ],
)
def test_bad_badge_classes_are_refused_at_the_field(designer, course, changes, message):
    response = designer.post(
        reverse("wagtailsnippets_badges_badgeclass:add"), form(course, **changes)
    )
    assert response.status_code == 200
    assert any(message in e for e in _errors(response)), _errors(response)
    assert not BadgeClass.objects.exists()


def test_staff_find_the_badge_counts_in_the_admin_menu(designer):
    response = designer.get(reverse("wagtailadmin_home"))
    assert reverse("badges:stats") in response.content.decode()
