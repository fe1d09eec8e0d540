"""Races in grading and peer review, on PostgreSQL with real concurrent connections."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from assignments.models import Submission, SubmissionVersion
from lms.errors import Conflict, DomainError
from reviews import services
from reviews.models import Grade, QueueItem, Review, ReviewKind, ReviewStatus
from tests.concurrency import race
from tests.factories import EnrolmentFactory, UserFactory
from tests.reviews.conftest import build_scenario

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _scores(rubric, level=-1):
    return {c["id"]: {"points": c["levels"][level]["points"]} for c in rubric.criteria}


def test_twenty_instructors_pressing_grade_next_at_once_never_get_the_same_item():
    scenario = build_scenario(30, instructor_grading="all", peer_reviews=0)
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    assert QueueItem.objects.filter(resolved_at__isnull=True).count() == 30
    instructors = [UserFactory() for _ in range(20)]
    scenario.cohort.instructors.add(*instructors)
    now = scenario.due_at + dt.timedelta(hours=1)

    results = race(
        [
            lambda u=u: services.queue_claim_next(cohort=scenario.cohort, by=u, now=now)
            for u in instructors
        ]
    )

    claimed = [r.pk for r in results if isinstance(r, QueueItem)]
    assert len(claimed) == 20, results
    assert len(set(claimed)) == 20
    leased = Counter(
        QueueItem.objects.filter(leased_by__isnull=False).values_list("leased_by", flat=True)
    )
    assert set(leased.values()) == {1}


def test_two_graders_at_once_only_one_grade_is_saved():
    scenario = build_scenario(3, instructor_grading="all", peer_reviews=0)
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    holder, colleague = UserFactory(), UserFactory()
    scenario.cohort.instructors.add(holder, colleague)
    item = services.queue_claim_next(cohort=scenario.cohort, by=holder)
    from assignments.services import rubric_snapshot

    rubric = rubric_snapshot(assignment=scenario.assignment)

    results = race(
        [
            lambda u=u, level=level: services.submission_grade(
                submission=item.submission, by=u, scores=_scores(rubric, level), seen_version=None
            )
            for u, level in ((holder, -1), (colleague, 0))
        ]
    )

    assert sum(isinstance(r, Grade) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1
    grade = Grade.objects.get(submission=item.submission)
    assert grade.graded_by == holder and grade.history.count() == 1


def test_a_review_submitted_twice_at_once_is_stored_once():
    scenario = build_scenario(4)
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    review = Review.objects.select_related("rubric", "reviewer").first()

    results = race(
        [
            lambda c=c: services.review_submit(
                review=review, by=review.reviewer, scores=_scores(review.rubric), comment=c
            )
            for c in ("first", "second")
        ]
    )

    assert sum(isinstance(r, Review) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED


def test_the_allocation_run_twice_at_once_allocates_once():
    scenario = build_scenario(12)
    run = scenario.run

    results = race([lambda: services.peer_reviews_allocate(run=run, now=scenario.due_at)] * 2)

    assert sorted(results) == [0, 36]
    pairs = list(Review.objects.values_list("submission_id", "reviewer_id"))
    assert len(pairs) == len(set(pairs)) == 36


def test_a_late_hand_in_during_the_allocation_is_reviewed_exactly_once():
    scenario = build_scenario(8)
    latecomer = EnrolmentFactory(cohort=scenario.cohort).user
    run = scenario.run
    late_at = scenario.due_at + dt.timedelta(minutes=5)

    allocated, submitted = race(
        [
            lambda: services.peer_reviews_allocate(run=run, now=late_at),
            lambda: scenario.submit(latecomer, at=late_at),
        ]
    )

    assert allocated == 8 * 3  # the on-time work, whichever came first
    assert isinstance(submitted, SubmissionVersion) and submitted.number == 1
    late = Submission.objects.get(author=latecomer)
    assert late.is_late and submitted.submission_id == late.pk
    reviewers = list(
        Review.objects.filter(submission=late, kind=ReviewKind.PEER).values_list(
            "reviewer_id", flat=True
        )
    )
    assert len(reviewers) == len(set(reviewers)) == 3
    assert Review.objects.filter(reviewer=latecomer).count() == 3


def test_tick_workers_overlapping_do_not_reassign_twice():
    scenario = build_scenario(6, review_turnaround_hours=24)
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    absent = scenario.students[0]
    for review in Review.objects.exclude(reviewer=absent).select_related("rubric", "reviewer"):
        services.review_submit(
            review=review, by=review.reviewer, scores=_scores(review.rubric), comment="ok"
        )
    owed = set(
        Review.objects.filter(reviewer=absent, status=ReviewStatus.ASSIGNED).values_list(
            "submission_id", flat=True
        )
    )
    assert len(owed) == 3
    later = scenario.due_at + dt.timedelta(hours=25)

    results = race([lambda: services.review_tick(now=later)] * 2)

    # One tick reassigned the absent reviewer's three reviews, the other found nothing.
    assert sorted(r["reassigned"] for r in results) == [0, 3], results
    expired = Review.objects.filter(kind=ReviewKind.PEER, status=ReviewStatus.EXPIRED)
    assert set(expired.values_list("reviewer_id", flat=True)) == {absent.pk}
    assert set(expired.values_list("submission_id", flat=True)) == owed
    replacements = Review.objects.filter(
        submission_id__in=owed, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED
    )
    assert replacements.count() == 3
    assert absent.pk not in set(replacements.values_list("reviewer_id", flat=True))
    active = Review.objects.filter(kind=ReviewKind.PEER).exclude(status=ReviewStatus.EXPIRED)
    per_submission = Counter(active.values_list("submission_id", flat=True))
    assert set(per_submission.values()) == {3}
