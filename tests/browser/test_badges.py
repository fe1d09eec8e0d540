"""Earn a badge, share it, download it and make it private: in a real browser on a
phone-sized screen. Celery runs eagerly, so the badge task runs when the completion
commits, as a worker would right after."""

import pytest

from badges.models import Award
from cms.models import LessonPage, ModulePage
from tests.badges.factories import badge_class
from tests.browser.test_walkthrough import _artifacts, login
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_student_earns_a_badge_shares_it_downloads_it_and_makes_it_private(
    live_server, page, settings
):
    settings.LMS_BASE_URL = live_server.url
    course = course_page(modules=2, lessons=2)
    cohort = CohortFactory(course=course)
    student = UserFactory(username="student", display_name="Sam Student")
    EnrolmentFactory(cohort=cohort, user=student)
    module = ModulePage.objects.get(path__startswith=course.path, slug="module-1")
    badge_class(course, kind="module_lessons", config={"module": module.pk}, name="Week one")
    badge_class(course, kind="all_modules", name="Finisher")
    base = live_server.url

    login(page, base, "/accounts/login/", "student")
    for lesson in LessonPage.objects.child_of(module).order_by("path"):
        page.goto(f"{base}/learn/{cohort.pk}/lessons/{lesson.pk}/")
        page.get_by_role("button", name="Mark as complete").click()
        page.wait_for_load_state()
    award = Award.objects.get()

    # The dashboard shows the badge; "My badges" shows it and the progress to the next.
    page.goto(f"{base}/learn/{cohort.pk}/")
    page.get_by_role("link", name="Week one").click()
    assert page.url == f"{base}/badges/awards/{award.uuid}/"
    assert "Earned by Sam Student" in page.locator("main").inner_text()
    linkedin = page.get_by_role("link", name="Add to LinkedIn profile").get_attribute("href")
    assert linkedin.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")
    page.screenshot(path=str(_artifacts() / "badge-phone.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the badge image").click()
    assert download.value.suggested_filename == "week-one.png"
    with open(download.value.path(), "rb") as f:
        assert b"iTXtopenbadges" in f.read()

    page.goto(f"{base}/badges/mine/")
    text = page.locator("main").inner_text()
    assert "Week one" in text and "Finisher" in text and "2 of 4" in text

    # Private: strangers get "not found", the student still sees it.
    page.goto(f"{base}/badges/awards/{award.uuid}/")
    page.get_by_role("button", name="Make private").click()
    assert "only you can see" in page.locator("main").inner_text()
    other = page.context.browser.new_context()
    stranger = other.new_page()
    assert stranger.goto(f"{base}/badges/awards/{award.uuid}/").status == 404
    assert stranger.goto(f"{base}/badges/assertions/{award.uuid}.json").status == 404
    other.close()
