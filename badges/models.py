"""Badge classes (edited by course designers in Wagtail) and awards to students.

A badge class belongs to one course; its rule (``rule_kind`` + ``rule_config``) is read
by the registry in ``badges.rules``. An award is one badge class given to one student
of one cohort; it is published as an Open Badges 2.0 assertion under its ``uuid``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from wagtail.models import DraftStateMixin, RevisionMixin

from lms.models import TimeStampedModel


def badge_image_path(instance: BadgeClass, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"badges/{instance.uuid}-{uuid.uuid4().hex[:8]}.{extension}"


class BadgeClass(DraftStateMixin, RevisionMixin, TimeStampedModel):
    """What a badge stands for and how it is earned. Drafts and revisions come from
    Wagtail: only the published version is evaluated and published to the world."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        "cms.CoursePage",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="badge_classes",
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(
        _("description"), max_length=1000, help_text=_("One or two sentences: what it shows.")
    )
    image = models.FileField(
        _("image"),
        upload_to=badge_image_path,
        help_text=_("A square PNG or SVG image, at most 512 KB."),
    )
    criteria_narrative = models.TextField(
        _("criteria"), help_text=_("In words, what a student did to earn this badge.")
    )
    rule_kind = models.CharField(_("how it is earned"), max_length=40, default="manual")
    rule_config = models.JSONField(_("rule settings"), default=dict, blank=True)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="badge_class")

    class Meta:
        verbose_name = _("badge class")
        verbose_name_plural = _("badge classes")
        ordering = ["course", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def revisions(self):
        return self._revisions

    @property
    def is_manual(self) -> bool:
        return self.rule_kind == "manual"

    @property
    def image_is_svg(self) -> bool:
        return (self.image.name or "").lower().endswith(".svg")


class Award(models.Model):
    """One badge class given to one student of one cohort.

    At most one live (not revoked) award per badge class and student, enforced by the
    database: two workers evaluating the same event cannot both award it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    badge_class = models.ForeignKey(
        BadgeClass, verbose_name=_("badge"), on_delete=models.PROTECT, related_name="awards"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="badge_awards",
    )
    cohort = models.ForeignKey(
        "cohorts.Cohort", verbose_name=_("cohort"), on_delete=models.PROTECT, related_name="+"
    )
    awarded_at = models.DateTimeField(_("awarded at"))
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("awarded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the badge was earned by its rule."),
    )
    note = models.TextField(_("note"), blank=True)
    # The recipient's identity as published: sha256 of email + salt, fixed at award time
    # so that the assertion keeps verifying for the address it was issued to.
    salt = models.CharField(max_length=32)
    identity_hash = models.CharField(max_length=64)
    is_public = models.BooleanField(_("public"), default=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revocation_reason = models.TextField(_("reason for revoking"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-awarded_at", "-pk"]
        # Capabilities beyond one's own cohorts; checked through badges.selectors.
        permissions = [
            ("view_badge_stats", _("Can see how many students earned each badge")),
            ("manage_awards", _("Can award and revoke badges in every cohort")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["badge_class", "recipient"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_award_per_badge",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="revoked_award_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "badge_class"], name="award_by_recipient"),
            models.Index(fields=["cohort", "badge_class"], name="award_by_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.badge_class_id} → {self.recipient_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Reevaluation(models.Model):
    """A cohort's students evaluated again, in batches, against every automatic badge
    of its course (after a badge is published, and by the daily sweep). Kept as a row
    that each batch advances in its own transaction: if a worker dies or a message is
    lost between batches, the resume sweep carries on where it stopped."""

    cohort = models.ForeignKey(
        "cohorts.Cohort", on_delete=models.CASCADE, related_name="badge_reevaluations"
    )
    # The last enrolment evaluated; the next batch starts after it.
    after_enrolment_id = models.BigIntegerField(default=0)
    requested_at = models.DateTimeField()
    # When the last batch finished (or the request was made): an open row that has not
    # moved for a while is resumed.
    touched_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("badge re-evaluation")
        verbose_name_plural = _("badge re-evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort"],
                condition=Q(finished_at__isnull=True),
                name="one_open_reevaluation_per_cohort",
            )
        ]

    def __str__(self) -> str:
        return f"cohort {self.cohort_id} after enrolment {self.after_enrolment_id}"


class PendingEvaluation(models.Model):
    """A student's badges to evaluate after an event (a lesson completed, a grade
    released, a session attended), kept until the evaluation has run: if its task is
    lost (a worker that died, a broker restart), the resume sweep runs it."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The latest event: an evaluation that started before it leaves the row in place.
    requested_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pending badge evaluation")
        verbose_name_plural = _("pending badge evaluations")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_pending_evaluation")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} in cohort {self.cohort_id}"
