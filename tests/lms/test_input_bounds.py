"""Numbers and lists past what the database or the domain takes are a 400 with a
message naming the field, and nothing is written (they were 500s: an integer overflow
in the database driver, a value too long for a PostgreSQL column)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assignments import services as assignment_services
from assignments.models import Submission
from live.models import LiveSession
from lms.errors import ValidationFailed
from reviews import services as review_services
from reviews.models import Review, ReviewStatus
from tests.reviews.conftest import build_scenario

pytestmark = pytest.mark.django_db


def _session(**overrides) -> dict:
    # Within the shared cohort's term: it started eight days ago and runs eight weeks.
    starts_at = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    data = {
        "title": "Workshop",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + dt.timedelta(hours=1)).isoformat(),
        "timezone": "Europe/Amsterdam",
        "join_url": "https://meet.jit.si/abc",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 10**29}, "capacity"),
        ({"capacity": 2**63}, "capacity"),
        ({"capacity": 1e29}, "capacity"),
        ({"capacity": 10_001}, "capacity"),
        ({"host_ids": list(range(1, 5001))}, "host_ids"),
        ({"host_ids": [2**63]}, "host_ids"),
        ({"host_ids": [0]}, "host_ids"),
        ({"description": "x" * 10_001}, "description"),
    ],
)
def test_a_session_out_of_bounds_is_a_400_naming_the_field(
    api, cohort, instructor, overrides, field
):
    api.force_authenticate(instructor)
    response = api.post(
        f"/api/v1/cohorts/{cohort.pk}/sessions/", _session(**overrides), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not LiveSession.objects.exists()


def test_a_session_update_out_of_bounds_is_a_400(api, cohort, instructor):
    api.force_authenticate(instructor)
    created = api.post(f"/api/v1/cohorts/{cohort.pk}/sessions/", _session(), format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/sessions/{created.json()['id']}/"
    for body in ({"capacity": 10**29}, {"host_ids": [1] * 500}, {"notes": "x" * 10_001}):
        response = api.patch(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert LiveSession.objects.get().capacity is None


def test_a_weekly_series_with_a_huge_capacity_is_a_400(api, cohort, instructor):
    api.force_authenticate(instructor)
    body = {
        "title": "Office hours",
        "first_day": "2030-01-07",
        "local_time": "10:00",
        "duration_minutes": 60,
        "weeks": 4,
        "join_url": "https://meet.jit.si/abc",
        "capacity": 10**29,
    }
    response = api.post(f"/api/v1/cohorts/{cohort.pk}/sessions/series/", body, format="json")
    assert response.status_code == 400
    assert "capacity" in response.json()["errors"]
    assert not LiveSession.objects.exists()


def test_the_session_form_refuses_a_huge_capacity(client, cohort, instructor):
    client.force_login(instructor)
    response = client.post(
        f"/learn/{cohort.pk}/sessions/new/",
        {
            "title": "Workshop",
            "day": "2030-01-07",
            "starts": "10:00",
            "ends": "11:00",
            "timezone": "Europe/Amsterdam",
            "join_url": "https://meet.jit.si/abc",
            "capacity": str(10**30),
        },
    )
    assert response.status_code == 400
    assert "capacity" in response.context["form"].errors
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize("course", ["²", "1" * 5000, "-1", "1e3"])
def test_a_course_filter_that_is_not_a_whole_number_is_a_400(api, student, course):
    api.force_authenticate(student)
    response = api.get("/api/v1/cohorts/", {"course": course})
    assert response.status_code == 400
    assert "course" in response.json()["errors"]


@pytest.mark.parametrize("page", ["²", "1" * 5000])
def test_a_roster_page_that_is_not_a_whole_number_is_a_400(api, cohort, instructor, page):
    api.force_authenticate(instructor)
    response = api.get(f"/api/v1/cohorts/{cohort.pk}/roster/", {"page": page})
    assert response.status_code == 400


@pytest.mark.parametrize("page", ["²", "1" * 5000])
def test_a_queue_page_that_is_not_a_whole_number_is_a_400(api, cohort, instructor, page):
    api.force_authenticate(instructor)
    response = api.get(f"/api/v1/cohorts/{cohort.pk}/queue/", {"page": page})
    assert response.status_code == 400


@pytest.fixture
def scenario(db):
    return build_scenario(2, submit=False, accepts_link=True)


def test_a_link_longer_than_its_column_is_refused_by_the_api(api, scenario):
    api.force_authenticate(scenario.students[0])
    url = f"/api/v1/cohorts/{scenario.cohort.pk}/assignments/{scenario.assignment.pk}/submission/"
    response = api.post(url, {"link": "https://example.org/" + "a" * 500}, format="json")
    assert response.status_code == 400
    assert "link" in response.json()["errors"]
    assert not Submission.objects.exists()


def test_a_link_longer_than_its_column_is_refused_by_the_service(scenario):
    with pytest.raises(ValidationFailed) as refused:
        assignment_services.submission_submit(
            cohort=scenario.cohort,
            assignment_id=scenario.assignment.pk,
            author=scenario.students[0],
            link="https://example.org/" + "a" * 500,
        )
    assert refused.value.field == "link"
    assert not Submission.objects.exists()


def test_a_review_with_huge_points_or_too_many_criteria_is_a_400(api, db):
    scenario = build_scenario(4, submit=True)
    review_services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    review = (
        Review.objects.filter(status=ReviewStatus.ASSIGNED)
        .select_related("reviewer", "rubric")
        .first()
    )
    api.force_authenticate(review.reviewer)
    url = f"/api/v1/reviews/{review.public_id}/"
    huge = {c["id"]: {"points": 10**30} for c in review.rubric.criteria}
    many = {str(n): {"points": 1} for n in range(101)}
    for scores in (huge, many):
        response = api.post(url, {"scores": scores, "comment": "Fine."}, format="json")
        assert response.status_code == 400, response.content
        assert "scores" in response.json()["errors"]
    review.refresh_from_db()
    assert review.status == ReviewStatus.ASSIGNED
