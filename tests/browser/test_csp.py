"""The Content-Security-Policy in a real browser: site pages, the Wagtail admin and the
API docs load without a single policy violation, script error or outside request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cms.models import LessonPage
from tests.browser.test_walkthrough import login
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


class Watch:
    """What went wrong while the page was open: CSP violations, script errors,
    console errors about the policy, and requests that left the site."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.problems: list[str] = []
        page.add_init_script(COLLECT_VIOLATIONS)
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"console: {message.text}")

    def _request(self, request) -> None:
        url = request.url
        if not url.startswith((self.base, "data:", "blob:", "about:")):
            self.problems.append(f"outside request: {url}")

    def visit(self, path: str, *, ready: str | None = None) -> None:
        self.page.goto(f"{self.base}{path}")
        self.page.wait_for_load_state("networkidle")
        if ready:
            self.page.wait_for_selector(ready)
        violations = self.page.evaluate("window.__cspViolations || []")
        self.problems.extend(f"{path}: {v}" for v in violations)


def test_site_pages_load_under_the_policy(live_server, page):
    course = course_page(modules=2, lessons=1)
    cohort = CohortFactory(course=course)
    EnrolmentFactory(cohort=cohort, user=UserFactory(username="student"))
    watch = Watch(page, live_server.url)

    watch.visit("/")
    watch.visit(course.url)
    login(page, live_server.url, "/accounts/login/", "student")
    for path in (
        f"/learn/{cohort.pk}/",
        LessonPage.objects.filter(path__startswith=course.path).first().url,
        "/badges/mine/",
        "/calendar/",
        "/payments/",
        "/memberships/",
        "/memberships/me/",
        "/accounts/preferences/",
    ):
        watch.visit(path)

    assert watch.problems == [], "\n".join(watch.problems)


def test_the_revenue_charts_are_drawn_from_their_tables_under_the_policy(live_server, page):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="finance")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="memberships", codename="manage_memberships")
    )
    watch = Watch(page, live_server.url)
    login(page, live_server.url, "/accounts/login/", "finance")

    watch.visit(reverse("memberships:staff_revenue"), ready="#moves-chart canvas")

    assert page.locator(".chart-box canvas").count() == 2
    assert watch.problems == [], "\n".join(watch.problems)


def test_wagtail_admin_pages_load_under_the_admin_policy(live_server, page, settings):
    # The page editor pings the server to share who is editing, and releases its session
    # when left: no ping while the test runs, and the editor is left before the end, so
    # that no request of its is still writing when the test database is emptied.
    settings.WAGTAIL_EDITING_SESSION_PING_INTERVAL = 3_600_000
    course = course_page(modules=1, lessons=1)
    lesson = LessonPage.objects.filter(path__startswith=course.path).first()
    CohortFactory(course=course)
    UserFactory(username="root", is_superuser=True, is_staff=True)
    watch = Watch(page, live_server.url)

    login(page, live_server.url, "/admin/login/", "root")
    for path in (
        "/admin/",
        f"/admin/pages/{course.pk}/",
        f"/admin/pages/{lesson.pk}/edit/",
        "/admin/snippets/badges/badgeclass/",
        "/admin/snippets/badges/badgeclass/add/",
        "/admin/images/",
        "/admin/documents/",
        reverse("cohort_admin:index"),
        reverse("cohort_admin:add"),
        "/payments/staff/",
    ):
        watch.visit(path)
    # The page editor's StreamField is built by script: a broken script leaves it empty.
    watch.visit(f"/admin/pages/{lesson.pk}/edit/", ready="[data-streamfield-stream-container]")
    watch.visit("/admin/")

    assert watch.problems == [], "\n".join(watch.problems)


def test_the_api_docs_render_their_operations_with_nothing_from_outside(live_server, page):
    watch = Watch(page, live_server.url)

    watch.visit("/api/v1/docs/", ready=".opblock")

    assert page.locator(".opblock").count() > 10
    assert watch.problems == [], "\n".join(watch.problems)
