"""A member's copy of their data (GDPR articles 15 and 20): one request, built by the
worker into a zip in private storage, downloadable by the member until it expires."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assignments.models import submissions_storage
from lms.statemachine import StateMachine

__all__ = [
    "EXPORT_MACHINE",
    "EXPORT_TRANSITIONS",
    "OPEN_EXPORT_STATUSES",
    "ExportRequest",
    "ExportStatus",
]


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BUILDING = "building", _("Being prepared")
    READY = "ready", _("Ready to download")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


# The only moves an export can make; EXPORT_MACHINE (below) consults it. A build that
# crashed halfway stays "building" and is simply built again from the start.
EXPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ExportStatus.REQUESTED: frozenset({ExportStatus.BUILDING, ExportStatus.FAILED}),
    ExportStatus.BUILDING: frozenset({ExportStatus.READY, ExportStatus.FAILED}),
    ExportStatus.READY: frozenset({ExportStatus.EXPIRED}),
    ExportStatus.EXPIRED: frozenset(),
    ExportStatus.FAILED: frozenset({ExportStatus.BUILDING}),
}

# A member has at most one of these at a time (a database constraint).
OPEN_EXPORT_STATUSES = (ExportStatus.REQUESTED, ExportStatus.BUILDING)


def export_upload_to(instance: ExportRequest, filename: str) -> str:
    # A random name in the private storage: the path names neither the member nor the
    # request, and nothing under it is served except through the download view.
    return f"exports/{uuid.uuid4().hex}.zip"


class ExportRequest(models.Model):
    """One request for a copy of a member's data, by the member or by staff for them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="privacy_exports",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.REQUESTED
    )
    created_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    file = models.FileField(
        _("file"), storage=submissions_storage, upload_to=export_upload_to, blank=True
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    counts = models.JSONField(_("rows per kind"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    history = HistoricalRecords(excluded_fields=["counts", "error", "size"])

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["requested", "building"]),
                name="one_open_export_per_member",
                violation_error_message=_("Your data is already being prepared."),
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_by_status")]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_EXPORT_STATUSES

    def downloadable(self, now) -> bool:
        return (
            self.status == ExportStatus.READY
            and bool(self.file)
            and self.expires_at is not None
            and now < self.expires_at
        )

    def expired(self, now) -> bool:
        """Past its link's life: expired already, or ready with the moment passed."""
        return self.status == ExportStatus.EXPIRED or (
            self.status == ExportStatus.READY
            and self.expires_at is not None
            and now >= self.expires_at
        )


EXPORT_MACHINE = StateMachine(
    name="export",
    model=ExportRequest,
    transitions=EXPORT_TRANSITIONS,
    labels=ExportStatus,
    refused=_("This export cannot move from “%(current)s” to “%(target)s”."),
    refused_code="export_state",
    stamps={ExportStatus.BUILDING: "started_at", ExportStatus.READY: "finished_at"},
)
