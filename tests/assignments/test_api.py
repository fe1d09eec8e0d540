"""The assignments API: the cohort's assignments, one assignment as its viewer sees it,
hand-ins (JSON and multipart) and file downloads."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from assignments.models import Submission, SubmissionVersion
from cms.models import ModulePage
from reviews import services as review_services
from reviews.models import Review, ReviewKind, ReviewStatus
from tests.assertions import assert_error
from tests.factories import UserFactory, assignment_page
from tests.reviews.conftest import build_scenario

pytestmark = pytest.mark.django_db

API = "/api/v1"
PDF = b"%PDF-1.4\n% a short essay\n"


@pytest.fixture
def scenario(db):
    return build_scenario(3, submit=False, accepts_file=True, accepts_link=True)


def _as(api, user):
    api.force_authenticate(user)
    return api


def _url(scenario, suffix: str = "") -> str:
    return f"{API}/cohorts/{scenario.cohort.pk}/assignments/{scenario.assignment.pk}/{suffix}"


def _locked_assignment(scenario):
    """An assignment under a module that opens in week 9 of the scenario's cohort."""
    course = scenario.cohort.course
    module = course.add_child(
        instance=ModulePage(title="Module 9", slug="module-9", summary="Later.", unlock_offset=9)
    )
    return assignment_page(module, instructions="<p>Secret instructions.</p>")


def _scores(review: Review, level: int = -1) -> dict:
    return {
        c["id"]: {"points": c["levels"][level]["points"], "comment": "Fine."}
        for c in review.rubric.criteria
    }


def _write_reviews_on(submission) -> None:
    for review in Review.objects.filter(
        submission=submission, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED
    ).select_related("rubric", "reviewer"):
        review_services.review_submit(
            review=review, by=review.reviewer, scores=_scores(review), comment="Clear and kind."
        )


# --- The list ---------------------------------------------------------------------------


def test_the_list_shows_deadlines_kinds_policy_and_my_submission_status(api, scenario):
    later = _locked_assignment(scenario)
    student = scenario.students[0]
    url = f"{API}/cohorts/{scenario.cohort.pk}/assignments/"

    before = _as(api, student).get(url)
    assert before.status_code == 200
    first, second = before.json()
    assert (first["id"], first["title"], first["locked"]) == (
        scenario.assignment.pk,
        scenario.assignment.title,
        False,
    )
    assert first["accepts"] == ["text", "file", "link"]
    assert (first["peer_reviews"], first["late_policy"], first["late_penalty_percent"]) == (
        3,
        "penalty",
        10,
    )
    assert dt.datetime.fromisoformat(first["due_at"]) == scenario.due_at
    assert first["opens_at"] < first["due_at"] < first["cutoff_at"]
    assert first["review_closes_at"] > first["due_at"]
    assert first["submission_status"] is None
    assert (second["id"], second["locked"]) == (later.pk, True)

    scenario.submit(student)
    after = api.get(url).json()
    assert [a["submission_status"] for a in after] == ["submitted", None]


def test_an_instructor_lists_the_assignments_with_no_status_of_their_own(api, scenario):
    body = _as(api, scenario.instructor).get(f"{API}/cohorts/{scenario.cohort.pk}/assignments/")
    assert [(a["id"], a["submission_status"]) for a in body.json()] == [
        (scenario.assignment.pk, None)
    ]


def test_a_stranger_does_not_see_the_cohort_s_assignments(api, scenario):
    response = _as(api, UserFactory()).get(f"{API}/cohorts/{scenario.cohort.pk}/assignments/")
    assert_error(response, 404, "not_found")


# --- The detail -------------------------------------------------------------------------


def test_the_detail_has_instructions_rubric_and_every_version_newest_first(api, scenario):
    student = scenario.students[0]
    scenario.submit(student, at=scenario.due_at - dt.timedelta(days=1), text="Draft")
    scenario.submit(student, text="Final")

    body = _as(api, student).get(_url(scenario)).json()
    assert body["instructions_html"] == "<p>Write 300 words.</p>"
    assert [c["title"] for c in body["rubric"]] == ["Argument", "Style"]
    assert [lvl["points"] for lvl in body["rubric"][0]["levels"]] == [0, 2, 4]
    assert body["submission"]["submission_status"] == "submitted"
    assert [(v["number"], v["text"]) for v in body["submission"]["versions"]] == [
        (2, "Final"),
        (1, "Draft"),
    ]
    assert body["submission"]["versions"][0]["file_url"] is None
    assert (body["can_submit"], body["received_reviews"], body["grade"]) == (True, [], None)
    assert body["reviews_to_give"] == []


def test_a_locked_assignment_is_a_403_with_its_unlock_moment_and_no_content(api, scenario):
    later = _locked_assignment(scenario)
    url = f"{API}/cohorts/{scenario.cohort.pk}/assignments/{later.pk}/"
    response = _as(api, scenario.students[0]).get(url)
    body = assert_error(response, 403, "module_locked")
    assert body["unlocks_at"]
    assert b"Secret instructions" not in response.content


def test_an_instructor_reads_a_locked_assignment(api, scenario):
    later = _locked_assignment(scenario)
    url = f"{API}/cohorts/{scenario.cohort.pk}/assignments/{later.pk}/"
    response = _as(api, scenario.instructor).get(url)
    assert response.status_code == 200
    assert response.json()["locked"] is True
    assert "Secret instructions" in response.json()["instructions_html"]


def test_the_author_sees_reviews_as_reviewer_n_never_who_wrote_them(api, db):
    scenario = build_scenario(4)
    review_services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    author = scenario.students[0]
    _write_reviews_on(scenario.submission_of(author))

    response = _as(api, author).get(_url(scenario))
    assert response.status_code == 200
    body = response.json()
    received = body["received_reviews"]
    assert [r["label"] for r in received] == ["Reviewer 1", "Reviewer 2", "Reviewer 3"]
    assert {(r["points"], r["max_points"], r["comment"]) for r in received} == {
        (6, 6, "Clear and kind.")
    }
    assert all(r["helpfulness"] is None and r["flagged"] is False for r in received)
    text = response.content.decode()
    for reviewer in scenario.students[1:]:
        assert reviewer.username not in text
        assert reviewer.email not in text
        assert reviewer.get_display_name() not in text
    grade = body["grade"]
    assert (grade["source"], grade["points"], grade["max_points"], grade["final_percent"]) == (
        "peers",
        6.0,
        6,
        100.0,
    )
    assert body["can_request_regrade"] is True
    assert len(body["reviews_to_give"]) == 3
    assert {r["review_status"] for r in body["reviews_to_give"]} == {"assigned"}


def test_an_open_self_assessment_is_offered_to_its_author(api, db):
    scenario = build_scenario(3, self_assessment=True)
    review_services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    author = scenario.students[0]
    body = _as(api, author).get(_url(scenario)).json()
    own = Review.objects.get(reviewer=author, kind=ReviewKind.SELF)
    assert body["self_review_to_write"]["id"] == str(own.public_id)
    assert body["self_review"] is None


# --- Handing in -------------------------------------------------------------------------


def test_handing_in_text_as_json_is_a_201_with_the_version(api, scenario):
    student = scenario.students[0]
    response = _as(api, student).post(
        _url(scenario, "submission/"),
        {"text": "My essay.", "link": "https://example.org/essay"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["text"], body["link"]) == (
        1,
        "My essay.",
        "https://example.org/essay",
    )
    assert (body["submission_status"], body["is_late"], body["late_days"]) == (
        "submitted",
        False,
        0,
    )
    assert body["submission_id"] == scenario.submission_of(student).pk

    again = api.post(_url(scenario, "submission/"), {"text": "Better."}, format="json")
    assert (again.status_code, again.json()["number"]) == (201, 2)


def test_a_file_handed_in_as_multipart_downloads_under_its_own_name(api, scenario, tmp_path):
    student = scenario.students[0]
    upload = SimpleUploadedFile("My Essay.pdf", PDF, content_type="application/pdf")
    response = _as(api, student).post(
        _url(scenario, "submission/"), {"text": "See the file.", "file": upload}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["file_name"], body["file_size"]) == ("My Essay.pdf", len(PDF))
    submission = scenario.submission_of(student)
    assert body["file_url"].endswith(
        f"/api/v1/cohorts/{scenario.cohort.pk}/submissions/{submission.pk}/versions/1/file/"
    )

    download = api.get(body["file_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    # The API hands out bytes; the name (and its type) is in Content-Disposition.
    assert download["Content-Type"] == "application/octet-stream"
    assert 'filename="My Essay.pdf"' in download["Content-Disposition"]
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"

    # The instructor reads it too, whatever the client says it accepts.
    teacher = _as(api, scenario.instructor).get(
        body["file_url"], HTTP_ACCEPT="application/octet-stream"
    )
    assert teacher.status_code == 200
    for other in (scenario.students[1], UserFactory()):
        assert_error(_as(api, other).get(body["file_url"]), 404, "not_found")


def test_a_version_without_a_file_has_no_download(api, scenario):
    student = scenario.students[0]
    scenario.submit(student)
    submission = scenario.submission_of(student)
    url = f"{API}/cohorts/{scenario.cohort.pk}/submissions/{submission.pk}/versions/1/file/"
    assert_error(_as(api, student).get(url), 404, "not_found")


@pytest.mark.parametrize(
    ("data", "format_", "status", "code"),
    [
        ({}, "json", 400, "empty_submission"),
        ({"text": "   "}, "json", 400, "empty_submission"),
        ({"link": "not a link"}, "json", 400, "invalid_link"),
        ({"link": "ftp://example.org/x"}, "json", 400, "invalid_link"),
        ({"text": ["a", "list"]}, "json", 400, "invalid"),
        ({"file": "not a file"}, "json", 400, "invalid"),
        ({"text": "x" * 100_001}, "json", 400, "invalid"),
        ("{not json", "application/json", 400, "parse_error"),
        ("text=hello", "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_a_bad_hand_in_is_a_4xx_and_stores_nothing(api, scenario, data, format_, status, code):
    api = _as(api, scenario.students[0])
    if format_ == "json":
        response = api.post(_url(scenario, "submission/"), data, format="json")
    else:
        response = api.post(_url(scenario, "submission/"), data, content_type=format_)
    assert_error(response, status, code)
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [("essay.exe", b"MZ", "file_type_refused"), ("essay.pdf", b"", "empty_file")],
)
def test_a_refused_file_is_a_400_and_leaves_no_file_behind(
    api, scenario, tmp_path, name, content, code
):
    upload = SimpleUploadedFile(name, content)
    response = _as(api, scenario.students[0]).post(_url(scenario, "submission/"), {"file": upload})
    body = assert_error(response, 400, code)
    assert list(body["errors"]) == ["file"]
    assert not SubmissionVersion.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_text_is_refused_where_the_assignment_takes_only_files(api, db):
    scenario = build_scenario(1, submit=False, accepts_text=False, accepts_file=True)
    response = _as(api, scenario.students[0]).post(
        _url(scenario, "submission/"), {"text": "Words."}, format="json"
    )
    assert assert_error(response, 400, "invalid")["errors"] == {
        "text": ["This assignment does not take text."]
    }


def test_a_revision_after_the_deadline_is_a_409(api, scenario):
    student = scenario.students[0]
    scenario.submit(student)
    with time_machine.travel(scenario.due_at + dt.timedelta(minutes=5), tick=False):
        response = _as(api, student).post(
            _url(scenario, "submission/"), {"text": "Too late."}, format="json"
        )
    assert_error(response, 409, "revisions_closed")


def test_a_first_hand_in_after_the_deadline_is_late_with_its_penalty(api, scenario):
    with time_machine.travel(scenario.due_at + dt.timedelta(hours=2), tick=False):
        api = _as(api, scenario.students[0])
        assert api.get(_url(scenario)).json()["late_penalty_now"] == 10
        response = api.post(_url(scenario, "submission/"), {"text": "Sorry."}, format="json")
    assert response.status_code == 201
    assert (response.json()["is_late"], response.json()["late_days"]) == (True, 1)


def test_handing_in_to_a_locked_assignment_is_a_409(api, scenario):
    later = _locked_assignment(scenario)
    url = f"{API}/cohorts/{scenario.cohort.pk}/assignments/{later.pk}/submission/"
    response = _as(api, scenario.students[0]).post(url, {"text": "Early."}, format="json")
    assert_error(response, 409, "assignment_locked")


def test_an_instructor_cannot_hand_in(api, scenario):
    response = _as(api, scenario.instructor).post(
        _url(scenario, "submission/"), {"text": "Mine."}, format="json"
    )
    assert_error(response, 403, "not_a_student")


# --- Anonymous and unknown --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "cohorts/{cohort}/assignments/"),
        ("get", "cohorts/{cohort}/assignments/{assignment}/"),
        ("post", "cohorts/{cohort}/assignments/{assignment}/submission/"),
        ("get", "cohorts/{cohort}/submissions/1/versions/1/file/"),
    ],
)
def test_an_anonymous_request_is_a_401(api, scenario, method, path):
    url = f"{API}/" + path.format(cohort=scenario.cohort.pk, assignment=scenario.assignment.pk)
    response = getattr(api, method)(url, {"text": "x"}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert not Submission.objects.exists()


UNKNOWN = 999_999


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "cohorts/{unknown}/assignments/"),
        ("get", "cohorts/{unknown}/assignments/{assignment}/"),
        ("get", "cohorts/{cohort}/assignments/{unknown}/"),
        ("get", "cohorts/{cohort}/assignments/{lesson}/"),  # a lesson is not an assignment
        ("post", "cohorts/{cohort}/assignments/{unknown}/submission/"),
        ("post", "cohorts/{unknown}/assignments/{assignment}/submission/"),
        ("get", "cohorts/{cohort}/submissions/{unknown}/versions/1/file/"),
        ("get", "cohorts/{unknown}/submissions/1/versions/1/file/"),
        ("get", "cohorts/{cohort}/assignments/{huge}/"),
        ("post", "cohorts/{cohort}/assignments/{huge}/submission/"),
        ("get", "cohorts/{cohort}/submissions/{huge}/versions/1/file/"),
        ("get", "cohorts/{huge}/assignments/"),
    ],
)
def test_an_unknown_id_is_a_404_never_a_500(api, scenario, method, path):
    lesson = scenario.cohort.course.get_descendants().get(slug="lesson-1-1")
    url = f"{API}/" + path.format(
        unknown=UNKNOWN,
        huge="9" * 25,
        cohort=scenario.cohort.pk,
        assignment=scenario.assignment.pk,
        lesson=lesson.pk,
    )
    response = getattr(_as(api, scenario.students[0]), method)(url, {"text": "x"}, format="json")
    assert_error(response, 404)


# --- Schema -----------------------------------------------------------------------------


def test_the_schema_describes_the_assignment_and_review_endpoints(api, db):
    response = api.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for expected in (
        "/api/v1/cohorts/{cohort_id}/assignments/",
        "/api/v1/cohorts/{cohort_id}/assignments/{assignment_id}/submission/",
        "/api/v1/cohorts/{cohort_id}/assignments/overview/",
        "/api/v1/reviews/{review_id}/",
        "/api/v1/feedback/{review_id}/rating/",
        "/api/v1/cohorts/{cohort_id}/queue/next/",
        "/api/v1/regrades/{regrade_id}/answer/",
    ):
        assert expected in paths
    hand_in = paths["/api/v1/cohorts/{cohort_id}/assignments/{assignment_id}/submission/"]
    assert "multipart/form-data" in hand_in["post"]["requestBody"]["content"]
    download = paths["/api/v1/reviews/{review_id}/file/"]["get"]["responses"]["200"]
    assert download["content"]["application/octet-stream"]["schema"]["format"] == "binary"
