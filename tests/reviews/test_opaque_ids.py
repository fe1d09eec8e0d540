"""Reviews are addressed by an opaque id, never by their primary key: the keys of one
allocation are consecutive, so one known key would reveal the allocation cycle."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import Review, ReviewKind, ReviewStatus
from tests.reviews.conftest import Scenario, build_scenario

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _allocated(students: int = 4, **fields) -> Scenario:
    s = build_scenario(students, peer_reviews=2, **fields)
    services.peer_reviews_allocate(run=s.run, now=s.due_at + dt.timedelta(minutes=1))
    return s


def _write(review: Review) -> None:
    scores = {
        c["id"]: {"points": max(level["points"] for level in c["levels"]), "comment": ""}
        for c in review.rubric.criteria
    }
    services.review_submit(review=review, by=review.reviewer, scores=scores, comment="Good.")


def test_every_allocated_review_gets_its_own_random_uuid():
    s = _allocated(6, self_assessment=True)
    ids = list(
        Review.objects.filter(submission__cohort_assignment=s.run).values_list(
            "public_id", flat=True
        )
    )
    assert len(ids) == 6 * 2 + 6
    assert len(set(ids)) == len(ids)
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)


def test_old_integer_addresses_answer_404(client):
    s = _allocated()
    review = Review.objects.filter(kind=ReviewKind.PEER).select_related("reviewer").first()
    client.force_login(review.reviewer)
    assert (
        client.get(reverse("reviews:review", args=[s.cohort.pk, review.public_id])).status_code
        == 200
    )
    for url in (
        f"/learn/{s.cohort.pk}/reviews/{review.pk}/",
        f"/learn/{s.cohort.pk}/reviews/{review.pk}/file/",
        f"{API}/reviews/{review.pk}/",
        f"{API}/reviews/{review.pk}/file/",
    ):
        assert client.get(url).status_code == 404, url
    author = review.submission.author
    client.force_login(author)
    for url in (
        f"/learn/{s.cohort.pk}/feedback/{review.pk}/rate/",
        f"{API}/feedback/{review.pk}/rating/",
        f"{API}/feedback/{review.pk}/flag/",
    ):
        assert client.post(url, {"helpfulness": 3}).status_code == 404, url
    review.refresh_from_db()
    assert review.helpfulness is None


def test_an_unknown_uuid_is_a_404(client):
    s = _allocated()
    client.force_login(s.students[0])
    unknown = uuid.uuid4()
    assert client.get(f"{API}/reviews/{unknown}/").status_code == 404
    assert client.get(reverse("reviews:review", args=[s.cohort.pk, unknown])).status_code == 404


def test_api_ids_of_reviews_are_the_opaque_ids(client):
    s = _allocated()
    reviewer = s.students[0]
    client.force_login(reviewer)
    listing = client.get(f"{API}/cohorts/{s.cohort.pk}/reviews/").json()
    owed = Review.objects.filter(reviewer=reviewer, status=ReviewStatus.ASSIGNED)
    assert {r["id"] for r in listing["open"]} == {str(r.public_id) for r in owed}
    first = owed.select_related("rubric", "reviewer").first()
    assert client.get(f"{API}/reviews/{first.public_id}/").json()["id"] == str(first.public_id)

    received = Review.objects.select_related("rubric", "reviewer").filter(
        submission__author=reviewer, kind=ReviewKind.PEER
    )[0]
    _write(received)
    detail = client.get(f"{API}/cohorts/{s.cohort.pk}/assignments/{s.assignment.pk}/").json()
    assert [r["id"] for r in detail["received_reviews"]] == [str(received.public_id)]
    client.force_login(s.instructor)
    grading = client.get(f"{API}/cohorts/{s.cohort.pk}/submissions/{received.submission_id}/grade/")
    assert str(received.public_id) in {r["id"] for r in grading.json()["reviews"]}


def test_pages_carry_no_review_keys(client):
    s = _allocated()
    student = s.students[0]
    received = Review.objects.select_related("rubric", "reviewer").filter(
        submission__author=student, kind=ReviewKind.PEER
    )[0]
    _write(received)
    client.force_login(student)
    page = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    text = page.content.decode()
    assert f"review-{received.public_id}" in text
    assert f'review-{received.pk}"' not in text and f"/{received.pk}/rate/" not in text
    response = client.post(
        reverse("reviews:rate", args=[s.cohort.pk, received.public_id]), {"helpfulness": 4}
    )
    assert response.url.endswith(f"#review-{received.public_id}")
