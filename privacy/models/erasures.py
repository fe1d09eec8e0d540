"""A member's request to be erased, its state machine and its append-only audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lms.statemachine import StateMachine

USER = settings.AUTH_USER_MODEL

__all__ = [
    "ERASURE_MACHINE",
    "ERASURE_TRANSITIONS",
    "OPEN_ERASURE_STATUSES",
    "ErasureEvent",
    "ErasureEventKind",
    "ErasureRequest",
    "ErasureStatus",
]


class ErasureStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the cool-off to end")
    CANCELLED = "cancelled", _("Cancelled")
    RUNNING = "running", _("Erasing")
    DONE = "done", _("Erased")
    FAILED = "failed", _("Failed, will be retried")


ERASURE_TRANSITIONS: dict[str, frozenset[str]] = {
    ErasureStatus.REQUESTED: frozenset({ErasureStatus.CANCELLED, ErasureStatus.RUNNING}),
    ErasureStatus.CANCELLED: frozenset(),
    ErasureStatus.RUNNING: frozenset({ErasureStatus.DONE, ErasureStatus.FAILED}),
    ErasureStatus.DONE: frozenset(),
    ErasureStatus.FAILED: frozenset({ErasureStatus.RUNNING}),
}

# A member has at most one of these at a time (a database constraint says so).
OPEN_ERASURE_STATUSES = (ErasureStatus.REQUESTED, ErasureStatus.RUNNING, ErasureStatus.FAILED)


class ErasureRequest(models.Model):
    """Erase one member. It waits ``runs_after`` (the cool-off, during which the member
    may cancel), then the worker runs it in steps; ``steps_done`` and ``counts`` are
    written after each step, so a run that stopped halfway resumes where it was and
    never counts a row twice."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="erasure_requests")
    requested_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ErasureStatus.choices,
        default=ErasureStatus.REQUESTED,
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    runs_after = models.DateTimeField(_("runs after"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    retry_at = models.DateTimeField(_("next retry at"), null=True, blank=True)
    steps_done = models.JSONField(_("steps done"), default=list, blank=True)
    counts = models.JSONField(_("rows per kind"), default=dict, blank=True)
    error = models.TextField(_("last error"), blank=True)
    # Where the "done" email goes: the address as it was when the run started, since
    # the account's own address is scrubbed by the run. Blanked once that email is sent.
    notify_email = models.EmailField(_("address for the confirmation"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # The names the member went by (username, address, names), kept only while the run
    # lasts: its last pass replaces them where others' text mentions them.
    former_names = models.JSONField(_("former names"), default=list, blank=True)

    history = HistoricalRecords(
        excluded_fields=["notify_email", "former_names", "error", "counts", "steps_done"]
    )

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["requested", "running", "failed"]),
                name="one_open_erasure_per_user",
            ),
        ]
        indexes = [models.Index(fields=["status", "runs_after"], name="erasure_due")]

    def __str__(self) -> str:
        return f"erasure {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ERASURE_STATUSES


ERASURE_MACHINE = StateMachine(
    name="erasure",
    model=ErasureRequest,
    transitions=ERASURE_TRANSITIONS,
    labels=ErasureStatus,
    refused=_("This erasure request cannot move from “%(current)s” to “%(target)s”."),
    stamps={
        ErasureStatus.CANCELLED: "cancelled_at",
        ErasureStatus.DONE: "finished_at",
    },
)


class ErasureEventKind(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CANCELLED = "cancelled", _("Cancelled")
    STARTED = "started", _("Started")
    STEP = "step", _("Step done")
    FAILED = "failed", _("Failed")
    RETRIED = "retried", _("Retry asked")
    DONE = "done", _("Done")


class ErasureEvent(models.Model):
    """One line of a request's audit trail; written, never changed."""

    request = models.ForeignKey(ErasureRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    # Null: the worker.
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    what = models.CharField(_("what"), max_length=16, choices=ErasureEventKind.choices)
    step = models.CharField(_("step"), max_length=40, blank=True)
    counts = models.JSONField(_("rows per kind"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("erasure event")
        verbose_name_plural = _("erasure events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.what} {self.step}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("The erasure audit trail is append-only.")
        return super().save(*args, **kwargs)
