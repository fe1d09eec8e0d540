"""Peer review after the deadline: late work, overdue reviews, closing, grades, the
instructor queue, regrades, flags, and the emails they send."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.core import mail

from assignments.models import SubmissionStatus
from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from reviews import services
from reviews.models import (
    Grade,
    GradeSource,
    QueueItem,
    QueueReason,
    RegradeRequest,
    Review,
    ReviewKind,
    ReviewStatus,
)
from tests.factories import UserFactory
from tests.reviews.conftest import build_scenario

HOUR = dt.timedelta(hours=1)


def _scores(review_or_rubric, level: int = -1) -> dict:
    rubric = getattr(review_or_rubric, "rubric", review_or_rubric)
    return {
        c["id"]: {"points": c["levels"][level]["points"], "comment": "ok"} for c in rubric.criteria
    }


def _allocated(students=5, **fields):
    scenario = build_scenario(students, **fields)
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    return scenario


def _open_reviews_of(user):
    return list(Review.objects.filter(reviewer=user, status=ReviewStatus.ASSIGNED))


def _finish_all_reviews_on(submission, *, level=-1, at=None):
    for review in Review.objects.filter(
        submission=submission, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED
    ).select_related("rubric", "reviewer"):
        services.review_submit(
            review=review,
            by=review.reviewer,
            scores=_scores(review, level),
            comment="Good.",
            now=at,
        )


# --- Rolling pool and reassignment ------------------------------------------------------


def test_late_work_is_reviewed_by_the_least_loaded_peers_and_its_author_reviews_too(db):
    scenario = _allocated(6)
    late_author = scenario.students[0]
    # A late student who had not handed in before.
    from tests.factories import EnrolmentFactory

    newcomer = EnrolmentFactory(cohort=scenario.cohort).user
    scenario.submit(newcomer, at=scenario.due_at + 2 * HOUR)
    late = scenario.submission_of(newcomer)
    assert late.is_late and late.status == SubmissionStatus.IN_REVIEW
    reviewers = set(
        Review.objects.filter(submission=late, kind=ReviewKind.PEER).values_list(
            "reviewer_id", flat=True
        )
    )
    assert len(reviewers) == 3 and newcomer.pk not in reviewers
    given = Review.objects.filter(reviewer=newcomer, kind=ReviewKind.PEER)
    assert given.count() == 3
    load = Counter(
        Review.objects.filter(kind=ReviewKind.PEER).values_list("reviewer_id", flat=True)
    )
    assert max(load.values()) - min(load.values()) <= 1
    assert late_author.pk in load


def test_a_second_late_submitter_is_reviewed_by_the_first_who_owes_late_work_first(db):
    from tests.factories import EnrolmentFactory

    scenario = _allocated(6)
    first, second = (EnrolmentFactory(cohort=scenario.cohort).user for _ in range(2))
    scenario.submit(first, at=scenario.due_at + HOUR)
    scenario.submit(second, at=scenario.due_at + 2 * HOUR)
    second_sub = scenario.submission_of(second)
    # The first late author has the lowest load with three on-time authors (the other
    # three took the first late work); among equals the late author comes first.
    assert Review.objects.filter(submission=second_sub, reviewer=first).exists()
    for sub in (scenario.submission_of(first), second_sub):
        assert Review.objects.filter(submission=sub, kind=ReviewKind.PEER).count() >= 3


def test_late_work_before_the_allocation_ran_is_allocated_with_it(db):
    from tests.factories import EnrolmentFactory

    scenario = build_scenario(5)
    late_student = EnrolmentFactory(cohort=scenario.cohort).user
    scenario.submit(late_student, at=scenario.due_at + HOUR)
    services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at + 2 * HOUR)
    late = scenario.submission_of(late_student)
    assert Review.objects.filter(submission=late, kind=ReviewKind.PEER).count() == 3
    # The on-time allocation is untouched: 3 reviewers each among the on-time authors;
    # the late author's own reviews of on-time work come on top, as extra feedback.
    on_time = Review.objects.filter(
        submission__is_late=False, kind=ReviewKind.PEER, reviewer__in=scenario.students
    )
    assert set(Counter(on_time.values_list("submission_id", flat=True)).values()) == {3}
    assert Review.objects.filter(reviewer=late_student).count() == 3


def test_an_overdue_review_goes_to_another_present_reviewer(db):
    scenario = _allocated(6, review_turnaround_hours=24)
    absent = scenario.students[0]
    for review in Review.objects.exclude(reviewer=absent).select_related("rubric", "reviewer"):
        services.review_submit(
            review=review, by=review.reviewer, scores=_scores(review, 1), comment="Fine."
        )
    taken = {r.submission_id for r in _open_reviews_of(absent)}
    counts = services.review_tick(now=scenario.due_at + 25 * HOUR)
    assert counts["reassigned"] >= 3
    assert not _open_reviews_of(absent)
    for submission_id in taken:
        active = Review.objects.filter(submission_id=submission_id, kind=ReviewKind.PEER).exclude(
            status=ReviewStatus.EXPIRED
        )
        assert active.count() == 3
        assert absent.pk not in set(active.values_list("reviewer_id", flat=True))
        # Never the same reviewer twice, never the author.
        author = Review.objects.filter(submission_id=submission_id).first().submission.author_id
        reviewers = list(
            Review.objects.filter(submission_id=submission_id).values_list("reviewer_id", flat=True)
        )
        assert author not in reviewers and len(reviewers) == len(set(reviewers))


def test_the_tick_allocates_at_the_deadline_and_is_idempotent(
    db, django_capture_on_commit_callbacks
):
    scenario = build_scenario(5)
    assert services.review_tick(now=scenario.due_at - HOUR)["allocated"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.review_tick(now=scenario.due_at)["allocated"] == 15
    assert services.review_tick(now=scenario.due_at + HOUR)["allocated"] == 0
    assert Review.objects.filter(kind=ReviewKind.PEER).count() == 15
    assert len(mail.outbox) == 5
    assert "review" in mail.outbox[0].subject.lower()


def test_closing_queues_every_submission_short_of_k_reviews_with_the_reason(db):
    scenario = _allocated(5)
    done = scenario.submission_of(scenario.students[0])
    _finish_all_reviews_on(done)
    closes = scenario.slot.deadlines.review_closes_at
    counts = services.review_tick(now=closes)
    assert counts["queued"] == 4
    assert not Review.objects.filter(status=ReviewStatus.ASSIGNED).exists()
    items = QueueItem.objects.filter(resolved_at__isnull=True)
    assert {tuple(i.reasons) for i in items} == {(QueueReason.SHORT_OF_REVIEWS,)}
    done.refresh_from_db()
    assert done.status == SubmissionStatus.GRADED
    # Every submission ends with a grade or in front of an instructor.
    assert set(scenario.run.submissions.values_list("status", flat=True)) <= {
        SubmissionStatus.GRADED,
        SubmissionStatus.WITH_INSTRUCTOR,
    }
    assert services.review_tick(now=closes + HOUR)["queued"] == 0


def test_a_lone_submitter_goes_to_the_instructor_at_close(db):
    scenario = _allocated(1)
    services.review_tick(now=scenario.slot.deadlines.review_closes_at)
    assert QueueItem.objects.get().reasons == [QueueReason.SHORT_OF_REVIEWS]


# --- Reviews ----------------------------------------------------------------------------


def test_reviewing_what_you_were_not_assigned_is_refused(db):
    scenario = _allocated(5)
    review = Review.objects.filter(kind=ReviewKind.PEER).first()
    stranger = next(
        s
        for s in scenario.students
        if s.pk != review.reviewer_id and s.pk != review.submission.author_id
    )
    with pytest.raises(NotFound):
        services.review_submit(review=review, by=stranger, scores=_scores(review), comment="x")


def test_reviewing_twice_is_refused(db):
    _allocated(5)
    review = Review.objects.filter(kind=ReviewKind.PEER).select_related("rubric").first()
    services.review_submit(review=review, by=review.reviewer, scores=_scores(review), comment="A")
    with pytest.raises(Conflict, match="already"):
        services.review_submit(
            review=review, by=review.reviewer, scores=_scores(review), comment="B"
        )
    review.refresh_from_db()
    assert review.comment == "A"


@pytest.mark.parametrize(
    "bad",
    [
        "not a dict",
        {},
        {"unknown-criterion": {"points": 1}},
    ],
)
def test_scores_outside_the_rubric_are_refused(db, bad):
    _allocated(5)
    review = Review.objects.filter(kind=ReviewKind.PEER).first()
    with pytest.raises(ValidationFailed):
        services.review_submit(review=review, by=review.reviewer, scores=bad, comment="x")
    review.refresh_from_db()
    assert review.status == ReviewStatus.ASSIGNED


def test_points_between_levels_are_refused(db):
    _allocated(5)
    review = Review.objects.filter(kind=ReviewKind.PEER).select_related("rubric").first()
    scores = _scores(review)
    first = review.rubric.criteria[0]["id"]
    scores[first]["points"] = 3  # levels are 0, 2, 4
    with pytest.raises(ValidationFailed) as exc:
        services.review_submit(review=review, by=review.reviewer, scores=scores, comment="x")
    assert exc.value.code == "score_outside_rubric"


def test_an_expired_review_can_no_longer_be_submitted(db):
    scenario = _allocated(6, review_turnaround_hours=24)
    services.review_tick(now=scenario.due_at + 25 * HOUR)
    expired = Review.objects.filter(status=ReviewStatus.EXPIRED).select_related("rubric").first()
    with pytest.raises(Conflict, match="another reviewer"):
        services.review_submit(
            review=expired, by=expired.reviewer, scores=_scores(expired), comment="late"
        )


def test_reviews_keep_their_rubric_when_the_designer_edits_it(db):
    scenario = _allocated(5)
    review = Review.objects.filter(kind=ReviewKind.PEER).select_related("rubric").first()
    services.review_submit(review=review, by=review.reviewer, scores=_scores(review), comment="A")
    page = scenario.assignment
    del page.rubric[1]  # drop "Style"
    page.rubric[0].value["levels"][2]["points"] = 10
    page.save_revision().publish()
    review.refresh_from_db()
    assert [c["title"] for c in review.rubric.criteria] == ["Argument", "Style"]
    assert review.points == 6
    # Reviews still open score against the rubric they were given.
    other = Review.objects.filter(status=ReviewStatus.ASSIGNED).select_related("rubric").first()
    services.review_submit(review=other, by=other.reviewer, scores=_scores(other), comment="B")
    assert Review.objects.get(pk=other.pk).rubric == review.rubric


def test_feedback_received_is_emailed_to_the_author_once(db, django_capture_on_commit_callbacks):
    scenario = _allocated(5)
    _settle_earlier_emails()
    review = Review.objects.filter(kind=ReviewKind.PEER).select_related("rubric").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.review_submit(
            review=review, by=review.reviewer, scores=_scores(review), comment="A"
        )
    author = review.submission.author
    assert [m.to for m in mail.outbox] == [[author.email]]
    from reviews.tasks import send_feedback_received_email

    assert send_feedback_received_email(review.pk) is False  # a retry sends nothing
    assert scenario  # the scenario stays alive for the rubric


# --- Peer grades ------------------------------------------------------------------------


def test_the_peer_grade_is_the_median_per_criterion_with_the_late_penalty(db):
    from tests.factories import EnrolmentFactory

    scenario = _allocated(5, late_penalty_percent=10, disagreement_percent=40)
    late_student = EnrolmentFactory(cohort=scenario.cohort).user
    scenario.submit(late_student, at=scenario.due_at + 30 * HOUR)  # 2 started days late
    submission = scenario.submission_of(late_student)
    reviews = list(
        Review.objects.filter(submission=submission, kind=ReviewKind.PEER).select_related(
            "rubric", "reviewer"
        )
    )
    argument, style = (c["id"] for c in reviews[0].rubric.criteria)
    given = [(4, 2), (4, 1), (2, 2)]  # 100%, 83% and 67%: within the limit
    for review, (a, s) in zip(reviews, given, strict=True):
        services.review_submit(
            review=review,
            by=review.reviewer,
            scores={argument: {"points": a}, style: {"points": s}},
            comment="Fine.",
        )
    grade = Grade.objects.get(submission=submission)
    assert grade.source == GradeSource.PEERS
    assert grade.criteria[argument]["points"] == 4 and grade.criteria[style]["points"] == 2
    assert grade.points == Decimal("6.0") and grade.max_points == 6
    assert grade.late_penalty_percent == 20
    assert grade.final_percent == Decimal("80.0")
    assert grade.released_at is not None


def test_peers_who_disagree_beyond_the_limit_send_the_work_to_an_instructor(db):
    scenario = _allocated(4, disagreement_percent=30)
    submission = scenario.submission_of(scenario.students[0])
    reviews = list(
        Review.objects.filter(submission=submission).select_related("rubric", "reviewer")
    )
    for review, level in zip(reviews, (-1, -1, 0), strict=True):
        services.review_submit(
            review=review, by=review.reviewer, scores=_scores(review, level), comment="x"
        )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.WITH_INSTRUCTOR
    assert QueueItem.objects.get(submission=submission).reasons == [QueueReason.DISAGREEMENT]
    assert not Grade.objects.filter(submission=submission).exists()


def test_when_instructors_grade_everything_every_submission_is_queued_at_the_deadline(db):
    scenario = _allocated(4, instructor_grading="all")
    assert QueueItem.objects.filter(resolved_at__isnull=True).count() == 4
    submission = scenario.submission_of(scenario.students[0])
    _finish_all_reviews_on(submission)
    assert not Grade.objects.filter(submission=submission).exists()


# --- Instructor queue and grading -------------------------------------------------------


def _queued(students=3, **fields):
    scenario = _allocated(students, instructor_grading="all", **fields)
    return scenario


def test_grade_next_leases_the_oldest_item_and_hands_the_next_to_a_colleague(db):
    scenario = _queued(3)
    colleague = UserFactory()
    scenario.cohort.instructors.add(colleague)
    first = services.queue_claim_next(cohort=scenario.cohort, by=scenario.instructor)
    second = services.queue_claim_next(cohort=scenario.cohort, by=colleague)
    assert first.pk != second.pk
    # Asking again returns the item you hold rather than a second one.
    assert services.queue_claim_next(cohort=scenario.cohort, by=scenario.instructor).pk == first.pk


def test_an_expired_lease_returns_the_item_to_the_queue(db, settings):
    scenario = _queued(1 + 1)
    colleague = UserFactory()
    scenario.cohort.instructors.add(colleague)
    now = scenario.due_at + HOUR
    held = services.queue_claim_next(cohort=scenario.cohort, by=scenario.instructor, now=now)
    later = now + dt.timedelta(minutes=settings.LMS_GRADING_LEASE_MINUTES + 1)
    services.queue_claim_next(cohort=scenario.cohort, by=colleague, now=now)  # takes the other
    again = services.queue_claim_next(cohort=scenario.cohort, by=colleague, now=later)
    assert again.pk in {held.pk} | set(QueueItem.objects.values_list("pk", flat=True))
    taken = services.queue_claim_next(
        cohort=scenario.cohort, by=UserFactory(is_superuser=True), now=later
    )
    assert taken is not None


def test_grading_needs_the_lease_when_a_colleague_holds_it(db):
    scenario = _queued(3)
    colleague = UserFactory(display_name="Carla")
    scenario.cohort.instructors.add(colleague)
    item = services.queue_claim_next(cohort=scenario.cohort, by=colleague)
    rubric = Review.objects.first().rubric
    with pytest.raises(Conflict, match="Carla"):
        services.submission_grade(
            submission=item.submission, by=scenario.instructor, scores=_scores(rubric)
        )
    grade = services.submission_grade(
        submission=item.submission, by=colleague, scores=_scores(rubric), feedback="Well done."
    )
    assert grade.source == GradeSource.INSTRUCTOR and grade.final_percent == Decimal("100.0")
    item.refresh_from_db()
    assert item.resolved_at is not None and item.resolved_by == colleague


def test_only_the_cohorts_instructors_grade(db):
    scenario = _queued(3)
    rubric = Review.objects.first().rubric
    student = scenario.students[0]
    with pytest.raises(NotAllowed):
        services.submission_grade(
            submission=scenario.submission_of(scenario.students[1]),
            by=student,
            scores=_scores(rubric),
        )
    with pytest.raises(NotAllowed):
        services.queue_claim_next(cohort=scenario.cohort, by=student)


def test_feedback_released_later_reaches_the_student_at_that_moment(
    db, django_capture_on_commit_callbacks
):
    scenario = _queued(3)
    mail.outbox.clear()
    now = scenario.due_at + HOUR
    submission = scenario.submission_of(scenario.students[0])
    rubric = Review.objects.first().rubric
    grade = services.submission_grade(
        submission=submission,
        by=scenario.instructor,
        scores=_scores(rubric, 0),
        release_at=now + dt.timedelta(days=1),
        now=now,
    )
    _settle_earlier_emails()
    assert grade.released_at is None
    assert services.review_tick(now=now + dt.timedelta(hours=23))["released"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.review_tick(now=now + dt.timedelta(days=1))["released"] == 1
    grade.refresh_from_db()
    assert grade.released_at is not None
    assert [m.to for m in mail.outbox] == [[submission.author.email]]


def test_every_grade_change_is_in_history_with_who_and_why(db):
    scenario = _queued(3)
    submission = scenario.submission_of(scenario.students[0])
    rubric = Review.objects.first().rubric
    services.submission_grade(
        submission=submission, by=scenario.instructor, scores=_scores(rubric, 0)
    )
    services.submission_grade(
        submission=submission,
        by=scenario.instructor,
        scores=_scores(rubric, -1),
        reason="Missed the second page",
    )
    history = list(Grade.objects.get(submission=submission).history.order_by("history_date"))
    assert [h.final_percent for h in history] == [Decimal("0.0"), Decimal("100.0")]
    assert history[-1].history_user == scenario.instructor
    assert history[-1].history_change_reason == "Missed the second page"


# --- Regrades and flags -----------------------------------------------------------------


def _graded_by_peers(students=4):
    scenario = _allocated(students)
    submission = scenario.submission_of(scenario.students[0])
    _finish_all_reviews_on(submission)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.GRADED
    return scenario, submission


def test_a_student_can_request_a_regrade_once_and_the_answer_is_emailed(
    db, django_capture_on_commit_callbacks
):
    scenario, submission = _graded_by_peers()
    author = submission.author
    regrade = services.regrade_request(
        submission=submission, by=author, reason="The second criterion was misread."
    )
    assert QueueItem.objects.get(submission=submission).reasons == [QueueReason.REGRADE]
    with pytest.raises(Conflict, match="once"):
        services.regrade_request(submission=submission, by=author, reason="Once more, please.")
    _settle_earlier_emails()
    with django_capture_on_commit_callbacks(execute=True):
        services.regrade_answer(regrade=regrade, by=scenario.instructor, answer="The grade stands.")
    regrade.refresh_from_db()
    assert regrade.status == "answered"
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.GRADED
    assert [m.to for m in mail.outbox] == [[author.email]]
    assert not QueueItem.objects.filter(resolved_at__isnull=True).exists()


def test_a_regrade_with_new_scores_changes_the_grade_and_answers_the_request(db):
    scenario, submission = _graded_by_peers()
    regrade = services.regrade_request(
        submission=submission, by=submission.author, reason="My argument was complete."
    )
    rubric = Review.objects.first().rubric
    services.regrade_answer(
        regrade=regrade, by=scenario.instructor, answer="Adjusted.", scores=_scores(rubric, 0)
    )
    grade = Grade.objects.get(submission=submission)
    assert grade.source == GradeSource.INSTRUCTOR and grade.final_percent == Decimal("0.0")
    assert RegradeRequest.objects.get().status == "answered"


def test_regrade_needs_a_released_grade_a_reason_and_the_author(db):
    scenario = _allocated(4)
    submission = scenario.submission_of(scenario.students[0])
    with pytest.raises(Conflict):
        services.regrade_request(submission=submission, by=submission.author, reason="Too low!!!!")
    scenario, submission = _graded_by_peers()
    with pytest.raises(ValidationFailed):
        services.regrade_request(submission=submission, by=submission.author, reason="no")
    with pytest.raises(NotFound):
        services.regrade_request(
            submission=submission, by=scenario.students[1], reason="Not mine but still."
        )


def test_the_author_rates_and_flags_a_review_and_the_instructor_gets_it(db):
    _scenario, submission = _graded_by_peers()
    review = Review.objects.filter(submission=submission).first()
    services.review_rate(review=review, by=submission.author, helpfulness=5)
    with pytest.raises(ValidationFailed):
        services.review_rate(review=review, by=submission.author, helpfulness=6)
    with pytest.raises(NotFound):
        services.review_rate(review=review, by=review.reviewer, helpfulness=1)
    services.review_flag(review=review, by=submission.author, reason="Insulting remarks.")
    with pytest.raises(Conflict):
        services.review_flag(review=review, by=submission.author, reason="Again.")
    assert QueueItem.objects.get(submission=submission).reasons == [QueueReason.FLAGGED]
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.WITH_INSTRUCTOR
    assert Grade.objects.filter(submission=submission).exists()  # the grade stays visible


def test_a_grade_changed_since_the_form_was_opened_is_not_overwritten(db):
    scenario = _queued(3)
    submission = scenario.submission_of(scenario.students[0])
    rubric = Review.objects.first().rubric
    colleague = UserFactory(display_name="Carla")
    scenario.cohort.instructors.add(colleague)
    first = services.submission_grade(
        submission=submission, by=colleague, scores=_scores(rubric), seen_version=None
    )
    with pytest.raises(Conflict, match="Carla changed this grade"):
        services.submission_grade(
            submission=submission,
            by=scenario.instructor,
            scores=_scores(rubric, 0),
            seen_version=None,
        )
    from reviews.selectors import grade_version

    services.submission_grade(
        submission=submission,
        by=scenario.instructor,
        scores=_scores(rubric, 0),
        seen_version=grade_version(grade=first),
        reason="Second look",
    )
    assert Grade.objects.get(submission=submission).final_percent == Decimal("0.0")


def test_a_flag_that_needs_no_regrade_is_closed_keeping_the_grade(db):
    scenario, submission = _graded_by_peers()
    review = Review.objects.filter(submission=submission).first()
    services.review_flag(review=review, by=submission.author, reason="Rude tone.")
    item = QueueItem.objects.get(resolved_at__isnull=True)
    with pytest.raises(NotAllowed):
        services.queue_item_resolve(item=item, by=submission.author, note="")
    services.queue_item_resolve(item=item, by=scenario.instructor, note="Spoke to the reviewer.")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.GRADED
    with pytest.raises(Conflict):
        services.queue_item_resolve(item=item, by=scenario.instructor, note="again")


def test_an_ungraded_item_cannot_be_closed_without_a_grade(db):
    scenario = _queued(3)
    item = QueueItem.objects.first()
    with pytest.raises(Conflict, match="grade it"):
        services.queue_item_resolve(item=item, by=scenario.instructor, note="skip")


def test_an_overdue_extra_review_is_not_replaced_when_the_work_has_k_reviews(db):
    from tests.factories import EnrolmentFactory

    scenario = _allocated(6, review_turnaround_hours=24)
    newcomer = EnrolmentFactory(cohort=scenario.cohort).user
    scenario.submit(newcomer, at=scenario.due_at + HOUR)  # gives 3 extra reviews
    for review in Review.objects.exclude(reviewer=newcomer).select_related("rubric", "reviewer"):
        services.review_submit(
            review=review, by=review.reviewer, scores=_scores(review, 1), comment="Fine."
        )
    counts = services.review_tick(now=scenario.due_at + 26 * HOUR)
    assert Review.objects.filter(reviewer=newcomer, status=ReviewStatus.EXPIRED).count() == 3
    assert counts["reassigned"] == 0


def test_extra_reviews_of_a_late_author_go_to_the_work_with_the_fewest_reviews(db):
    from tests.factories import EnrolmentFactory

    scenario = _allocated(8)
    first, second = (EnrolmentFactory(cohort=scenario.cohort).user for _ in range(2))
    scenario.submit(first, at=scenario.due_at + HOUR)
    scenario.submit(second, at=scenario.due_at + 2 * HOUR)
    active = Counter(
        Review.objects.filter(kind=ReviewKind.PEER).values_list("submission_id", flat=True)
    )
    # 10 submissions, 30 reviews needed, 30 given: extras spread, nobody above k + 1.
    assert max(active.values()) <= 4
    assert min(active.values()) >= 3


def _settle_earlier_emails():
    """Send what the set-up produced (reviews assigned, ...), so a test sees only the
    email of the step it makes."""
    from notifications.services import pending_deliver

    pending_deliver()
    mail.outbox.clear()


def test_reviewers_are_told_in_the_transaction_that_allocates(db):
    """No task has to survive for a reviewer to be told: the notification is written
    with the allocation (no on-commit callback runs in this test)."""
    from notifications.models import Notification

    _allocated(5)
    peer = Review.objects.filter(kind=ReviewKind.PEER)
    rows = Notification.objects.filter(kind="reviews_assigned")
    assert set(rows.values_list("user_id", flat=True)) == set(
        peer.values_list("reviewer_id", flat=True)
    )
    for row in rows:
        assert row.params["count"] == peer.filter(reviewer_id=row.user_id).count()
