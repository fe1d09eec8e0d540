"""A student asks once for a grade to be looked at again; an instructor answers."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.models import Submission, SubmissionStatus
from assignments.services import submission_transition
from lms.errors import Conflict, NotFound, ValidationFailed
from lms.models import User
from reviews.models import Grade, QueueReason, RegradeRequest, RegradeStatus
from reviews.services.grading import _regrade_close, submission_grade
from reviews.services.queue import _leased_by_other, _open_item, _require_instructor, queue_add


@transaction.atomic
def regrade_request(
    *, submission: Submission, by: User, reason: str, now: dt.datetime | None = None
) -> RegradeRequest:
    now = now or timezone.now()
    submission = Submission.objects.select_for_update().filter(pk=submission.pk).first()
    if submission is None or submission.author_id != by.pk:
        raise NotFound(_("You have no submission with that id."))
    grade = Grade.objects.filter(submission=submission, released_at__isnull=False).first()
    if grade is None:
        raise Conflict(
            _("You can ask for a regrade once your grade is released."), code="not_graded"
        )
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationFailed(
            _("Explain in a sentence or two which part of the grade you question and why."),
            field="reason",
        )
    try:
        with transaction.atomic():
            regrade = RegradeRequest.objects.create(submission=submission, reason=reason[:5000])
    except IntegrityError:
        raise Conflict(
            _("You have asked for a regrade of this submission already; it can be asked once."),
            code="regrade_used",
        ) from None
    queue_add(submission=submission, reason=QueueReason.REGRADE, now=now)
    return regrade


@transaction.atomic
def regrade_answer(
    *,
    regrade: RegradeRequest,
    by: User,
    answer: str,
    scores: object | None = None,
    now: dt.datetime | None = None,
) -> RegradeRequest:
    """Answer a regrade request, keeping the grade or (with scores) changing it."""
    now = now or timezone.now()
    regrade = (
        RegradeRequest.objects.select_for_update(of=("self",))
        .select_related("submission__cohort_assignment__cohort")
        .filter(pk=regrade.pk)
        .first()
    )
    if regrade is None:
        raise NotFound(_("There is no regrade request with that id."))
    _require_instructor(by, regrade.submission.cohort_assignment.cohort)
    if regrade.status != RegradeStatus.OPEN:
        raise Conflict(_("This regrade request was answered already."), code="regrade_answered")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(_("Write an answer for the student."), field="answer")
    if scores is not None:
        submission_grade(
            submission=regrade.submission,
            by=by,
            scores=scores,
            feedback=answer,
            reason="regrade",
            now=now,
        )
        regrade.refresh_from_db()
        return regrade
    submission = regrade.submission
    item = _open_item(submission)
    if item is not None and _leased_by_other(item, by, now):
        raise Conflict(
            _("%(name)s is handling this submission right now.")
            % {"name": item.leased_by.get_display_name()},
            code="leased_by_other",
        )
    _regrade_close(regrade, by=by, answer=answer, now=now)
    if item is not None:
        item.resolved_at, item.resolved_by = now, by
        item.save(update_fields=["resolved_at", "resolved_by"])
    if submission.status == SubmissionStatus.WITH_INSTRUCTOR:
        submission_transition(
            submission=submission, to=SubmissionStatus.GRADED, reason="regrade kept"
        )
    return regrade
