"""The allocation guarantees: nobody reviews their own work or the same submission
twice; with at least k+1 submitters every on-time submission gets exactly k reviewers
and reviewer load differs by at most one; allocation is idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.models import Review, ReviewKind, ReviewStatus
from reviews.services import peer_reviews_allocate, review_submit, review_tick
from tests.factories import EnrolmentFactory
from tests.reviews.conftest import build_scenario


def _peer_reviews(scenario):
    return list(
        Review.objects.filter(
            submission__cohort_assignment__cohort=scenario.cohort, kind=ReviewKind.PEER
        ).select_related("submission")
    )


def _assert_guarantees(scenario, k: int) -> None:
    reviews = _peer_reviews(scenario)
    assert all(r.reviewer_id != r.submission.author_id for r in reviews)
    pairs = [(r.submission_id, r.reviewer_id) for r in reviews]
    assert len(pairs) == len(set(pairs))
    per_submission = Counter(r.submission_id for r in reviews)
    expected = min(k, len(scenario.students) - 1)
    assert set(per_submission.values()) == {expected}
    assert len(per_submission) == len(scenario.students)
    load = Counter(r.reviewer_id for r in reviews)
    assert max(load.values()) - min(load.values()) <= 1
    assert len(load) == len(scenario.students)


@pytest.mark.parametrize(("students", "k"), [(4, 3), (5, 3), (12, 3), (7, 1), (9, 5)])
def test_every_on_time_submission_gets_exactly_k_distinct_reviewers(scenario_of, students, k):
    scenario = scenario_of(students, peer_reviews=k)
    created = peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    assert created == students * k
    _assert_guarantees(scenario, k)


@given(students=st.integers(min_value=2, max_value=14), k=st.integers(min_value=1, max_value=5))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_allocation_guarantees_hold_for_any_cohort_size(db, students, k):
    scenario = build_scenario(students, peer_reviews=k)
    peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    _assert_guarantees(scenario, k)


def test_with_k_or_fewer_submitters_everyone_reviews_everyone_else(scenario_of):
    scenario = scenario_of(3, peer_reviews=3)
    peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    _assert_guarantees(scenario, 3)
    assert len(_peer_reviews(scenario)) == 6


def test_allocation_does_nothing_before_the_deadline(scenario_of):
    scenario = scenario_of(5)
    assert (
        peer_reviews_allocate(run=scenario.run, now=scenario.due_at - dt.timedelta(seconds=1)) == 0
    )
    assert not Review.objects.exists()
    assert scenario.run.allocated_at is None


def test_running_the_allocation_twice_creates_no_duplicates(scenario_of):
    scenario = scenario_of(6)
    peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    first = sorted(Review.objects.values_list("submission_id", "reviewer_id"))
    assert (
        peer_reviews_allocate(run=scenario.run, now=scenario.due_at + dt.timedelta(minutes=1)) == 0
    )
    assert sorted(Review.objects.values_list("submission_id", "reviewer_id")) == first


def test_a_crash_halfway_leaves_nothing_and_a_rerun_allocates_once(scenario_of, monkeypatch):
    from reviews import services

    scenario = scenario_of(6)

    def crash(**kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(services.allocation, "allocate_self_reviews", crash)
    scenario.assignment.self_assessment = True
    scenario.assignment.save_revision().publish()
    with pytest.raises(RuntimeError):
        peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    assert not Review.objects.exists()
    assert scenario.run.allocated_at is None
    monkeypatch.undo()
    peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    _assert_guarantees(scenario, 3)
    assert Review.objects.filter(kind=ReviewKind.SELF).count() == 6


def test_reviews_are_due_after_the_turnaround_and_start_as_to_do(scenario_of):
    scenario = scenario_of(5, review_turnaround_hours=24)
    peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    review = Review.objects.first()
    assert review.status == ReviewStatus.ASSIGNED
    assert review.due_at == scenario.due_at + dt.timedelta(hours=24)
    # Stored as the ORM stores moments, so the database compares them correctly.
    due = scenario.due_at + dt.timedelta(hours=24)
    assert Review.objects.filter(due_at=due, assigned_at=scenario.due_at).count() == 15
    assert not Review.objects.filter(due_at__lt=due).exists()


# --- Balance when loads are uneven --------------------------------------------------------


def _scores(rubric) -> dict:
    return {c["id"]: {"points": c["levels"][-1]["points"]} for c in rubric.criteria}


def _write_every_open_review_except_by(absent, at) -> None:
    for review in (
        Review.objects.filter(kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED)
        .exclude(reviewer=absent)
        .select_related("rubric", "reviewer")
    ):
        review_submit(
            review=review, by=review.reviewer, scores=_scores(review.rubric), comment="Ok.", now=at
        )


def _live_reviewers(submission_id) -> set[int]:
    return set(
        Review.objects.filter(submission_id=submission_id, kind=ReviewKind.PEER)
        .exclude(status=ReviewStatus.EXPIRED)
        .values_list("reviewer_id", flat=True)
    )


def test_late_work_and_reassignments_keep_reviewer_loads_within_one_and_absent_reviewers_last(db):
    """A late submitter makes loads uneven after the on-time allocation; then an absent
    peer's reviews lapse and more work comes in late. Every review handed out goes to a
    present reviewer with the lowest load, so loads never differ by more than one, and a
    reviewer who let reviews lapse gets no new work while present reviewers are left."""
    hour = dt.timedelta(hours=1)
    k = 3
    scenario = build_scenario(12, review_turnaround_hours=24, peer_reviews=k)
    due = scenario.due_at
    peer_reviews_allocate(run=scenario.run, now=due)
    late = [EnrolmentFactory(cohort=scenario.cohort).user for _ in range(3)]
    scenario.submit(late[0], at=due + hour)  # three on-time authors now review one more
    # The absent reviewer owes a review of work with no extra reviewer to spare.
    absent = next(
        student
        for student in scenario.students
        if any(
            len(_live_reviewers(s)) == k
            for s in Review.objects.filter(reviewer=student).values_list("submission_id", flat=True)
        )
    )
    _write_every_open_review_except_by(absent, at=due + 3 * hour)
    owed = Review.objects.filter(reviewer=absent, status=ReviewStatus.ASSIGNED)
    short = [r.submission_id for r in owed if len(_live_reviewers(r.submission_id)) <= k]
    assert short

    lapsed_at = due + 25 * hour
    assert review_tick(now=lapsed_at)["reassigned"] == len(short)
    scenario.submit(late[1], at=due + 26 * hour)
    scenario.submit(late[2], at=due + 27 * hour)

    reviews = _peer_reviews(scenario)
    present = [*(s for s in scenario.students if s != absent), *late]
    load = Counter(r.reviewer_id for r in reviews)
    assert max(load[u.pk] for u in present) - min(load[u.pk] for u in present) <= 1, load
    # Nothing new for the absent reviewer: everything after the lapse went to others.
    given_to_absent = [r for r in reviews if r.reviewer_id == absent.pk]
    assert [r for r in given_to_absent if r.assigned_at >= lapsed_at] == []
    assert {r.status for r in given_to_absent} == {ReviewStatus.EXPIRED}
    # Every submission keeps at least k live reviewers, none its author, none twice.
    live = Counter(r.submission_id for r in reviews if r.status != ReviewStatus.EXPIRED)
    assert len(live) == 15 and min(live.values()) >= k
    assert all(r.reviewer_id != r.submission.author_id for r in reviews)
    pairs = [(r.submission_id, r.reviewer_id) for r in reviews]
    assert len(pairs) == len(set(pairs))
