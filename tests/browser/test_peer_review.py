"""Hand in, review a peer, get graded — in a real browser on a phone-sized screen."""

import pytest

from reviews.models import Grade, Review, ReviewKind
from reviews.services import peer_reviews_allocate
from tests.browser.test_walkthrough import _artifacts, login
from tests.reviews.conftest import build_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_student_hands_in_reviews_a_peer_anonymously_and_sees_the_grade(live_server, page):
    scenario = build_scenario(3, submit=False, instructor_grading="all")
    student, *peers = scenario.students
    student.username, student.display_name = "student", "Sam Student"
    student.save()
    for number, peer in enumerate(peers, start=1):
        peer.display_name = f"Petra Peer{number}"
        peer.save()
        scenario.submit(peer, text=f"Essay number {number}.")
    base = live_server.url
    assignment_url = f"/learn/{scenario.cohort.pk}/assignments/{scenario.assignment.pk}/"

    # The student hands in, then revises: both versions are kept.
    login(page, base, "/accounts/login/", "student")
    page.goto(f"{base}{assignment_url}")
    page.fill("textarea[name=text]", "My first draft.")
    page.get_by_role("button", name="Hand in", exact=True).click()
    page.fill("textarea[name=text]", "My final essay.")
    page.get_by_role("button", name="Hand in this version").click()
    history = page.locator("main").inner_text()
    assert "Version 2" in history and "Version 1" in history
    assert "My final essay." in history  # the latest is open, earlier ones fold away

    # The deadline passes; the allocation gives the student two peers to review.
    peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    page.goto(f"{base}/learn/{scenario.cohort.pk}/reviews/")
    page.locator("main a[href*='/reviews/']").first.click()
    main = page.locator("main")
    text = main.inner_text()
    assert "Essay number" in text
    for peer in peers:  # double-blind: nothing of the author's identity is on the page
        for trace in (peer.username, peer.display_name, peer.email):
            assert trace not in page.content()
    for fieldset in main.locator("fieldset.rubric-criterion").all():
        fieldset.locator("input[type=radio]").last.check()
    page.fill("textarea[name=comment]", "Clear argument; tighten the ending.")
    page.screenshot(path=str(_artifacts() / "review-phone.png"), full_page=True)
    page.get_by_role("button", name="Submit the review").click()
    assert Review.objects.filter(reviewer=student, status="submitted").count() == 1

    # The instructor takes the student's work from the queue and grades it.
    page.context.clear_cookies()
    scenario.instructor.username = "teacher"
    scenario.instructor.save()
    login(page, base, "/accounts/login/", "teacher")
    own = scenario.submission_of(student)
    page.goto(f"{base}/learn/{scenario.cohort.pk}/submissions/{own.pk}/grade/")
    for fieldset in page.locator("main fieldset.rubric-criterion").all():
        fieldset.locator("input[type=radio]").last.check()
    page.fill("textarea[name=feedback]", "Strong work.")
    page.get_by_role("button", name="Save the grade").click()
    assert Grade.objects.get(submission=own).final_percent == 100

    # The student sees the grade and the feedback.
    page.context.clear_cookies()
    login(page, base, "/accounts/login/", "student")
    page.goto(f"{base}{assignment_url}")
    text = page.locator("main").inner_text()
    assert "100" in text and "Strong work." in text
    assert Review.objects.filter(kind=ReviewKind.PEER, submission=own).count() == 2
