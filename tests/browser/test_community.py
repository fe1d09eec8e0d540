"""A cohort's community on a phone, in a real browser: say hello, ask in the Q&A space,
answer with an @mention, endorse and accept, report and hide.

Each person uses their own phone (a browser context 390 px wide). On every page they
see, nothing scrolls sideways and the console stays clean: no script error, no
Content-Security-Policy violation. With LMS_SCREENSHOTS=<folder> each of those pages is
also saved there, at 390 and at 1280 px wide.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cms.models import CourseSpace
from community import services
from community.access import community_member
from community.models import Report, Space, Thread
from tests.browser.test_csp import COLLECT_VIOLATIONS
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


# The controls a person taps to act (buttons, form fields, a checkbox or radio button's
# line, a form's "Cancel", a post's links) that are on screen and under 44 x 44 px.
SMALL_CONTROLS = """
[...document.querySelectorAll(`main :is(button, .button, summary, select, textarea,
    input:not([type=checkbox], [type=radio], [type=hidden]),
    label:has(> input[type=checkbox], > input[type=radio]), .actions > a, .post-actions a)`)]
  .filter((el) => el.checkVisibility())
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.height < 44 || r.width < 44)
  .map(([el, r]) => `${el.outerHTML.slice(0, 80)}: ${r.width | 0} x ${r.height | 0}`)
"""


class Person:
    """Someone on their own phone, logged in; `look` checks the page they see."""

    def __init__(self, browser, base: str, username: str):
        self.base = base
        self.name = username
        self.problems: list[str] = []
        self.context = browser.new_context(
            viewport=PHONE, locale="en-GB", timezone_id="Europe/Amsterdam"
        )
        self.context.add_init_script(COLLECT_VIOLATIONS)
        # The browser asks for /favicon.ico on its own; the site declares no icon.
        self.context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        self.page.on("console", self._console)
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "correct horse battery")
        self.page.locator("main form:has(input[name=password]) button[type=submit]").click()
        self.page.wait_for_load_state()

    def _console(self, message) -> None:
        # A refused form comes back with a 4xx status, by design; the console says so
        # about the page itself. Any other error (a script, a style, an image) counts.
        if message.text.startswith("Failed to load resource") and (
            message.location.get("url") == self.page.url
        ):
            return
        if message.type == "error":
            self.problems.append(f"console on {self.page.url}: {message.text}")

    @property
    def main(self):
        return self.page.locator("main")

    def open(self, path: str, shot: str | None = None):
        self.page.goto(f"{self.base}{path}")
        return self.look(shot)

    def look(self, shot: str | None = None):
        """The page as it is now: no sideways scrolling at 390 px, a clean console."""
        page = self.page
        page.wait_for_load_state()
        wide, room = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide <= room, f"{page.url} scrolls sideways: {wide} px in {room} px"
        self.problems.extend(page.evaluate("window.__cspViolations || []"))
        assert self.problems == [], "\n".join(self.problems)
        if "/community/" in page.url:
            assert page.evaluate(SMALL_CONTROLS) == [], f"small targets on {page.url}"
        folder = os.environ.get("LMS_SCREENSHOTS")
        if folder and shot:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/{shot}-390.png", full_page=True)
            page.set_viewport_size(DESK)
            page.screenshot(path=f"{folder}/{shot}-1280.png", full_page=True)
            page.set_viewport_size(PHONE)
        return self.main


def _scene():
    course = course_page(modules=2, lessons=1)
    course.community_guidelines = "<p>Be kind and stay on topic.</p>"
    course.save()
    CourseSpace.objects.create(
        course=course, name="Help desk", description="Ask anything.", is_qa=True
    )
    cohort = CohortFactory(course=course, name="Spring cohort")
    services.course_spaces_sync(course_id=course.pk)
    sam = UserFactory(username="sam", display_name="Sam Student")
    bea = UserFactory(username="bea", display_name="Bea Baker")
    max_ = UserFactory(username="max", display_name="Max Mallory")
    for user in (sam, bea, max_):
        EnrolmentFactory(cohort=cohort, user=user)
    ines = UserFactory(username="ines", display_name="Ines Instructor")
    cohort.instructors.add(ines)
    return cohort, Space.objects.get(cohort=cohort, is_qa=True)


def test_hello_question_mention_answer_endorse_accept_report_and_hide(live_server, browser):
    cohort, qa = _scene()
    base = live_server.url
    home = f"/community/{cohort.pk}/"

    # 1. Sam is greeted with "Say hello" on the dashboard and the community home,
    # introduces themselves (accepting the guidelines first), and the prompt is gone.
    sam = Person(browser, base, "sam")
    main = sam.open(f"/learn/{cohort.pk}/", "dashboard")
    assert main.get_by_role("heading", name="Say hello").is_visible()
    main = sam.open(home, "home")
    assert main.get_by_role("heading", name="Say hello").is_visible()
    main.get_by_role("link", name="Introduce yourself").click()
    main = sam.look("introduce")
    assert main.get_by_role("heading", name="Introduce yourself", level=1).is_visible()
    main.get_by_text("Read the community guidelines", exact=True).click()
    assert main.get_by_text("Be kind and stay on topic.").is_visible()
    main.get_by_label("Title").fill("Hello from Utrecht")
    main.get_by_label("Your text").fill("I write for a museum website.")
    main.get_by_role("button", name="Post the thread").click()
    main = sam.look("refused")
    # Without the guidelines accepted the post is refused, with the text kept.
    assert main.get_by_text("accept the community guidelines").first.is_visible()
    assert main.get_by_label("Your text").input_value() == "I write for a museum website."
    main.get_by_label("I have read the community guidelines and will follow them").check()
    main.get_by_role("button", name="Post the thread").click()
    main = sam.look("introduction")
    assert main.get_by_role("heading", name="Hello from Utrecht").is_visible()
    assert sam.page.get_by_role("status").or_(sam.page.locator(".messages")).first.is_visible()
    main = sam.open(home)
    assert main.get_by_role("heading", name="Say hello").count() == 0
    main = sam.open(f"/learn/{cohort.pk}/")
    assert main.get_by_role("heading", name="Say hello").count() == 0

    # 2. Sam asks in the Help desk; the guidelines are accepted already.
    main = sam.open(home)
    main.get_by_role("link", name="Help desk").click()
    main = sam.look("qa-space")
    main.get_by_role("link", name="Ask a question").click()
    main = sam.look("ask")
    assert main.get_by_label("I have read the community guidelines").count() == 0
    main.get_by_label("Title").fill("How long should a headline be?")
    main.get_by_label("Your text").fill("Is there a rule of thumb for web headlines?")
    main.get_by_role("button", name="Post the question").click()
    main = sam.look("question")
    assert main.get_by_role("heading", name="How long should a headline be?").is_visible()
    assert main.get_by_text("Unanswered", exact=True).is_visible()
    question = sam.page.url.removeprefix(base)

    # 3. Bea opens the question and answers it, mentioning Sam through the suggestions.
    bea = Person(browser, base, "bea")
    bea.open(f"/community/spaces/{qa.pk}/")
    bea.main.get_by_role("link", name="How long should a headline be?").click()
    main = bea.look("question-bea")
    answer = main.get_by_role("textbox", name="Your answer", exact=True)
    answer.fill("Around 60 characters, ")
    answer.press_sequentially("@sa")
    suggestions = main.get_by_role("listbox", name="People to mention")
    suggestions.get_by_role("option", name="Sam Student (@sam)").wait_for()
    assert answer.get_attribute("aria-activedescendant")
    assert suggestions.get_by_role("option").first.get_attribute("aria-selected") == "true"
    bea.look("mention")
    answer.press("Enter")
    assert answer.input_value() == "Around 60 characters, @sam "
    assert answer.get_attribute("aria-activedescendant") is None
    assert suggestions.count() == 0 or not suggestions.is_visible()
    answer.press_sequentially("so it fits in search results.")
    main.get_by_label("I have read the community guidelines and will follow them").check()
    main.get_by_role("button", name="Post the answer").click()
    main = bea.look("answered")
    reply = main.locator("article.post").filter(has_text="Around 60 characters")
    assert reply.get_by_text("@sam", exact=True).is_visible()  # the mention stands out
    assert main.get_by_text("Answered", exact=True).is_visible()

    # 4. Ines endorses the answer; Sam sees it and accepts it.
    ines = Person(browser, base, "ines")
    main = ines.open(question, "question-ines")
    reply = main.locator("article.post").filter(has_text="Around 60 characters")
    reply.get_by_role("button", name="Endorse").click()
    main = ines.look()
    reply = main.locator("article.post").filter(has_text="Around 60 characters")
    assert reply.get_by_text("Endorsed by Ines Instructor").is_visible()
    main = sam.open(question)
    reply = main.locator("article.post").filter(has_text="Around 60 characters")
    assert reply.get_by_text("Endorsed by Ines Instructor").is_visible()
    reply.get_by_role("button", name="Accept this answer").click()
    main = sam.look("accepted")
    reply = main.locator("article.post").filter(has_text="Around 60 characters")
    assert reply.get_by_text("Accepted answer").is_visible()
    assert reply.get_by_role("button", name="Withdraw acceptance").is_visible()
    assert Thread.objects.get(title="How long should a headline be?").accepted_post_id

    # 5. Max posts an advert; Sam reports it; Ines hides it from the moderation page.
    services.reply_create(
        member=community_member(
            user=UserFactory._meta.model.objects.get(username="max"), cohort=cohort
        ),
        thread=Thread.objects.get(title="How long should a headline be?"),
        body="Cheap essays at example.com",
        accept_guidelines=True,
    )
    main = sam.open(question)
    advert = main.locator("article.post").filter(has_text="Cheap essays")
    advert.get_by_role("link", name="Report").click()
    main = sam.look("report")
    main.get_by_label("Spam or advertising").check()
    main.get_by_label("Anything the moderators should know").fill("An advert.")
    main.get_by_role("button", name="Send the report").click()
    main = sam.look()
    assert "A moderator will look at the post you reported." in sam.page.inner_text("body")
    assert Report.objects.filter(note="An advert.").exists()

    main = ines.open(home)
    assert main.get_by_text("1 open report").is_visible()
    main.get_by_role("link", name="Moderation").click()
    main = ines.look("moderation")
    assert main.get_by_role("heading", name="1 open report").is_visible()
    report = main.get_by_role("listitem").filter(has_text="Cheap essays")
    assert report.get_by_text("An advert.").is_visible()
    reason = report.get_by_label("Why hide it? (kept on record)")
    reason.fill("Advertising is not allowed here.")
    report.get_by_role("button", name="Hide the post").click()
    main = ines.look("moderated")
    assert main.get_by_role("heading", name="0 open reports").is_visible()

    main = sam.open(question, "hidden")
    assert "Cheap essays" not in main.inner_text()
    assert main.get_by_text("This post was hidden by a moderator.").is_visible()

    for person in (sam, bea, ines):
        person.look()
        person.context.close()
