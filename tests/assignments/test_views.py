"""The assignment pages: handing in through the page, what a refused hand-in says and
leaves behind, the version history, file downloads, the locked page, the module and
dashboard listings and the instructors' overview."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assignments.models import Submission, SubmissionVersion
from cms.models import ModulePage
from reviews.models import Review, ReviewKind
from reviews.services import peer_reviews_allocate, review_submit
from tests.factories import EnrolmentFactory, UserFactory, assignment_page
from tests.reviews.conftest import Scenario, build_scenario

pytestmark = pytest.mark.django_db


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def detail_url(s: Scenario, assignment=None) -> str:
    return reverse("assignments:detail", args=[s.cohort.pk, (assignment or s.assignment).pk])


def submit_url(s: Scenario, assignment=None) -> str:
    return reverse("assignments:submit", args=[s.cohort.pk, (assignment or s.assignment).pk])


def full_marks(rubric) -> dict:
    return {
        c["id"]: {"points": max(level["points"] for level in c["levels"]), "comment": "Strong."}
        for c in rubric.criteria
    }


def review_everything(s: Scenario) -> dt.datetime:
    """Allocate at the deadline and have every peer write their reviews (all agreeing,
    so every submission gets a peer grade, released at once)."""
    at = s.due_at + dt.timedelta(minutes=1)
    peer_reviews_allocate(run=s.run, now=at)
    for review in Review.objects.filter(
        submission__cohort_assignment=s.run, kind=ReviewKind.PEER
    ).select_related("rubric", "reviewer"):
        review_submit(
            review=review,
            by=review.reviewer,
            scores=full_marks(review.rubric),
            comment="Clear argument; tighten the ending.",
            now=at + dt.timedelta(minutes=5),
        )
    return at


# --- Handing in -------------------------------------------------------------------------


def test_a_student_hands_in_text_through_the_page(client):
    s = build_scenario(2, submit=False)
    client.force_login(s.students[0])
    response = client.post(submit_url(s), {"text": "  My first essay.  "})
    assert response.status_code == 302
    assert response.url.startswith(detail_url(s))
    version = SubmissionVersion.objects.get(submission__author=s.students[0])
    assert (version.number, version.text) == (1, "My first essay.")
    page = client.get(detail_url(s)).content.decode()
    assert "My first essay." in page
    assert "Version 1" in page


def test_a_student_hands_in_a_file_and_downloads_it_under_its_own_name(client, submissions_dir):
    s = build_scenario(1, submit=False, accepts_text=False, accepts_file=True)
    client.force_login(s.students[0])
    upload = SimpleUploadedFile("essay.pdf", b"%PDF-1.4 my essay", content_type="application/pdf")
    assert client.post(submit_url(s), {"file": upload}).status_code == 302
    version = SubmissionVersion.objects.get(submission__author=s.students[0])
    assert version.file_name == "essay.pdf"
    assert len(stored_files(submissions_dir)) == 1

    page = client.get(detail_url(s)).content.decode()
    url = reverse(
        "assignments:version_file", args=[s.cohort.pk, version.submission_id, version.number]
    )
    assert url in page
    assert "essay.pdf" in page
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="essay.pdf"'
    assert b"".join(download.streaming_content) == b"%PDF-1.4 my essay"


def test_a_student_hands_in_a_link(client):
    s = build_scenario(1, submit=False, accepts_text=False, accepts_link=True)
    client.force_login(s.students[0])
    response = client.post(submit_url(s), {"link": "https://example.org/my-essay"})
    assert response.status_code == 302
    version = SubmissionVersion.objects.get(submission__author=s.students[0])
    assert version.link == "https://example.org/my-essay"


@pytest.mark.parametrize(
    ("fields", "data", "message"),
    [
        ({}, {"text": "   "}, "The submission is empty. Hand in text."),
        (
            {"accepts_file": True},
            {"file": ("run-me.exe", b"MZ")},
            "Files of type “exe” are not accepted.",
        ),
        ({"accepts_file": True}, {"file": ("big.pdf", b"x" * 11)}, "the limit is 10"),
        ({"accepts_link": True}, {"link": "ftp://example.org/essay"}, "starting with http://"),
        ({"accepts_link": True}, {"link": "javascript:alert(1)"}, "starting with http://"),
    ],
    ids=["empty", "refused type", "too large", "ftp link", "script link"],
)
def test_a_refused_hand_in_says_why_and_stores_nothing(
    client, settings, submissions_dir, fields, data, message
):
    settings.LMS_SUBMISSION_MAX_BYTES = 10
    s = build_scenario(1, submit=False, **fields)
    client.force_login(s.students[0])
    if "file" in data:
        name, content = data["file"]
        data = {"file": SimpleUploadedFile(name, content)}
    response = client.post(submit_url(s), {"text": "", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Submission.objects.exists()
    assert not SubmissionVersion.objects.exists()
    assert stored_files(submissions_dir) == []


def test_a_refused_hand_in_keeps_the_typed_text(client):
    s = build_scenario(1, submit=False, accepts_link=True)
    client.force_login(s.students[0])
    response = client.post(submit_url(s), {"text": "A long essay.", "link": "not a link"})
    assert response.status_code == 400
    assert "A long essay." in response.content.decode()


def locked_assignment(s: Scenario):
    module = ModulePage.objects.get(path__startswith=s.cohort.course.path, slug="module-3")
    return assignment_page(module, title="Final essay", instructions="<p>Secret brief.</p>")


def test_a_locked_assignment_shows_its_title_and_unlock_moment_only(client):
    s = build_scenario(1, submit=False)
    locked = locked_assignment(s)
    client.force_login(s.students[0])
    response = client.get(detail_url(s, locked))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Final essay" in page
    assert "unlocks on" in page
    assert "Secret brief." not in page
    assert "Argument" not in page  # the rubric


def test_handing_in_to_a_locked_assignment_is_refused(client, submissions_dir):
    s = build_scenario(1, submit=False)
    locked = locked_assignment(s)
    client.force_login(s.students[0])
    response = client.post(submit_url(s, locked), {"text": "Too early."})
    assert response.status_code == 409
    assert "This assignment opens with its module" in response.content.decode()
    assert not Submission.objects.exists()


def test_handing_in_through_another_cohort_is_not_found(client):
    mine = build_scenario(1, submit=False)
    other = build_scenario(1, submit=False)
    client.force_login(mine.students[0])
    response = client.post(submit_url(other), {"text": "Wrong door."})
    assert response.status_code == 404
    # My own assignment through the other cohort's address is not found either.
    assert client.post(submit_url(other, mine.assignment), {"text": "x"}).status_code == 404
    assert not Submission.objects.exists()


def test_an_instructor_cannot_hand_in(client):
    s = build_scenario(1, submit=False)
    client.force_login(s.instructor)
    response = client.post(submit_url(s), {"text": "Teacher's essay."})
    assert response.status_code == 403
    assert not Submission.objects.exists()


# --- What the page shows ----------------------------------------------------------------


def test_the_version_history_lists_every_version_newest_first(client):
    s = build_scenario(1, submit=False)
    student = s.students[0]
    s.submit(student, at=s.due_at - dt.timedelta(hours=3), text="First draft.")
    s.submit(student, at=s.due_at - dt.timedelta(hours=2), text="Second draft.")
    client.force_login(student)
    page = client.get(detail_url(s)).content.decode()
    assert page.index("Version 2") < page.index("Version 1")
    assert page.index("Second draft.") < page.index("First draft.")
    assert "Hand in a new version" in page


def test_the_page_shows_deadlines_rubric_and_instructions(client):
    s = build_scenario(1, submit=False, instructions="<p>Write <b>300</b> words.</p>")
    client.force_login(s.students[0])
    page = client.get(detail_url(s)).content.decode()
    assert "Write <b>300</b> words." in page
    assert "Argument" in page and "Polished" in page
    assert "<time datetime=" in page
    assert "Times are in your timezone" in page


def test_deadlines_are_shown_in_the_viewers_timezone(client):
    s = build_scenario(1, submit=False)
    student = s.students[0]
    student.timezone = "Asia/Tokyo"
    student.save()
    client.force_login(student)
    page = client.get(detail_url(s)).content.decode()
    due_tokyo = s.due_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert f'<time datetime="{due_tokyo.isoformat()}">' in page
    assert "Asia/Tokyo" in page


def test_after_the_deadline_the_page_tells_the_late_penalty(client):
    # Module 1 opened 8 days ago; due 7 days after it is yesterday evening.
    s = build_scenario(1, submit=False, due_days=7, late_penalty_percent=15, late_cutoff_days=3)
    client.force_login(s.students[0])
    page = client.get(detail_url(s)).content.decode()
    assert "Work handed in now is late: 15% is taken off its grade." in page


def test_late_work_refused_by_the_policy_gets_no_form(client):
    s = build_scenario(1, submit=False, due_days=7, late_policy="refuse")
    client.force_login(s.students[0])
    page = client.get(detail_url(s)).content.decode()
    assert "This assignment no longer takes work" in page
    assert 'enctype="multipart/form-data"' not in page


def test_the_author_sees_peer_feedback_numbered_and_the_released_grade(client):
    s = build_scenario(3, peer_reviews=2)
    review_everything(s)
    author = s.students[0]
    client.force_login(author)
    page = client.get(detail_url(s)).content.decode()
    assert "Reviewer 1" in page and "Reviewer 2" in page
    assert "Clear argument; tighten the ending." in page
    assert "How helpful was this review?" in page
    assert "Report this review" in page
    assert "100%" in page  # full marks from every peer, nothing late
    assert "Ask for a regrade" in page
    for other in s.students[1:]:
        assert other.get_display_name() not in page
        assert other.username not in page


def test_the_author_is_asked_for_the_self_assessment(client):
    s = build_scenario(3, peer_reviews=2, self_assessment=True)
    peer_reviews_allocate(run=s.run, now=s.due_at + dt.timedelta(minutes=1))
    client.force_login(s.students[0])
    page = client.get(detail_url(s)).content.decode()
    own = Review.objects.get(submission__author=s.students[0], kind=ReviewKind.SELF)
    assert reverse("reviews:review", args=[s.cohort.pk, own.public_id]) in page
    assert "Reviews you give" in page


def test_only_the_author_and_instructors_download_a_version_file(client):
    s = build_scenario(2, submit=False, accepts_file=True)
    author, other = s.students
    client.force_login(author)
    client.post(submit_url(s), {"file": SimpleUploadedFile("mine.txt", b"hello")})
    version = SubmissionVersion.objects.get()
    url = reverse(
        "assignments:version_file", args=[s.cohort.pk, version.submission_id, version.number]
    )
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(s.instructor)
    assert client.get(url).status_code == 200


# --- Lists, module page, dashboard and overview -----------------------------------------


def test_the_list_shows_each_assignment_with_its_state(client):
    s = build_scenario(2, submit=False)
    locked = locked_assignment(s)
    client.force_login(s.students[0])
    response = client.get(reverse("assignments:list", args=[s.cohort.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert s.assignment.title in page and "To do" in page
    assert locked.title in page
    assert detail_url(s, locked) not in page  # no link into a locked module


def test_the_module_page_lists_its_assignments_with_the_deadline(client):
    s = build_scenario(1, submit=False)
    client.force_login(s.students[0])
    module = ModulePage.objects.get(path__startswith=s.cohort.course.path, slug="module-1")
    page = client.get(reverse("cohorts:module", args=[s.cohort.pk, module.pk])).content.decode()
    assert detail_url(s) in page
    assert "Assignments" in page and "due <time" in page


def test_the_dashboard_lists_work_due(client):
    s = build_scenario(2, submit=False)
    client.force_login(s.students[0])
    page = client.get(reverse("cohorts:dashboard", args=[s.cohort.pk])).content.decode()
    assert "To hand in" in page
    assert detail_url(s) in page
    assert reverse("reviews:my_reviews", args=[s.cohort.pk]) in page


def test_the_dashboard_shows_instructors_the_queue_and_overview(client):
    s = build_scenario(1, submit=False)
    client.force_login(s.instructor)
    page = client.get(reverse("cohorts:dashboard", args=[s.cohort.pk])).content.decode()
    assert reverse("reviews:queue", args=[s.cohort.pk]) in page
    assert reverse("assignments:overview", args=[s.cohort.pk]) in page
    assert "To hand in" not in page


def test_the_overview_shows_instructors_who_has_not_handed_in(client):
    s = build_scenario(3, submit=False)
    s.submit(s.students[0])
    client.force_login(s.instructor)
    response = client.get(reverse("assignments:overview", args=[s.cohort.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 of 3" in page
    assert "2 students have not handed in" in page
    for student in s.students[1:]:
        assert student.get_display_name() in page


def test_students_and_strangers_do_not_see_the_overview(client):
    s = build_scenario(1, submit=False)
    url = reverse("assignments:overview", args=[s.cohort.pk])
    client.force_login(s.students[0])
    assert client.get(url).status_code == 403
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


# --- Query counts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("students", "peer_reviews", "versions"),
    [(3, 2, 1), (12, 5, 4)],
    ids=["small", "large"],
)
def test_the_assignment_page_costs_the_same_queries_at_any_size(
    client, django_assert_max_num_queries, students, peer_reviews, versions
):
    s = build_scenario(students, peer_reviews=peer_reviews, self_assessment=True)
    author = s.students[0]
    for n in range(versions - 1):
        s.submit(author, at=s.due_at - dt.timedelta(minutes=30 - n), text=f"Draft {n + 2}.")
    EnrolmentFactory.create_batch(3, cohort=s.cohort)
    review_everything(s)
    client.force_login(author)
    # +2: the unread-notification and community counts in the header.
    with django_assert_max_num_queries(18):
        response = client.get(detail_url(s))
    assert response.status_code == 200
    assert response.content.decode().count("review-card") >= peer_reviews


def test_an_editor_previews_the_assignment_with_rubric_and_terms(client):
    s = build_scenario(1, submit=False, due_days=6, late_cutoff_days=2, peer_reviews=3)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(s.assignment.url, HTTP_HOST="localhost")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Editor preview" in page
    assert "Write 300 words." in page
    assert "Argument" in page and "Polished" in page
    assert "6 days after the module unlocks" in page
    assert "Accepted for 2 more days" in page
    assert "3 peers review each submission" in page
