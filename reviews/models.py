"""Peer and self reviews, the instructor queue, grades and regrade requests."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lms.models import TimeStampedModel
from lms.statemachine import StateMachine


class ReviewKind(models.TextChoices):
    PEER = "peer", _("Peer review")
    SELF = "self", _("Self-assessment")


class ReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", _("To do")
    SUBMITTED = "submitted", _("Done")
    EXPIRED = "expired", _("Expired")


# The only moves a review can make. REVIEW_MACHINE (below the model) is the one way to
# change the status; reviews.services.review_transition and the bulk expiries use it.
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    ReviewStatus.ASSIGNED: frozenset({ReviewStatus.SUBMITTED, ReviewStatus.EXPIRED}),
    ReviewStatus.SUBMITTED: frozenset(),
    ReviewStatus.EXPIRED: frozenset(),
}


class Review(models.Model):
    """One reviewer's assessment of one submission against a fixed rubric version.

    The (submission, reviewer) pair is unique over every status: nobody reviews the same
    work twice, not even after losing an overdue review of it.

    Pages and the API address a review by ``public_id``, never by its primary key: the
    keys of one allocation are consecutive, so one known key would reveal the order of
    the allocation cycle (who reviews whom).
    """

    public_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    submission = models.ForeignKey(
        "assignments.Submission", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_given"
    )
    rubric = models.ForeignKey(
        "assignments.RubricVersion", on_delete=models.PROTECT, related_name="reviews"
    )
    kind = models.CharField(max_length=8, choices=ReviewKind.choices, default=ReviewKind.PEER)
    status = models.CharField(
        max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.ASSIGNED
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    due_at = models.DateTimeField(_("due at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # {criterion id: {"points": int, "comment": str}}
    scores = models.JSONField(default=dict, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(_("overall comment"), blank=True)
    helpfulness = models.PositiveSmallIntegerField(_("helpfulness"), null=True, blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)
    flag_reason = models.TextField(_("why it was flagged"), blank=True)

    # Review has no created_at/updated_at to leave out: every field is kept.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["submission", "reviewer"], name="one_review_per_pair"),
            models.CheckConstraint(
                condition=Q(helpfulness__isnull=True) | Q(helpfulness__range=(1, 5)),
                name="helpfulness_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "status"], name="review_by_reviewer"),
            models.Index(fields=["status", "due_at"], name="review_by_due"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} on {self.submission_id} ({self.status})"


REVIEW_MACHINE = StateMachine(
    name="review",
    model=Review,
    transitions=REVIEW_TRANSITIONS,
    labels=ReviewStatus,
    refused=_("This review cannot move from “%(current)s” to “%(target)s”."),
    stamps={ReviewStatus.SUBMITTED: "submitted_at"},
)


class QueueReason(models.TextChoices):
    ALL_GRADED = "instructor_grades_all", _("Instructors grade every submission")
    SHORT_OF_REVIEWS = "short_of_reviews", _("Too few peer reviews")
    DISAGREEMENT = "disagreement", _("Peers disagree")
    FLAGGED = "flagged", _("A review was flagged")
    REGRADE = "regrade", _("Regrade requested")
    LATE = "late", _("Handed in after peer review closed")


class QueueItem(models.Model):
    """A submission waiting for an instructor. At most one open item per submission;
    further reasons are added to it. "Grade next" leases the oldest unleased item."""

    submission = models.ForeignKey(
        "assignments.Submission", on_delete=models.CASCADE, related_name="queue_items"
    )
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(default=list)
    note = models.TextField(blank=True)
    entered_at = models.DateTimeField(_("waiting since"))
    leased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("queue item")
        verbose_name_plural = _("queue items")
        constraints = [
            models.UniqueConstraint(
                fields=["submission"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_queue_item",
            )
        ]
        indexes = [
            models.Index(
                fields=["cohort", "entered_at"],
                condition=Q(resolved_at__isnull=True),
                name="open_queue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}: {', '.join(self.reasons)}"


class GradeSource(models.TextChoices):
    PEERS = "peers", _("Peer reviews")
    INSTRUCTOR = "instructor", _("Instructor")


class Grade(TimeStampedModel):
    """The grade of a submission: the instructor's when there is one, else the median
    of the peers' scores per criterion; the late penalty applied on top."""

    submission = models.OneToOneField(
        "assignments.Submission", on_delete=models.CASCADE, related_name="grade"
    )
    source = models.CharField(_("graded by"), max_length=12, choices=GradeSource.choices)
    rubric = models.ForeignKey("assignments.RubricVersion", on_delete=models.PROTECT)
    # {criterion id: {"points": number, "comment": str}}
    criteria = models.JSONField(default=dict)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=1)
    max_points = models.PositiveIntegerField(_("maximum points"))
    late_penalty_percent = models.PositiveSmallIntegerField(_("late penalty (%)"), default=0)
    final_percent = models.DecimalField(_("grade (%)"), max_digits=5, decimal_places=1)
    feedback = models.TextField(_("feedback"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    release_at = models.DateTimeField(_("released to the student at"))
    released_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        indexes = [
            models.Index(
                fields=["release_at"],
                condition=Q(released_at__isnull=True),
                name="grade_to_release",
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.final_percent}%"


class RegradeStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


# A regrade request is answered once; REGRADE_MACHINE (below the model) makes the move.
REGRADE_TRANSITIONS: dict[str, frozenset[str]] = {
    RegradeStatus.OPEN: frozenset({RegradeStatus.ANSWERED}),
    RegradeStatus.ANSWERED: frozenset(),
}


class RegradeRequest(TimeStampedModel):
    """A student may ask once per submission for the grade to be looked at again."""

    submission = models.OneToOneField(
        "assignments.Submission", on_delete=models.CASCADE, related_name="regrade_request"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        max_length=12, choices=RegradeStatus.choices, default=RegradeStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("regrade request")
        verbose_name_plural = _("regrade requests")

    def __str__(self) -> str:
        return f"{self.submission_id} ({self.status})"


REGRADE_MACHINE = StateMachine(
    name="regrade",
    model=RegradeRequest,
    transitions=REGRADE_TRANSITIONS,
    labels=RegradeStatus,
    refused=_("This regrade request cannot move from “%(current)s” to “%(target)s”."),
    stamps={RegradeStatus.ANSWERED: "answered_at"},
)
