"""Retention: each scheduled removal of what has outlived its purpose, recorded."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["InactivityNotice", "RetentionJob", "RetentionRun"]


class RetentionJob(models.TextChoices):
    UNACTIVATED = "unactivated", _("Sign-ups never confirmed")
    NOTIFICATIONS = "notifications", _("Old notifications")
    SESSIONS = "sessions", _("Expired sign-in sessions")
    EXPORTS = "exports", _("Expired data exports")
    INACTIVE = "inactive", _("Accounts unused for years")


class RetentionRun(models.Model):
    """One run of one job: when, the cutoff it applied, and what it did. One per job and
    day, so two beat ticks (or two workers) never run a job twice."""

    job = models.CharField(_("job"), max_length=20, choices=RetentionJob.choices)
    day = models.DateField(_("day"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cutoff = models.DateTimeField(_("removes what is older than"), null=True, blank=True)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    warned = models.PositiveIntegerField(_("warned"), default=0)
    kept = models.PositiveIntegerField(
        _("kept"), default=0, help_text=_("Due, but kept for a reason the run recorded.")
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "day"], name="retention_run_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_job_display()} {self.day}"


class InactivityNotice(models.Model):
    """A member warned that their unused account will be erased. Signing in afterwards
    withdraws it; otherwise, once the warning period has passed, erasure is requested
    (with its own cool-off and cancel link)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="inactivity_notice",
    )
    warned_at = models.DateTimeField(_("warned at"))
    erase_after = models.DateTimeField(_("erase after"))
    erasure_requested_at = models.DateTimeField(_("erasure requested at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inactivity notice")
        verbose_name_plural = _("inactivity notices")

    def __str__(self) -> str:
        return f"{self.user_id} {self.warned_at:%Y-%m-%d}"
