"""Grades: the peers' median once enough reviews are in, an instructor's grade, and
their release to the student."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import RubricVersion, Submission, SubmissionStatus
from assignments.services import rubric_scores_validate, rubric_snapshot, submission_transition
from cms.models import InstructorGrading
from lms.errors import Conflict, ValidationFailed
from lms.models import User
from reviews import notices, signals
from reviews.models import (
    REGRADE_MACHINE,
    Grade,
    GradeSource,
    QueueReason,
    RegradeRequest,
    RegradeStatus,
    Review,
    ReviewKind,
    ReviewStatus,
)
from reviews.selectors import grade_version
from reviews.services.queue import _leased_by_other, _open_item, _require_instructor, queue_add

# Passed as seen_version when the caller does not check for concurrent grade changes.
ANY_VERSION = object()


def _percent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _final_percent(points: Decimal, max_points: int, penalty: int) -> Decimal:
    if max_points == 0:
        return Decimal("0.0")
    raw = points / Decimal(max_points) * 100
    return _percent(raw * (100 - penalty) / 100)


def peer_grade_compute(
    *, reviews: Iterable[Review], rubric: RubricVersion
) -> tuple[dict[str, dict], Decimal]:
    """The median of the peers' points per criterion, over the reviews that scored it."""
    criteria: dict[str, dict] = {}
    for criterion in rubric.criteria:
        given = [
            r.scores[criterion["id"]]["points"] for r in reviews if criterion["id"] in r.scores
        ]
        if given:
            criteria[criterion["id"]] = {
                "points": float(statistics.median(given)),
                "comment": "",
            }
    total = sum((Decimal(str(c["points"])) for c in criteria.values()), Decimal("0"))
    return criteria, total


def _grade_from_peers_if_complete(submission_id: int, now: dt.datetime) -> Grade | None:
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("cohort_assignment__assignment")
        .get(pk=submission_id)
    )
    assignment = submission.cohort_assignment.assignment
    if submission.status != SubmissionStatus.IN_REVIEW:
        return None
    done = list(
        submission.reviews.filter(kind=ReviewKind.PEER, status=ReviewStatus.SUBMITTED)
        .select_related("rubric")
        .order_by("submitted_at")
    )
    if len(done) < max(assignment.peer_reviews, 1):
        return None
    if assignment.instructor_grading == InstructorGrading.ALL:
        return None  # already in the queue; the instructor's grade will count
    done = done[: max(assignment.peer_reviews, 1)]  # extra reviews are feedback only
    rubric = done[0].rubric
    shares = [Decimal(r.points or 0) / Decimal(r.rubric.max_points or 1) * 100 for r in done]
    if max(shares) - min(shares) > assignment.disagreement_percent:
        queue_add(submission=submission, reason=QueueReason.DISAGREEMENT, now=now)
        return None
    criteria, total = peer_grade_compute(reviews=done, rubric=rubric)
    return _grade_write(
        submission=submission,
        source=GradeSource.PEERS,
        rubric=rubric,
        criteria=criteria,
        points=total,
        feedback="",
        by=None,
        release_at=now,
        reason="median of peer reviews",
        now=now,
    )


def _grade_write(
    *,
    submission: Submission,
    source: str,
    rubric: RubricVersion,
    criteria: dict,
    points: Decimal,
    feedback: str,
    by: User | None,
    release_at: dt.datetime,
    reason: str,
    now: dt.datetime,
) -> Grade:
    from assignments.deadlines import late_penalty_percent

    assignment = submission.cohort_assignment.assignment
    penalty = late_penalty_percent(assignment=assignment, days_late=submission.late_days)
    grade = Grade.objects.select_for_update().filter(submission=submission).first() or Grade(
        submission=submission
    )
    grade.source = source
    grade.rubric = rubric
    grade.criteria = criteria
    grade.points = _percent(Decimal(points))
    grade.max_points = rubric.max_points
    grade.late_penalty_percent = penalty
    grade.final_percent = _final_percent(Decimal(points), rubric.max_points, penalty)
    grade.feedback = feedback
    grade.graded_by = by
    grade.release_at = release_at
    grade.released_at = now if release_at <= now else None
    grade._change_reason = reason
    if by is not None:
        grade._history_user = by
    grade.save()
    submission_transition(submission=submission, to=SubmissionStatus.GRADED, reason=reason)
    if grade.released_at is not None:
        notices.grade_released_notify(grade_id=grade.pk, change_id=grade.history.latest().pk)
        _announce_release(grade, submission)
    return grade


def _announce_release(grade: Grade, submission: Submission) -> None:
    signals.send_on_commit(
        signals.grade_released,
        Grade,
        cohort_id=submission.cohort_assignment.cohort_id,
        user_id=submission.author_id,
        grade_id=grade.pk,
    )


@transaction.atomic
def submission_grade(
    *,
    submission: Submission,
    by: User,
    scores: object,
    feedback: str = "",
    release_at: dt.datetime | None = None,
    reason: str = "",
    seen_version: int | object | None = ANY_VERSION,
    now: dt.datetime | None = None,
) -> Grade:
    """An instructor grades against the current rubric, overriding any peer result.

    Needs the queue item's lease when the submission is in the queue. ``seen_version``
    is the grade version the grader's form showed (None: no grade yet); when someone
    changed the grade since, the save is refused rather than silently overwriting it.
    """
    now = now or timezone.now()
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("cohort_assignment__cohort__course", "cohort_assignment__assignment")
        .get(pk=submission.pk)
    )
    _require_instructor(by, submission.cohort_assignment.cohort)
    item = _open_item(submission)
    if item is not None and _leased_by_other(item, by, now):
        raise Conflict(
            _("%(name)s is grading this submission right now; choose another one.")
            % {"name": item.leased_by.get_display_name()},
            code="leased_by_other",
        )
    if release_at is not None and release_at < now - dt.timedelta(minutes=1):
        raise ValidationFailed(
            _("Release the feedback now or at a moment in the future."), field="release_at"
        )
    if seen_version is not ANY_VERSION:
        current = Grade.objects.filter(submission=submission).select_related("graded_by").first()
        if grade_version(grade=current) != seen_version:
            who = current.graded_by.get_display_name() if current and current.graded_by else None
            raise Conflict(
                _("%(name)s changed this grade while you were grading; look at it and grade again.")
                % {"name": who or _("Someone")},
                code="grade_changed",
            )
    rubric = rubric_snapshot(assignment=submission.cohort_assignment.assignment)
    clean = rubric_scores_validate(rubric=rubric, scores=scores)
    feedback = (feedback or "").strip()
    if len(feedback) > 10_000:
        raise ValidationFailed(
            _("The feedback is longer than 10,000 characters."), field="feedback"
        )
    grade = _grade_write(
        submission=submission,
        source=GradeSource.INSTRUCTOR,
        rubric=rubric,
        criteria=clean,
        points=Decimal(sum(c["points"] for c in clean.values())),
        feedback=feedback,
        by=by,
        release_at=release_at or now,
        reason=(reason or "").strip()[:100] or "graded by instructor",
        now=now,
    )
    if item is not None:
        item.resolved_at, item.resolved_by = now, by
        item.save(update_fields=["resolved_at", "resolved_by"])
    regrade = RegradeRequest.objects.filter(
        submission=submission, status=RegradeStatus.OPEN
    ).first()
    if regrade is not None:
        _regrade_close(regrade, by=by, answer=feedback or _("Your grade was reviewed."), now=now)
    return grade


def grades_release_due(*, now: dt.datetime | None = None) -> int:
    """Release grades whose release moment has come; each release mails the student."""
    now = now or timezone.now()
    released = 0
    for grade_id in Grade.objects.filter(released_at__isnull=True, release_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            grade = (
                Grade.objects.select_for_update(of=("self",))
                .select_related("submission__cohort_assignment")
                .get(pk=grade_id)
            )
            if grade.released_at is not None:
                continue
            grade.released_at = now
            grade._change_reason = "released"
            grade.save(update_fields=["released_at", "updated_at"])
            notices.grade_released_notify(grade_id=grade.pk, change_id=grade.history.latest().pk)
            _announce_release(grade, grade.submission)
            released += 1
    return released


def _regrade_close(regrade: RegradeRequest, *, by: User, answer: str, now: dt.datetime) -> None:
    """Answer the request (stamping answered_at) and mail the student."""
    regrade.answer = answer[:5000]
    regrade.answered_by = by
    REGRADE_MACHINE.move(regrade, RegradeStatus.ANSWERED, by=by, reason="answered", now=now)
    notices.regrade_answered_notify(regrade_id=regrade.pk)
