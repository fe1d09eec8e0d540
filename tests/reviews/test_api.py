"""The peer review and grading API: reviews to write (anonymous), feedback, regrades,
the instructors' queue, grades and the overview."""

from __future__ import annotations

import datetime as dt
import io
import json

import pikepdf
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assignments.services import submission_submit
from reviews import services
from reviews.models import (
    Grade,
    GradeSource,
    QueueItem,
    QueueReason,
    RegradeRequest,
    RegradeStatus,
    Review,
    ReviewKind,
    ReviewStatus,
)
from tests.assertions import assert_error
from tests.assignments.files import AUTHOR, pdf_with_author
from tests.factories import EnrolmentFactory, UserFactory
from tests.reviews.conftest import build_scenario

pytestmark = pytest.mark.django_db

API = "/api/v1"
PDF = pdf_with_author()


def _as(api, user):
    api.force_authenticate(user)
    return api


def _allocated(students: int = 4, **fields):
    scenario = build_scenario(students, **fields)
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    return scenario


def _scores(rubric, level: int = -1) -> dict:
    return {
        c["id"]: {"points": c["levels"][level]["points"], "comment": "Fine."}
        for c in rubric.criteria
    }


def _open_review_of(user) -> Review:
    return (
        Review.objects.filter(reviewer=user, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED)
        .select_related("rubric", "submission__author")
        .order_by("pk")
        .first()
    )


def _finish_reviews_on(submission, level: int = -1) -> None:
    for review in Review.objects.filter(
        submission=submission, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED
    ).select_related("rubric", "reviewer"):
        services.review_submit(
            review=review, by=review.reviewer, scores=_scores(review.rubric, level), comment="Ok."
        )


def _graded(students: int = 4):
    """A scenario whose first student's work has its peer grade released."""
    scenario = _allocated(students)
    submission = scenario.submission_of(scenario.students[0])
    _finish_reviews_on(submission)
    assert Grade.objects.get(submission=submission).released_at is not None
    return scenario, submission


def _queued(students: int = 3):
    """Every on-time submission waits for an instructor."""
    return _allocated(students, instructor_grading="all")


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


# --- Reviews I owe ----------------------------------------------------------------------


@pytest.fixture
def with_files(db):
    """Four students who each handed in a file named after themselves."""
    scenario = build_scenario(4, submit=False, accepts_file=True)
    for number, student in enumerate(scenario.students, start=1):
        submission_submit(
            cohort=scenario.cohort,
            assignment_id=scenario.assignment.pk,
            author=student,
            text=f"Essay on topic {number}.",
            file=SimpleUploadedFile(f"{student.username}-essay.pdf", PDF),
            now=scenario.due_at - dt.timedelta(hours=1),
        )
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    return scenario


def _assert_nothing_names_an_author(response, scenario, reviewer) -> None:
    text = response.content.decode()
    for author in scenario.students:
        if author == reviewer:
            continue
        assert author.username not in text
        assert author.email not in text
        assert author.get_display_name() not in text
        assert f"{author.username}-essay.pdf" not in text
    assert not _keys(response.json()) & {
        "author",
        "author_id",
        "author_name",
        "username",
        "email",
        "file_name",
        "file_size",
        "file_type",
        "submission_id",
    }


def test_my_reviews_lists_what_i_owe_and_nothing_about_the_authors(api, with_files):
    reviewer = with_files.students[0]
    response = _as(api, reviewer).get(f"{API}/cohorts/{with_files.cohort.pk}/reviews/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["open"]) == 3 and body["done"] == []
    first = body["open"][0]
    assert set(first) == {
        "id",
        "assignment_id",
        "assignment_title",
        "review_status",
        "due_at",
        "submitted_at",
    }
    assert (first["assignment_title"], first["review_status"]) == (
        with_files.assignment.title,
        "assigned",
    )
    _assert_nothing_names_an_author(response, with_files, reviewer)


def test_the_review_to_write_has_rubric_and_work_but_nothing_that_names_the_author(api, with_files):
    reviewer = with_files.students[0]
    review = _open_review_of(reviewer)
    response = _as(api, reviewer).get(f"{API}/reviews/{review.public_id}/")
    assert response.status_code == 200
    body = response.json()
    assert [c["title"] for c in body["rubric"]["criteria"]] == ["Argument", "Style"]
    assert body["rubric"]["max_points"] == 6
    assert body["work"]["text"] == review.submission.versions.get().text
    assert body["work"]["file_url"].endswith(f"/api/v1/reviews/{review.public_id}/file/")
    assert (body["review_status"], body["scores"], body["points"]) == ("assigned", {}, None)
    _assert_nothing_names_an_author(response, with_files, reviewer)


def test_the_reviewed_file_downloads_under_a_neutral_name(api, with_files):
    reviewer = with_files.students[0]
    review = _open_review_of(reviewer)
    response = _as(api, reviewer).get(f"{API}/reviews/{review.public_id}/file/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert AUTHOR.encode() in PDF and AUTHOR.encode() not in content
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert "/Author" not in pdf.docinfo and len(pdf.pages) == 1
    assert f'filename="submission-{review.public_id}.pdf"' in response["Content-Disposition"]
    headers = json.dumps(dict(response.headers))
    assert review.submission.author.username not in headers

    for other in (review.submission.author, with_files.instructor):
        assert_error(
            _as(api, other).get(f"{API}/reviews/{review.public_id}/file/"), 404, "not_found"
        )


def test_a_review_without_a_file_has_no_file_url(api, db):
    scenario = _allocated(3)
    reviewer = scenario.students[0]
    review = _open_review_of(reviewer)
    body = _as(api, reviewer).get(f"{API}/reviews/{review.public_id}/").json()
    assert body["work"] == {
        "text": "My essay.",
        "link": "",
        "file_url": None,
        "file_withheld": False,
    }
    assert_error(api.get(f"{API}/reviews/{review.public_id}/file/"), 404, "not_found")


@pytest.mark.parametrize("method", ["post", "put"])
def test_submitting_a_review_records_it_once(api, db, method):
    scenario = _allocated(4)
    reviewer = scenario.students[0]
    review = _open_review_of(reviewer)
    payload = {"scores": _scores(review.rubric, level=1), "comment": "Good start."}
    response = getattr(_as(api, reviewer), method)(
        f"{API}/reviews/{review.public_id}/", payload, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["review_status"], body["points"], body["max_points"]) == ("submitted", 3, 6)
    assert body["comment"] == "Good start."
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED

    again = api.post(f"{API}/reviews/{review.public_id}/", payload, format="json")
    assert_error(again, 409, "review_done")
    mine = api.get(f"{API}/cohorts/{scenario.cohort.pk}/reviews/").json()
    assert [r["id"] for r in mine["done"]] == [str(review.public_id)]


def _bad_scores(rubric) -> list[tuple[object, str]]:
    argument, style = (c["id"] for c in rubric.criteria)
    return [
        ({argument: {"points": 3}, style: {"points": 2}}, "score_outside_rubric"),
        ({argument: {"points": -4}, style: {"points": 2}}, "score_outside_rubric"),
        (
            {argument: {"points": 4}, style: {"points": 2}, "bogus": {"points": 0}},
            "score_outside_rubric",
        ),
        ({argument: {"points": 4}}, "score_missing"),
        ({argument: {"points": "four"}, style: {"points": 2}}, "invalid"),
        ({argument: {"points": 4.5}, style: {"points": 2}}, "invalid"),
        ({argument: 4, style: 2}, "invalid"),
        ([4, 2], "invalid"),
        ("4,2", "invalid"),
    ]


def test_a_bad_review_is_a_400_with_a_code_and_changes_nothing(api, db):
    scenario = _allocated(4)
    reviewer = scenario.students[0]
    review = _open_review_of(reviewer)
    api = _as(api, reviewer)
    url = f"{API}/reviews/{review.public_id}/"
    for scores, code in _bad_scores(review.rubric):
        response = api.post(url, {"scores": scores, "comment": "Hm."}, format="json")
        assert_error(response, 400, code)
    no_comment = api.post(url, {"scores": _scores(review.rubric)}, format="json")
    assert_error(no_comment, 400, "comment_missing")
    assert_error(api.post(url, {"comment": "No scores."}, format="json"), 400, "invalid")
    assert_error(api.post(url, "{oops", content_type="application/json"), 400, "parse_error")
    review.refresh_from_db()
    assert (review.status, review.scores) == (ReviewStatus.ASSIGNED, {})


def test_nobody_writes_a_review_they_were_not_given(api, db):
    scenario = _allocated(4)
    review = _open_review_of(scenario.students[0])
    payload = {"scores": _scores(review.rubric), "comment": "Sneaky."}
    for intruder in (review.submission.author, scenario.students[1], scenario.instructor):
        if intruder == review.reviewer:
            continue
        api = _as(api, intruder)
        assert_error(api.get(f"{API}/reviews/{review.public_id}/"), 404, "not_found")
        assert_error(api.post(f"{API}/reviews/{review.public_id}/", payload, format="json"), 404)
    review.refresh_from_db()
    assert review.status == ReviewStatus.ASSIGNED


def test_an_expired_review_is_gone_for_its_reviewer(api, db):
    scenario = _allocated(5, peer_reviews=2)
    review = _open_review_of(scenario.students[0])
    services.overdue_reviews_reassign(run=scenario.run, now=review.due_at)
    review.refresh_from_db()
    assert review.status == ReviewStatus.EXPIRED
    api = _as(api, review.reviewer)
    assert_error(api.get(f"{API}/reviews/{review.public_id}/"), 404, "review_expired")
    payload = {"scores": _scores(review.rubric), "comment": "Late."}
    assert_error(api.post(f"{API}/reviews/{review.public_id}/", payload, format="json"), 404)


# --- Feedback I received ----------------------------------------------------------------


def _received(scenario) -> tuple:
    author = scenario.students[0]
    submission = scenario.submission_of(author)
    review = submission.reviews.filter(kind=ReviewKind.PEER).select_related("rubric").first()
    return author, review


def test_the_author_rates_a_review_from_1_to_5(api, db):
    scenario = _allocated(4)
    author, review = _received(scenario)
    url = f"{API}/feedback/{review.public_id}/rating/"
    not_yet = _as(api, author).post(url, {"helpfulness": 4}, format="json")
    assert_error(not_yet, 409, "review_not_done")

    services.review_submit(
        review=review, by=review.reviewer, scores=_scores(review.rubric), comment="Nice."
    )
    response = api.post(url, {"helpfulness": 4}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id": str(review.public_id), "helpfulness": 4, "flagged": False}
    for bad in (0, 6, "five", None, 4.5):
        assert_error(api.post(url, {"helpfulness": bad}, format="json"), 400, "invalid")
    assert_error(api.post(url, {}, format="json"), 400, "invalid")
    review.refresh_from_db()
    assert review.helpfulness == 4

    for other in (review.reviewer, scenario.instructor):
        assert_error(_as(api, other).post(url, {"helpfulness": 1}, format="json"), 404)


def test_flagging_a_review_puts_the_work_in_front_of_an_instructor_once(api, db):
    scenario = _allocated(4)
    author, review = _received(scenario)
    services.review_submit(
        review=review, by=review.reviewer, scores=_scores(review.rubric), comment="Rude."
    )
    url = f"{API}/feedback/{review.public_id}/flag/"
    api = _as(api, author)
    assert_error(api.post(url, {"reason": "   "}, format="json"), 400, "invalid")
    assert_error(api.post(url, {}, format="json"), 400, "invalid")

    response = api.post(url, {"reason": "Insulting."}, format="json")
    assert response.status_code == 200
    assert response.json()["flagged"] is True
    item = QueueItem.objects.get(submission=review.submission)
    assert item.reasons == [QueueReason.FLAGGED]
    assert_error(api.post(url, {"reason": "Again."}, format="json"), 409, "already_flagged")
    assert_error(
        _as(api, review.reviewer).post(url, {"reason": "Mine."}, format="json"), 404, "not_found"
    )


# --- Regrades ---------------------------------------------------------------------------


def test_a_regrade_is_asked_once_after_the_grade_is_released(api, db):
    scenario, submission = _graded()
    author = scenario.students[0]
    url = f"{API}/submissions/{submission.pk}/regrade/"
    api = _as(api, author)
    assert_error(api.post(url, {"reason": "Why?"}, format="json"), 400, "invalid")

    response = api.post(url, {"reason": "The style criterion ignored my edits."}, format="json")
    assert response.status_code == 201
    assert response.json()["regrade_status"] == "open"
    assert QueueItem.objects.get(submission=submission).reasons == [QueueReason.REGRADE]
    again = api.post(url, {"reason": "Please look again at it."}, format="json")
    assert_error(again, 409, "regrade_used")
    detail = api.get(
        f"{API}/cohorts/{scenario.cohort.pk}/assignments/{scenario.assignment.pk}/"
    ).json()
    assert (detail["regrade"]["regrade_status"], detail["can_request_regrade"]) == (
        "open",
        False,
    )


def test_a_regrade_before_the_grade_or_of_someone_else_s_work_is_refused(api, db):
    scenario = _allocated(4)
    author = scenario.students[0]
    submission = scenario.submission_of(author)
    reason = {"reason": "I think this deserves another look."}
    url = f"{API}/submissions/{submission.pk}/regrade/"
    assert_error(_as(api, author).post(url, reason, format="json"), 409, "not_graded")
    for other in (scenario.students[1], scenario.instructor):
        assert_error(_as(api, other).post(url, reason, format="json"), 404, "not_found")
    unknown = f"{API}/submissions/999999/regrade/"
    assert_error(_as(api, author).post(unknown, reason, format="json"), 404, "not_found")
    assert not RegradeRequest.objects.exists()


# --- The queue --------------------------------------------------------------------------


def test_the_queue_lists_waiting_work_with_names_reasons_and_waits(api, db):
    scenario = _queued(3)
    with time_machine.travel(scenario.due_at + dt.timedelta(hours=1), tick=False):
        response = _as(api, scenario.instructor).get(f"{API}/cohorts/{scenario.cohort.pk}/queue/")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"], body["mine"]) == (3, 1, 1, None)
    names = {s.get_display_name() for s in scenario.students}
    assert {entry["author_name"] for entry in body["results"]} == names
    entry = body["results"][0]
    assert entry["reasons"] == ["instructor_grades_all"]
    assert entry["reason_labels"] == ["Instructors grade every submission"]
    assert entry["assignment_title"] == scenario.assignment.title
    assert (entry["leased_by"], entry["lease_expires_at"]) == (None, None)
    assert entry["waited_seconds"] == 3600  # queued at the deadline, an hour ago
    assert body["oldest_wait_seconds"] == 3600

    paged = api.get(f"{API}/cohorts/{scenario.cohort.pk}/queue/", {"page": 2, "per_page": 2}).json()
    assert (paged["count"], paged["page"], paged["pages"], len(paged["results"])) == (
        3,
        2,
        2,
        1,
    )


@pytest.mark.parametrize(
    "params", [{"page": "0"}, {"page": "two"}, {"per_page": "0"}, {"per_page": "500"}]
)
def test_a_bad_queue_page_is_a_400(api, db, params):
    scenario = _queued(2)
    response = _as(api, scenario.instructor).get(
        f"{API}/cohorts/{scenario.cohort.pk}/queue/", params
    )
    assert_error(response, 400, "invalid")


def test_grade_next_gives_two_instructors_different_items(api, db):
    scenario = _queued(3)
    other = UserFactory()
    scenario.cohort.instructors.add(other)
    url = f"{API}/cohorts/{scenario.cohort.pk}/queue/next/"

    first = _as(api, scenario.instructor).post(url)
    second = _as(api, other).post(url)
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["submission_id"] != second.json()["submission_id"]
    assert first.json()["leased_by"] == scenario.instructor.get_display_name()
    assert first.json()["lease_expires_at"]

    # Asking again returns the item already held.
    assert _as(api, scenario.instructor).post(url).json()["id"] == first.json()["id"]
    listing = api.get(f"{API}/cohorts/{scenario.cohort.pk}/queue/").json()
    assert listing["mine"]["id"] == first.json()["id"]
    held = {e["id"]: e["leased_by"] for e in listing["results"]}
    assert held[second.json()["id"]] == other.get_display_name()


def test_grade_next_on_an_empty_queue_is_a_204(api, db):
    scenario = _allocated(3)
    response = _as(api, scenario.instructor).post(f"{API}/cohorts/{scenario.cohort.pk}/queue/next/")
    assert response.status_code == 204
    assert not response.content


def test_releasing_gives_the_item_back_to_the_queue(api, db):
    scenario = _queued(2)
    api = _as(api, scenario.instructor)
    item = api.post(f"{API}/cohorts/{scenario.cohort.pk}/queue/next/").json()
    released = api.post(f"{API}/queue/{item['id']}/release/")
    assert released.status_code == 200
    assert (released.json()["leased_by"], released.json()["lease_expires_at"]) == (None, None)
    assert_error(api.post(f"{API}/queue/{item['id']}/release/"), 409, "not_leased")
    assert_error(api.post(f"{API}/queue/999999/release/"), 404, "not_found")
    assert_error(
        _as(api, scenario.students[0]).post(f"{API}/queue/{item['id']}/release/"),
        403,
        "not_instructor",
    )


# --- Grading ----------------------------------------------------------------------------


def test_the_grading_view_names_the_author_and_every_reviewer(api, db):
    scenario = _allocated(4)
    submission = scenario.submission_of(scenario.students[0])
    _finish_reviews_on(submission)
    url = f"{API}/cohorts/{scenario.cohort.pk}/submissions/{submission.pk}/grade/"
    response = _as(api, scenario.instructor).get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["submission"]["author_name"] == scenario.students[0].get_display_name()
    assert body["submission"]["submission_status"] == "graded"
    assert body["version"]["text"] == "My essay."
    assert [c["title"] for c in body["rubric"]] == ["Argument", "Style"]
    reviewers = {r.reviewer.get_display_name() for r in submission.reviews.all()}
    assert {r["reviewer_name"] for r in body["reviews"]} == reviewers
    assert body["grade"]["source"] == GradeSource.PEERS
    assert (body["queue_item"], body["regrade"]) == (None, None)


def test_an_instructor_grade_overrides_resolves_the_item_and_reaches_the_student(api, db):
    scenario = _queued(3)
    instructor = scenario.instructor
    claimed = _as(api, instructor).post(f"{API}/cohorts/{scenario.cohort.pk}/queue/next/").json()
    submission_id = claimed["submission_id"]
    url = f"{API}/cohorts/{scenario.cohort.pk}/submissions/{submission_id}/grade/"
    rubric = Review.objects.filter(submission_id=submission_id).first().rubric
    response = api.post(
        url,
        {"scores": _scores(rubric, level=1), "feedback": "Solid.", "reason": "first pass"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["source"], body["points"], body["max_points"], body["final_percent"]) == (
        "instructor",
        3.0,
        6,
        50.0,
    )
    assert body["released_at"] is not None
    assert QueueItem.objects.get(pk=claimed["id"]).resolved_at is not None

    author = Grade.objects.get(submission_id=submission_id).submission.author
    detail = _as(api, author).get(
        f"{API}/cohorts/{scenario.cohort.pk}/assignments/{scenario.assignment.pk}/"
    )
    assert detail.json()["grade"]["feedback"] == "Solid."


def test_a_grade_released_later_stays_hidden_until_then(api, db):
    scenario = _queued(2)
    submission = scenario.submission_of(scenario.students[0])
    url = f"{API}/cohorts/{scenario.cohort.pk}/submissions/{submission.pk}/grade/"
    rubric = Review.objects.filter(submission=submission).first().rubric
    later = (timezone.now() + dt.timedelta(days=2)).isoformat()
    response = _as(api, scenario.instructor).post(
        url, {"scores": _scores(rubric), "release_at": later}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["released_at"] is None
    detail = _as(api, scenario.students[0]).get(
        f"{API}/cohorts/{scenario.cohort.pk}/assignments/{scenario.assignment.pk}/"
    )
    assert detail.json()["grade"] is None


def test_bad_grades_are_4xx_with_codes(api, db):
    scenario = _queued(2)
    submission = scenario.submission_of(scenario.students[0])
    url = f"{API}/cohorts/{scenario.cohort.pk}/submissions/{submission.pk}/grade/"
    rubric = Review.objects.filter(submission=submission).first().rubric
    api = _as(api, scenario.instructor)
    for scores, code in _bad_scores(rubric):
        assert_error(api.post(url, {"scores": scores}, format="json"), 400, code)
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    good = _scores(rubric)
    assert_error(api.post(url, {"scores": good, "release_at": past}, format="json"), 400)
    assert_error(api.post(url, {"scores": good, "release_at": "soon"}, format="json"), 400)
    assert_error(api.post(url, "[1, 2", content_type="application/json"), 400, "parse_error")
    assert not Grade.objects.exists()

    other = UserFactory()
    scenario.cohort.instructors.add(other)
    _as(api, other).post(f"{API}/cohorts/{scenario.cohort.pk}/queue/next/")
    held = QueueItem.objects.get(leased_by=other).submission_id
    held_url = f"{API}/cohorts/{scenario.cohort.pk}/submissions/{held}/grade/"
    response = _as(api, scenario.instructor).post(held_url, {"scores": good}, format="json")
    assert_error(response, 409, "leased_by_other")


def test_answering_a_regrade_keeps_or_changes_the_grade(api, db):
    scenario, submission = _graded()
    author = scenario.students[0]
    services.regrade_request(
        submission=submission, by=author, reason="The argument was stronger than scored."
    )
    regrade = RegradeRequest.objects.get(submission=submission)
    url = f"{API}/regrades/{regrade.pk}/answer/"
    assert_error(_as(api, author).post(url, {"answer": "Mine."}, format="json"), 403)
    api = _as(api, scenario.instructor)
    assert_error(api.post(url, {"answer": "  "}, format="json"), 400, "invalid")
    assert_error(api.post(url, {"answer": "x", "scores": [1]}, format="json"), 400, "invalid")
    assert_error(api.post(f"{API}/regrades/999999/answer/", {"answer": "x"}, format="json"), 404)

    rubric = Grade.objects.get(submission=submission).rubric
    response = api.post(
        url, {"answer": "You are right.", "scores": _scores(rubric, level=1)}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["regrade_status"], response.json()["answer"]) == (
        RegradeStatus.ANSWERED,
        "You are right.",
    )
    grade = Grade.objects.get(submission=submission)
    assert (grade.source, grade.points) == (GradeSource.INSTRUCTOR, 3)
    again = api.post(url, {"answer": "Once more."}, format="json")
    assert_error(again, 409, "regrade_answered")


def test_answering_a_regrade_without_scores_keeps_the_grade(api, db):
    scenario, submission = _graded()
    services.regrade_request(
        submission=submission, by=scenario.students[0], reason="Style deserved more points."
    )
    regrade = RegradeRequest.objects.get(submission=submission)
    before = Grade.objects.get(submission=submission).final_percent
    response = _as(api, scenario.instructor).post(
        f"{API}/regrades/{regrade.pk}/answer/", {"answer": "The grade stands."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["regrade_status"] == RegradeStatus.ANSWERED
    assert Grade.objects.get(submission=submission).final_percent == before
    assert not QueueItem.objects.filter(submission=submission, resolved_at__isnull=True).exists()


# --- Overview ---------------------------------------------------------------------------


def test_the_overview_counts_work_reviews_and_the_queue(api, db):
    scenario = build_scenario(4, submit=False)
    for student in scenario.students[:3]:
        scenario.submit(student)
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    flagged_author = scenario.students[0]
    submission = scenario.submission_of(flagged_author)
    review = submission.reviews.select_related("rubric").first()
    services.review_submit(
        review=review, by=review.reviewer, scores=_scores(review.rubric), comment="Meh."
    )
    services.review_flag(review=review, by=flagged_author, reason="Unkind.")

    with time_machine.travel(scenario.due_at + dt.timedelta(hours=2), tick=False):
        response = _as(api, scenario.instructor).get(
            f"{API}/cohorts/{scenario.cohort.pk}/assignments/overview/"
        )
    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["students"], row["submitted"], row["late"], row["graded"]) == (
        scenario.assignment.pk,
        4,
        3,
        0,
        0,
    )
    missing = scenario.students[3]
    assert row["not_submitted"] == [{"id": missing.pk, "name": missing.get_display_name()}]
    owing = {o["id"]: o["count"] for o in row["owing_reviews"]}
    assert sum(owing.values()) == 3 * 2 - 1
    assert (row["in_queue"], row["locked"]) == (1, False)
    assert row["oldest_wait_seconds"] > 0


# --- Who may do what --------------------------------------------------------------------


INSTRUCTOR_ENDPOINTS = [
    ("get", "cohorts/{cohort}/queue/"),
    ("post", "cohorts/{cohort}/queue/next/"),
    ("get", "cohorts/{cohort}/submissions/{submission}/grade/"),
    ("post", "cohorts/{cohort}/submissions/{submission}/grade/"),
    ("get", "cohorts/{cohort}/assignments/overview/"),
    ("post", "regrades/{regrade}/answer/"),
    ("post", "queue/{item}/release/"),
]


@pytest.fixture
def everything(db):
    """A graded submission with an open regrade request (so a queue item)."""
    scenario, submission = _graded()
    regrade = services.regrade_request(
        submission=submission, by=scenario.students[0], reason="Please look at style again."
    )
    item = QueueItem.objects.get(submission=submission, resolved_at__isnull=True)
    return scenario, submission, regrade, item


def _format(path, scenario, submission, regrade, item, review=None):
    return f"{API}/" + path.format(
        cohort=scenario.cohort.pk,
        submission=submission.pk,
        regrade=regrade.pk,
        item=item.pk,
        review=review.public_id if review else 0,
    )


@pytest.mark.parametrize(("method", "path"), INSTRUCTOR_ENDPOINTS)
def test_students_get_403_on_instructor_endpoints(api, everything, method, path):
    scenario, submission, regrade, item = everything
    url = _format(path, scenario, submission, regrade, item)
    for student in (scenario.students[0], scenario.students[1]):
        response = getattr(_as(api, student), method)(url, {"answer": "x"}, format="json")
        assert_error(response, 403)
    assert RegradeRequest.objects.get().status == RegradeStatus.OPEN


@pytest.mark.parametrize(("method", "path"), INSTRUCTOR_ENDPOINTS)
def test_strangers_get_403_or_404_on_instructor_endpoints(api, everything, method, path):
    scenario, submission, regrade, item = everything
    url = _format(path, scenario, submission, regrade, item)
    outsider = EnrolmentFactory().user  # a student of another cohort
    response = getattr(_as(api, outsider), method)(url, {"answer": "x"}, format="json")
    assert response.status_code in (403, 404)
    assert_error(response, response.status_code)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        *INSTRUCTOR_ENDPOINTS,
        ("get", "cohorts/{cohort}/reviews/"),
        ("get", "reviews/{review}/"),
        ("post", "reviews/{review}/"),
        ("put", "reviews/{review}/"),
        ("get", "reviews/{review}/file/"),
        ("post", "feedback/{review}/rating/"),
        ("post", "feedback/{review}/flag/"),
        ("post", "submissions/{submission}/regrade/"),
    ],
)
def test_an_anonymous_request_is_a_401(api, everything, method, path):
    scenario, submission, regrade, item = everything
    review = submission.reviews.first()
    url = _format(path, scenario, submission, regrade, item, review)
    response = getattr(api, method)(url, {"helpfulness": 3}, format="json")
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "cohorts/{unknown}/reviews/"),
        ("get", "reviews/{unknown}/"),
        ("post", "reviews/{unknown}/"),
        ("get", "reviews/{unknown}/file/"),
        ("post", "feedback/{unknown}/rating/"),
        ("post", "feedback/{unknown}/flag/"),
        ("post", "submissions/{unknown}/regrade/"),
        ("get", "cohorts/{unknown}/queue/"),
        ("post", "cohorts/{unknown}/queue/next/"),
        ("post", "queue/{unknown}/release/"),
        ("get", "cohorts/{cohort}/submissions/{unknown}/grade/"),
        ("post", "cohorts/{cohort}/submissions/{unknown}/grade/"),
        ("get", "cohorts/{unknown}/submissions/1/grade/"),
        ("post", "regrades/{unknown}/answer/"),
        ("get", "cohorts/{unknown}/assignments/overview/"),
        ("get", "reviews/{huge}/"),
        ("get", "reviews/{huge}/file/"),
        ("post", "feedback/{huge}/flag/"),
        ("post", "submissions/{huge}/regrade/"),
        ("post", "queue/{huge}/release/"),
        ("get", "cohorts/{cohort}/submissions/{huge}/grade/"),
        ("post", "regrades/{huge}/answer/"),
    ],
)
def test_an_unknown_id_is_a_404_never_a_500(api, db, method, path):
    scenario = _allocated(3)
    url = f"{API}/" + path.format(unknown=999_999, huge="9" * 25, cohort=scenario.cohort.pk)
    user = scenario.instructor if "review" not in path and "feedback" not in path else None
    api = _as(api, user or scenario.students[0])
    body = {
        "scores": {},
        "comment": "x",
        "helpfulness": 3,
        "reason": "A reason of some length.",
        "answer": "x",
    }
    assert_error(getattr(api, method)(url, body, format="json"), 404)


# --- Query counts -----------------------------------------------------------------------


@pytest.mark.parametrize("students", [4, 16])
def test_the_review_page_costs_the_same_whatever_the_cohort_size(
    api, db, django_assert_max_num_queries, students
):
    scenario = _allocated(students)
    reviewer = scenario.students[0]
    review = _open_review_of(reviewer)
    api = _as(api, reviewer)
    # The review with its rubric and assignment, then the latest version.
    with django_assert_max_num_queries(2):
        assert api.get(f"{API}/reviews/{review.public_id}/").status_code == 200


@pytest.mark.parametrize("students", [3, 25])
def test_the_queue_costs_the_same_whatever_its_length(
    api, db, django_assert_max_num_queries, students
):
    scenario = _queued(students)
    api = _as(api, scenario.instructor)
    api.post(f"{API}/cohorts/{scenario.cohort.pk}/queue/next/")
    # The cohort, the viewer's role (2), the count, the page, the oldest wait, the item
    # I hold and its holder's name.
    with django_assert_max_num_queries(8):
        response = api.get(f"{API}/cohorts/{scenario.cohort.pk}/queue/")
    assert response.json()["count"] == students


@pytest.mark.parametrize("students", [3, 25])
def test_grade_next_costs_the_same_whatever_the_queue_length(
    api, db, django_assert_max_num_queries, students
):
    scenario = _queued(students)
    api = _as(api, scenario.instructor)
    # The cohort, the role (2), the item I hold, the oldest free item, the lease; and the
    # savepoint pair of the service's transaction.
    with django_assert_max_num_queries(8):
        response = api.post(f"{API}/cohorts/{scenario.cohort.pk}/queue/next/")
    assert response.status_code == 200
