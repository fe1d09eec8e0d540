"""Peer review belongs to a seat that gives access to the cohort: active, or completed
(the archive after the term). A student who left (or was refunded, or deferred to
another cohort) no longer reads, writes or rates reviews there, on any page or endpoint;
a suspended one neither, until the overdue instalment is paid. The reviews a leaver
still owed go to present reviewers at once; a suspended student keeps theirs until they
would go overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from assignments.services import submission_submit
from cohorts.models import Enrolment, EnrolmentStatus
from cohorts.services import (
    enrolment_end,
    enrolment_leave,
    enrolment_suspend,
    enrolment_transfer,
    enrolment_transition,
)
from reviews import services
from reviews.models import Review, ReviewKind, ReviewStatus
from tests.assignments.files import pdf_with_author
from tests.factories import CohortFactory
from tests.reviews.conftest import Scenario, build_scenario

pytestmark = pytest.mark.django_db

API = "/api/v1"
STATES = ["active", "completed", "suspended", "cancelled"]
# What a review page or endpoint answers for each state of the student's seat.
READ_STATUS = {"active": 200, "completed": 200, "suspended": 403, "cancelled": 404}


def _scenario(students: int = 4, peer_reviews: int = 2) -> Scenario:
    """Everyone handed in a text and a PDF; reviews allocated at the deadline."""
    s = build_scenario(students, submit=False, peer_reviews=peer_reviews, accepts_file=True)
    for student in s.students:
        submission_submit(
            cohort=s.cohort,
            assignment_id=s.assignment.pk,
            author=student,
            text="An essay.",
            file=SimpleUploadedFile("essay.pdf", pdf_with_author()),
            now=s.due_at - dt.timedelta(hours=1),
        )
    services.peer_reviews_allocate(run=s.run, now=s.due_at + dt.timedelta(minutes=1))
    return s


def _scores(review: Review) -> dict:
    return {
        c["id"]: {"points": max(level["points"] for level in c["levels"]), "comment": "Ok."}
        for c in review.rubric.criteria
    }


def _owed(user) -> Review:
    return (
        Review.objects.select_related("rubric")
        .filter(reviewer=user, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED)
        .order_by("pk")
        .first()
    )


def _received(s: Scenario, author) -> Review:
    """A peer review of the author's work, written by its reviewer."""
    review = Review.objects.select_related("rubric", "reviewer").filter(
        submission__author=author, kind=ReviewKind.PEER
    )[0]
    services.review_submit(
        review=review, by=review.reviewer, scores=_scores(review), comment="Clear work."
    )
    review.refresh_from_db()
    return review


def _put_in(s: Scenario, user, state: str) -> None:
    enrolment = Enrolment.objects.get(cohort=s.cohort, user=user)
    if state == "cancelled":
        enrolment_leave(enrolment=enrolment, by=user)
    elif state == "suspended":
        with transaction.atomic():
            enrolment_suspend(enrolment=enrolment, reason="instalment overdue")
    elif state == "completed":
        enrolment_transition(enrolment=enrolment, to=EnrolmentStatus.COMPLETED, reason="ended")


def _check(response, state: str, ok: int = 200) -> None:
    expected = ok if READ_STATUS[state] == 200 else READ_STATUS[state]
    assert response.status_code == expected, (state, response.status_code)
    if state == "suspended":
        assert "instalment" in response.content.decode()


# --- The reviewer's side ----------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_a_reviewer_reads_the_review_and_its_file_only_with_a_seat(client, state):
    s = _scenario()
    reviewer = s.students[0]
    review = _owed(reviewer)
    _put_in(s, reviewer, state)
    client.force_login(reviewer)
    _check(client.get(reverse("reviews:review", args=[s.cohort.pk, review.public_id])), state)
    _check(client.get(reverse("reviews:review_file", args=[s.cohort.pk, review.public_id])), state)
    _check(client.get(f"{API}/reviews/{review.public_id}/"), state)
    _check(client.get(f"{API}/reviews/{review.public_id}/file/"), state)


@pytest.mark.parametrize("state", STATES)
def test_a_reviewer_submits_on_the_page_only_with_a_seat(client, state):
    s = _scenario()
    reviewer = s.students[0]
    review = _owed(reviewer)
    _put_in(s, reviewer, state)
    client.force_login(reviewer)
    data = {"comment": "Clear; tighten the ending."}
    for criterion_id, score in _scores(review).items():
        data[f"score-{criterion_id}"] = score["points"]
    response = client.post(reverse("reviews:review", args=[s.cohort.pk, review.public_id]), data)
    _check(response, state, ok=302)
    review.refresh_from_db()
    written = READ_STATUS[state] == 200
    assert review.status == (ReviewStatus.SUBMITTED if written else ReviewStatus.ASSIGNED)
    assert bool(review.scores) is written


@pytest.mark.parametrize("state", STATES)
def test_a_reviewer_submits_through_the_api_only_with_a_seat(client, state):
    s = _scenario()
    reviewer = s.students[0]
    review = _owed(reviewer)
    _put_in(s, reviewer, state)
    client.force_login(reviewer)
    response = client.post(
        f"{API}/reviews/{review.public_id}/",
        {"scores": _scores(review), "comment": "Clear."},
        content_type="application/json",
    )
    _check(response, state)
    review.refresh_from_db()
    written = READ_STATUS[state] == 200
    assert review.status == (ReviewStatus.SUBMITTED if written else ReviewStatus.ASSIGNED)


@pytest.mark.parametrize("state", STATES)
def test_the_lists_of_reviews_to_give_need_a_seat(client, state):
    s = _scenario()
    reviewer = s.students[0]
    review = _owed(reviewer)
    _put_in(s, reviewer, state)
    client.force_login(reviewer)
    link = reverse("reviews:review", args=[s.cohort.pk, review.public_id])
    page = client.get(reverse("reviews:my_reviews", args=[s.cohort.pk]))
    detail = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    listing = client.get(f"{API}/cohorts/{s.cohort.pk}/reviews/")
    if READ_STATUS[state] == 200:
        assert page.status_code == detail.status_code == listing.status_code == 200
        assert link in page.content.decode() and link in detail.content.decode()
        assert str(review.public_id) in listing.content.decode()
    else:
        for response in (page, detail, listing):
            assert response.status_code == READ_STATUS[state]
            assert str(review.public_id) not in response.content.decode()


# --- The author's side ------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_an_author_rates_and_reports_feedback_only_with_a_seat(client, state):
    s = _scenario()
    author = s.students[0]
    review = _received(s, author)
    _put_in(s, author, state)
    client.force_login(author)
    _check(
        client.post(
            reverse("reviews:rate", args=[s.cohort.pk, review.public_id]), {"helpfulness": 4}
        ),
        state,
        ok=302,
    )
    _check(
        client.post(
            f"{API}/feedback/{review.public_id}/rating/",
            {"helpfulness": 5},
            content_type="application/json",
        ),
        state,
    )
    review.refresh_from_db()
    assert review.helpfulness == (5 if READ_STATUS[state] == 200 else None)
    _check(
        client.post(
            f"{API}/feedback/{review.public_id}/flag/",
            {"reason": "Off topic."},
            content_type="application/json",
        ),
        state,
    )
    review.refresh_from_db()
    assert (review.flagged_at is not None) is (READ_STATUS[state] == 200)


@pytest.mark.parametrize("state", STATES)
def test_feedback_received_shows_only_with_a_seat(client, state):
    s = _scenario()
    author = s.students[0]
    review = _received(s, author)
    _put_in(s, author, state)
    client.force_login(author)
    detail = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    api = client.get(f"{API}/cohorts/{s.cohort.pk}/assignments/{s.assignment.pk}/")
    dashboard = client.get(reverse("cohorts:dashboard", args=[s.cohort.pk]))
    for response in (detail, api, dashboard):
        assert response.status_code == READ_STATUS[state], state
        assert ("Clear work." in response.content.decode()) is (
            READ_STATUS[state] == 200 and response is not dashboard
        )
        assert (str(review.public_id) in response.content.decode()) is (READ_STATUS[state] == 200)


def test_a_suspended_student_gets_a_message_they_can_act_on(client):
    s = _scenario()
    reviewer = s.students[0]
    review = _owed(reviewer)
    _put_in(s, reviewer, "suspended")
    client.force_login(reviewer)
    body = client.get(f"{API}/reviews/{review.public_id}/").json()
    assert body["code"] == "enrolment_suspended"
    assert "instalment is paid" in body["detail"]


# --- What a leaver owed -----------------------------------------------------------------


def _leave(s: Scenario, user, how: str) -> None:
    enrolment = Enrolment.objects.get(cohort=s.cohort, user=user)
    if how == "left":
        enrolment_leave(enrolment=enrolment, by=user)
    elif how == "refunded":
        enrolment_end(enrolment=enrolment, by=None, reason="refunded")
    elif how == "cancelled while suspended":
        with transaction.atomic():
            enrolment = enrolment_suspend(enrolment=enrolment, reason="instalment overdue")
        enrolment_end(enrolment=enrolment, by=None, reason="payment plan given up")
    else:
        later = CohortFactory(course=s.cohort.course)
        enrolment_transfer(enrolment=enrolment, to_cohort=later, by=s.instructor)


@pytest.mark.parametrize("how", ["left", "refunded", "deferred", "cancelled while suspended"])
def test_reviews_a_leaver_owed_go_to_present_reviewers_at_once(
    django_capture_on_commit_callbacks, how
):
    s = _scenario(students=6, peer_reviews=2)
    leaver, suspended = s.students[0], s.students[1]
    _put_in(s, suspended, "suspended")
    owed = list(
        Review.objects.filter(reviewer=leaver, status=ReviewStatus.ASSIGNED, kind=ReviewKind.PEER)
    )
    assert len(owed) == 2
    before = set(Review.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        _leave(s, leaver, how)

    replacements = Review.objects.exclude(pk__in=before)
    assert {r.submission_id for r in replacements} == {r.submission_id for r in owed}
    assert not {r.reviewer_id for r in replacements} & {leaver.pk, suspended.pk}
    for review in owed:
        review.refresh_from_db()
        assert review.status == ReviewStatus.EXPIRED
        live = Review.objects.filter(
            submission=review.submission, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED
        ).values_list("reviewer_id", flat=True)
        assert len(live) == 2, how
        assert leaver.pk not in live
    # Nothing else moved: the suspended student still owes theirs.
    assert Review.objects.filter(reviewer=suspended, status=ReviewStatus.ASSIGNED).count() == 2


def test_a_suspended_student_keeps_what_they_owe_until_it_would_go_overdue(
    django_capture_on_commit_callbacks,
):
    s = _scenario(students=5, peer_reviews=2)
    student = s.students[0]
    with django_capture_on_commit_callbacks(execute=True):
        _put_in(s, student, "suspended")
    assert Review.objects.filter(reviewer=student, status=ReviewStatus.ASSIGNED).count() == 2
    # Paid and back before the due moment: the reviews are theirs to write.
    enrolment = Enrolment.objects.get(cohort=s.cohort, user=student)
    with transaction.atomic():
        enrolment_transition(enrolment=enrolment, to=EnrolmentStatus.ACTIVE, reason="paid")
    review = _owed(student)
    services.review_submit(review=review, by=student, scores=_scores(review), comment="Good.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED


def test_reassigning_a_leavers_reviews_twice_changes_nothing_more(
    django_capture_on_commit_callbacks,
):
    s = _scenario(students=5, peer_reviews=2)
    leaver = s.students[0]
    with django_capture_on_commit_callbacks(execute=True):
        _leave(s, leaver, "left")
    count = Review.objects.count()
    assert services.departed_reviews_reassign(cohort_id=s.cohort.pk, user_id=leaver.pk) == 0
    assert Review.objects.count() == count
