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


def _menu_labels(response) -> str:
    # The sidebar menu is rendered into the page as JSON props.
    return response.content.decode()


def test_the_demo_designer_sees_badges_and_not_orders_and_opens_the_badge_listing(client):
    from django.core.management import call_command

    from lms.models import User

    call_command("seed_demo")
    client.force_login(User.objects.get(username="designer"))

    dashboard = _menu_labels(client.get(reverse("wagtailadmin_home")))
    assert "Badges" in dashboard
    assert "Orders and refunds" not in dashboard
    assert "Badges earned" not in dashboard
    assert client.get(reverse("wagtailsnippets_badges_badgeclass:list")).status_code == 200
    assert client.get(reverse("wagtailsnippets_badges_badgeclass:add")).status_code == 200


def test_a_member_of_the_designers_group_may_define_badges(client):
    from django.contrib.auth.models import Group

    user = UserFactory()
    user.groups.add(Group.objects.get(name="Course designers"))
    client.force_login(user)

    assert client.get(reverse("wagtailsnippets_badges_badgeclass:list")).status_code == 200
    assert "Orders and refunds" not in _menu_labels(client.get(reverse("wagtailadmin_home")))


def test_staff_see_orders_and_badge_figures_in_the_admin_menu(client):
    from tests.factories import staff_user

    client.force_login(staff_user())
    dashboard = _menu_labels(client.get(reverse("wagtailadmin_home")))
    assert "Orders and refunds" in dashboard
    assert "Badges earned" in dashboard
