"""Writing a review, and what its author does with one received: rate it, flag it."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from assignments.services import rubric_scores_validate, version_reviewer_copy
from lms.errors import Conflict, NotFound, ValidationFailed
from lms.models import User
from reviews import notices, signals
from reviews.models import REVIEW_MACHINE, QueueReason, Review, ReviewKind, ReviewStatus
from reviews.selectors import review_file_get, review_seat_annotate, review_seat_require
from reviews.services.grading import _grade_from_peers_if_complete
from reviews.services.queue import queue_add


def review_transition(
    *,
    review: Review,
    to: str,
    by: User | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Review:
    """The one function that changes one review's status (REVIEW_MACHINE: it follows
    the table, saves every field, records who and why). A refused move says what
    happened to the review, for the reviewer who tried."""
    if review.status == ReviewStatus.SUBMITTED:
        refusal = Conflict(_("You have submitted this review already."), code="review_done")
    else:
        refusal = Conflict(
            _("This review passed its deadline and went to another reviewer."),
            code="review_expired",
        )
    REVIEW_MACHINE.move(review, to, by=by, reason=reason, now=now, refusal=refusal)
    return review


@transaction.atomic
def review_submit(
    *,
    review: Review,
    by: User,
    scores: object,
    comment: str,
    now: dt.datetime | None = None,
) -> Review:
    now = now or timezone.now()
    review = (
        review_seat_annotate(
            Review.objects.select_for_update(of=("self",)).select_related(
                "rubric", "submission__cohort_assignment"
            ),
            person="reviewer",
        )
        .filter(pk=review.pk)
        .first()
    )
    if review is None or review.reviewer_id != by.pk:
        raise NotFound(_("You have no review with that id."))
    review_seat_require(seat=review.seat, missing=_("You have no review with that id."))
    comment = (comment or "").strip()
    if review.kind == ReviewKind.PEER and not comment:
        raise ValidationFailed(
            _("Add an overall comment: what works, and one thing to improve."),
            code="comment_missing",
            field="comment",
        )
    if len(comment) > 10_000:
        raise ValidationFailed(_("The comment is longer than 10,000 characters."), field="comment")
    clean = rubric_scores_validate(rubric=review.rubric, scores=scores)
    review.scores = clean
    review.points = sum(s["points"] for s in clean.values())
    review.comment = comment
    # Stamps submitted_at with now, and saves.
    review_transition(review=review, to=ReviewStatus.SUBMITTED, by=by, reason="submitted", now=now)
    if review.kind == ReviewKind.PEER:
        notices.feedback_received_notify(review_id=review.pk)
        signals.send_on_commit(
            signals.review_submitted,
            Review,
            cohort_id=review.submission.cohort_assignment.cohort_id,
            user_id=review.reviewer_id,
        )
        _grade_from_peers_if_complete(review.submission_id, now)
    return review


@transaction.atomic
def review_rate(*, review: Review, by: User, helpfulness: int) -> Review:
    review = _received_review(review, by)
    if not isinstance(helpfulness, int) or not 1 <= helpfulness <= 5:
        raise ValidationFailed(
            _("Rate helpfulness from 1 (not helpful) to 5 (very helpful)."), field="helpfulness"
        )
    review.helpfulness = helpfulness
    review.save(update_fields=["helpfulness"])
    signals.send_on_commit(
        signals.review_rated,
        Review,
        cohort_id=review.submission.cohort_assignment.cohort_id,
        user_id=review.reviewer_id,
    )
    return review


@transaction.atomic
def review_flag(*, review: Review, by: User, reason: str, now: dt.datetime | None = None) -> Review:
    """The author reports a review as inappropriate; an instructor looks at it."""
    now = now or timezone.now()
    review = _received_review(review, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say what is wrong with this review, so the instructor can act on it."),
            field="reason",
        )
    if review.flagged_at is not None:
        raise Conflict(_("You have flagged this review already."), code="already_flagged")
    review.flagged_at = now
    review.flag_reason = reason[:2000]
    review.save(update_fields=["flagged_at", "flag_reason"])
    queue_add(submission=review.submission, reason=QueueReason.FLAGGED, now=now)
    return review


def review_file_prepare(*, review_id: uuid.UUID, user: User) -> tuple[FieldFile, str]:
    """The file of the work under review as its reviewer gets it: the copy without
    document metadata (made on the first download and kept), under a neutral name that
    says nothing of the author's own file name. Never the uploaded bytes: a file that
    cannot be cleaned is refused with a 409 ``file_withheld``.

    Not atomic itself: a failed cleaning is remembered (by version_reviewer_copy) even
    though the request is refused."""
    version, review = review_file_get(review_id=review_id, user=user)
    copy = version_reviewer_copy(version=version)
    if copy is None:
        raise Conflict(
            _(
                "This file type can't be shared anonymously, so it is not given to "
                "reviewers; review the author's text and link instead."
            ),
            code="file_withheld",
        )
    return copy.reviewer_file, f"submission-{review.public_id}.{copy.file_extension}"


def _received_review(review: Review, by: User) -> Review:
    missing = _("You received no review with that id.")
    review = (
        review_seat_annotate(
            Review.objects.select_for_update(of=("self",)).select_related(
                "submission__cohort_assignment"
            ),
            person="submission__author",
        )
        .filter(pk=review.pk, submission__author=by, kind=ReviewKind.PEER)
        .first()
    )
    if review is None:
        raise NotFound(missing)
    review_seat_require(seat=review.seat, missing=missing)
    if review.status != ReviewStatus.SUBMITTED:
        raise Conflict(_("This review has not been written yet."), code="review_not_done")
    return review
