"""Assignments as run by one cohort: the rubric snapshots reviews are given against,
submissions and their kept versions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assignments.anonymise import CLEANABLE
from lms.models import TimeStampedModel
from lms.statemachine import StateMachine


class _SubmissionsStorage(LazyObject):
    """The "submissions" storage, looked up on first use (and again after the STORAGES
    setting changes, as it does in tests), not when the models are imported."""

    def _setup(self):
        self._wrapped = storages["submissions"]


_submissions_storage = _SubmissionsStorage()


@receiver(setting_changed)
def _reset_submissions_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        _submissions_storage._wrapped = empty


def submissions_storage():
    return _submissions_storage


def submission_upload_to(instance: SubmissionVersion, filename: str) -> str:
    # A random name: the stored path reveals neither the author nor the original name.
    return f"{instance.submission.cohort_assignment_id}/{uuid.uuid4().hex}"


class CohortAssignment(TimeStampedModel):
    """One assignment page as run by one cohort, with the state of its peer review.

    Deadlines are not stored: they follow from the module's unlock (and any override)
    through assignments.deadlines, so moving an unlock moves the deadline.
    """

    cohort = models.ForeignKey(
        "cohorts.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+"
    )
    assignment = models.ForeignKey(
        "cms.AssignmentPage",
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="cohort_runs",
    )
    allocated_at = models.DateTimeField(_("peer reviews allocated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("peer review closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cohort assignment")
        verbose_name_plural = _("cohort assignments")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "assignment"], name="one_run_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} in {self.cohort_id}"


class RubricVersion(models.Model):
    """An immutable copy of an assignment's rubric. Every review and grade points at the
    version it was scored against, so editing the rubric never changes them."""

    assignment = models.ForeignKey(
        "cms.AssignmentPage", on_delete=models.PROTECT, related_name="rubric_versions"
    )
    digest = models.CharField(max_length=64)
    # [{"id", "title", "description", "levels": [{"label", "points", "description"}]}]
    criteria = models.JSONField()
    max_points = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rubric version")
        verbose_name_plural = _("rubric versions")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "digest"], name="one_rubric_per_content")
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}@{self.digest[:8]}"

    def criterion(self, criterion_id: str) -> dict | None:
        return next((c for c in self.criteria if c["id"] == criterion_id), None)


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In peer review")
    WITH_INSTRUCTOR = "with_instructor", _("With an instructor")
    GRADED = "graded", _("Graded")


# The only moves a submission can make. SUBMISSION_MACHINE (below the model) is the one
# way to change the status: assignments.services.submission_transition for one
# submission, SUBMISSION_MACHINE.move_many for many at once.
SUBMISSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SubmissionStatus.SUBMITTED: frozenset(
        {SubmissionStatus.IN_REVIEW, SubmissionStatus.WITH_INSTRUCTOR, SubmissionStatus.GRADED}
    ),
    SubmissionStatus.IN_REVIEW: frozenset(
        {SubmissionStatus.WITH_INSTRUCTOR, SubmissionStatus.GRADED}
    ),
    SubmissionStatus.WITH_INSTRUCTOR: frozenset({SubmissionStatus.GRADED}),
    # A flagged review or a regrade request after the grade brings an instructor back.
    SubmissionStatus.GRADED: frozenset({SubmissionStatus.WITH_INSTRUCTOR}),
}


class Submission(TimeStampedModel):
    """A student's work for one cohort assignment. Each hand-in adds a version; the
    latest version is the one reviewed and graded."""

    cohort_assignment = models.ForeignKey(
        CohortAssignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="submissions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="submissions",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SubmissionStatus.choices, default="submitted"
    )
    submitted_at = models.DateTimeField(_("last handed in at"))
    is_late = models.BooleanField(_("late"), default=False)
    late_days = models.PositiveSmallIntegerField(_("days late"), default=0)
    version_count = models.PositiveSmallIntegerField(_("versions"), default=0)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort_assignment", "author"], name="one_submission_per_author"
            )
        ]
        indexes = [
            models.Index(fields=["cohort_assignment", "status"], name="submission_by_status")
        ]

    def __str__(self) -> str:
        return f"{self.author_id} → {self.cohort_assignment_id} ({self.status})"


SUBMISSION_MACHINE = StateMachine(
    name="submission",
    model=Submission,
    transitions=SUBMISSION_TRANSITIONS,
    labels=SubmissionStatus,
    refused=_("This submission cannot move from “%(current)s” to “%(target)s”."),
)


class SubmissionVersion(models.Model):
    """One hand-in, never changed afterwards."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(
        _("file"), storage=submissions_storage, upload_to=submission_upload_to, blank=True
    )
    # Shown to the author only; reviewers get a neutral name.
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveIntegerField(_("file size"), default=0)
    file_type = models.CharField(_("file type"), max_length=100, blank=True)
    # The copy reviewers download: the file without its document metadata (author,
    # company, comments' authors, EXIF), made on the first reviewer download. Refused
    # when the file cannot be cleaned; reviewers then get the text and link only.
    reviewer_file = models.FileField(
        _("file for reviewers"),
        storage=submissions_storage,
        upload_to=submission_upload_to,
        blank=True,
    )
    reviewer_file_refused = models.BooleanField(_("file withheld from reviewers"), default=False)
    created_at = models.DateTimeField(_("handed in at"))

    class Meta:
        verbose_name = _("submission version")
        verbose_name_plural = _("submission versions")
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="one_version_number"),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(link="") | ~Q(file=""), name="version_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} v{self.number}"

    @property
    def file_extension(self) -> str:
        return self.file_name.rsplit(".", 1)[-1].lower() if "." in self.file_name else ""

    @property
    def file_for_reviewers(self) -> bool:
        """Whether reviewers may get (a cleaned copy of) the file: its type can be
        cleaned and cleaning it has not failed."""
        return (
            bool(self.file) and self.file_extension in CLEANABLE and not self.reviewer_file_refused
        )
