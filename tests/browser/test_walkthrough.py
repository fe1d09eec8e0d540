"""A course designer publishes a module in the Wagtail admin; a student enrols and sees
the dashboard with the right modules unlocked and locked — in a real browser."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import GroupPagePermission

from cms.models import ModulePage
from tests.factories import CohortFactory, UserFactory, course_page, home_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, path, username):
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct horse battery")
    form = page.locator("form:has(input[name=password])")
    form.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state()


def test_designer_publishes_a_module_and_student_enrols_and_sees_dashboard(live_server, page):
    course = course_page(modules=3, lessons=1)
    draft = ModulePage.objects.get(title="Module 2")
    draft.unpublish()  # the designer has not published week 2 yet
    cohort = CohortFactory(
        course=course,
        name="Spring cohort",
        starts_on=(timezone.now() - dt.timedelta(days=8)).date(),
        enrolment_closes_at=timezone.now() + dt.timedelta(days=5),
    )
    designers, _ = Group.objects.get_or_create(name="Course designers")
    designers.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=designers,
            page=home_page(),
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
    designer = UserFactory(username="designer")
    designer.groups.add(designers)
    UserFactory(username="student")
    base = live_server.url

    # The designer publishes module 2 from the page editor.
    login(page, base, "/admin/login/", "designer")
    page.goto(f"{base}/admin/pages/{draft.pk}/edit/")
    page.locator("footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle").first.click()
    page.locator("button[name='action-publish']").click()
    page.wait_for_load_state()
    draft.refresh_from_db()
    assert draft.live
    page.context.clear_cookies()

    # The student finds the course, enrols and lands on the dashboard.
    login(page, base, "/accounts/login/", "student")
    page.goto(f"{base}{course.url}")
    page.get_by_role("button", name="Enrol").first.click()
    page.wait_for_url(f"**/learn/{cohort.pk}/")

    main = page.locator("main")
    # Weeks 1 and 2 are open: their titles link to the module pages.
    for title in ("Module 1", "Module 2"):
        assert main.get_by_role("link", name=title).count() >= 1
    # Week 3 is locked: shown with its summary and unlock moment, not as a link.
    assert main.get_by_role("link", name="Module 3").count() == 0
    assert main.get_by_text("What module 3 covers.").count() >= 1
    assert "Secret content" not in main.inner_text()

    page.screenshot(path=str(_artifacts() / "dashboard-phone.png"), full_page=True)

    main.get_by_role("link", name="Module 2").first.click()
    page.get_by_role("link", name="Lesson 2.1").click()
    assert "Secret content of lesson 2.1" in page.locator("main").inner_text()
    page.get_by_role("button", name="Mark as complete").click()
    assert page.get_by_role("button", name="Mark as not complete").count() == 1


def _artifacts():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
