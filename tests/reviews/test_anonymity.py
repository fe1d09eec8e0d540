"""Peer review is anonymous both ways: nothing a student receives (a page, a download,
an email, an in-app notification, an API answer) names another student, neither the
author of the work they review nor the reviewers of their own. The API's review
endpoints are checked in test_api.py; this covers every other surface."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assignments.services import submission_submit
from reviews.models import Review, ReviewKind, ReviewStatus
from reviews.services import peer_reviews_allocate, review_submit
from tests.assignments.files import pdf_with_author
from tests.reviews.conftest import Scenario, build_scenario

pytestmark = pytest.mark.django_db

# Names no page carries by chance; each student goes by one of them.
PEOPLE = [
    ("Zelda", "Quixote", "zquixote"),
    ("Orlanda", "Brandvold", "obrandvold"),
    ("Priyanka", "Venkatraman", "pvenkatraman"),
    ("Thaddeus", "Okonkwo", "tokonkwo"),
]


def _identity(user) -> list[str]:
    """Every way a page could name this student."""
    return [
        user.get_display_name(),
        user.first_name,
        user.last_name,
        user.username,
        user.email,
        f"{user.username}-essay",  # the name of the file they handed in
    ]


def assert_names_nobody_but(viewer, text: str, students, where: str) -> None:
    leaks = [
        needle
        for other in students
        if other != viewer
        for needle in _identity(other)
        if needle in text
    ]
    assert not leaks, f"{where} names another student: {leaks}"


@pytest.fixture
def scene(django_capture_on_commit_callbacks) -> Scenario:
    """Four students with names of their own, each handing in a file named after them;
    reviews allocated at the deadline (the emails sent)."""
    s = build_scenario(4, submit=False, accepts_file=True, peer_reviews=3)
    for student, (first, last, username) in zip(s.students, PEOPLE, strict=True):
        student.first_name, student.last_name = first, last
        student.display_name, student.username = f"{first} {last}", username
        student.email = f"{first.lower()}.{last.lower()}@example.net"
        student.save()
        submission_submit(
            cohort=s.cohort,
            assignment_id=s.assignment.pk,
            author=student,
            text="An essay on windmills.",
            file=SimpleUploadedFile(f"{username}-essay.pdf", pdf_with_author()),
            now=s.due_at - dt.timedelta(hours=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        peer_reviews_allocate(run=s.run, now=s.due_at + dt.timedelta(minutes=1))
    return s


def _pages(s: Scenario) -> list[str]:
    cohort = s.cohort.pk
    return [
        reverse("cohorts:my_cohorts"),
        reverse("cohorts:dashboard", args=[cohort]),
        reverse("reviews:my_reviews", args=[cohort]),
        reverse("assignments:list", args=[cohort]),
        reverse("assignments:detail", args=[cohort, s.assignment.pk]),
        reverse("notifications:centre"),
        "/api/v1/notifications/",
        f"/api/v1/cohorts/{cohort}/reviews/",
    ]


def _assert_nothing_names_another_student(client, s: Scenario, student) -> None:
    client.force_login(student)
    for url in _pages(s):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_names_nobody_but(student, response.content.decode(), s.students, url)
    for review in Review.objects.filter(reviewer=student, kind=ReviewKind.PEER):
        url = reverse("reviews:review", args=[s.cohort.pk, review.public_id])
        response = client.get(url)
        assert response.status_code == 200, url
        assert_names_nobody_but(student, response.content.decode(), s.students, url)
        download = client.get(reverse("reviews:review_file", args=[s.cohort.pk, review.public_id]))
        assert download.status_code == 200
        headers = json.dumps(dict(download.headers))
        assert "attachment" in download["Content-Disposition"]
        assert_names_nobody_but(student, headers, s.students, "the file's headers")
    emails = [m for m in mail.outbox if student.email in m.to]
    assert emails, "the student was told by email"
    for message in emails:
        text = "\n".join([message.subject, message.body, json.dumps(message.extra_headers)])
        assert_names_nobody_but(student, text, s.students, f"the email “{message.subject}”")


def test_nothing_a_reviewer_opens_or_is_sent_names_an_author(client, scene):
    reviewer = scene.students[0]
    assert Review.objects.filter(reviewer=reviewer, status=ReviewStatus.ASSIGNED).count() == 3
    _assert_nothing_names_another_student(client, scene, reviewer)


def test_once_the_reviews_are_written_nobody_is_named_to_anybody(
    client, scene, django_capture_on_commit_callbacks
):
    written_at = scene.due_at + dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        for review in Review.objects.filter(kind=ReviewKind.PEER).select_related(
            "rubric", "reviewer"
        ):
            review_submit(
                review=review,
                by=review.reviewer,
                scores={
                    c["id"]: {"points": c["levels"][-1]["points"], "comment": "Clear."}
                    for c in review.rubric.criteria
                },
                comment="A clear argument.",
                now=written_at,
            )
    assert not Review.objects.filter(status=ReviewStatus.ASSIGNED, kind=ReviewKind.PEER).exists()
    for student in scene.students:
        _assert_nothing_names_another_student(client, scene, student)
