"""Live sessions of a cohort: weekly series, single occurrences, RSVPs, attendance and
each user's secret calendar-feed token."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lms.models import TimeStampedModel
from lms.statemachine import StateMachine


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


# The only moves a session can make. SESSION_MACHINE (below the model) is the one way to
# change the status, and it consults this table. A cancelled session stays (and stays
# in calendar feeds as STATUS:CANCELLED) rather than vanishing.
SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SessionStatus.SCHEDULED: frozenset({SessionStatus.CANCELLED}),
    SessionStatus.CANCELLED: frozenset(),
}


class SessionSeries(TimeStampedModel):
    """A weekly series ("every Thursday 19:30 for 8 weeks"). It only records how the
    occurrences were made; each occurrence is a LiveSession edited on its own."""

    cohort = models.ForeignKey(
        "cohorts.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    first_day = models.DateField(_("first day"))
    local_time = models.TimeField(_("local time"))
    weeks = models.PositiveSmallIntegerField(_("weeks"))
    timezone = models.CharField(_("timezone"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("session series")
        verbose_name_plural = _("session series")

    def __str__(self) -> str:
        return self.title


class LiveSession(TimeStampedModel):
    cohort = models.ForeignKey(
        "cohorts.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="live_sessions",
    )
    series = models.ForeignKey(
        SessionSeries,
        verbose_name=_("series"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(
        _("timezone"), max_length=64, help_text=_("The zone the session was planned in.")
    )
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("hosts"), blank=True, related_name="+"
    )
    join_url = models.URLField(_("join link"), max_length=500)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    rsvp_enabled = models.BooleanField(_("RSVP"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    # Calendar identity: the UID never changes, SEQUENCE goes up on every reschedule so
    # calendar apps replace the event instead of adding a second one.
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    recording_url = models.URLField(_("recording link"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        ordering = ["starts_at", "pk"]
        # Capabilities beyond one's own cohorts; checked through live.selectors.
        permissions = [
            ("manage_sessions", _("Can plan and change live sessions in every cohort")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["cohort", "starts_at"], name="session_by_cohort")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

    def join_opens_at(self) -> dt.datetime:
        return self.starts_at - dt.timedelta(minutes=settings.LMS_LIVE_JOIN_EARLY_MINUTES)

    def can_join(self, now: dt.datetime) -> bool:
        return not self.is_cancelled and self.join_opens_at() <= now < self.ends_at

    def is_past(self, now: dt.datetime) -> bool:
        return self.ends_at <= now


SESSION_MACHINE = StateMachine(
    name="live_session",
    model=LiveSession,
    transitions=SESSION_TRANSITIONS,
    labels=SessionStatus,
    refused=_("This session cannot move from “%(current)s” to “%(target)s”."),
)


class RsvpAnswer(models.TextChoices):
    GOING = "going", _("Going")
    NOT_GOING = "not_going", _("Not going")


class Rsvp(TimeStampedModel):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(_("answer"), max_length=16, choices=RsvpAnswer.choices)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_rsvp")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.answer} {self.session_id}"


class AttendanceSource(models.TextChoices):
    JOINED = "joined", _("Joined through the platform")
    INSTRUCTOR = "instructor", _("Set by an instructor")


class Attendance(TimeStampedModel):
    """Who attended. Joining through the platform writes it; an instructor may set or
    clear it afterwards (``attended`` false keeps the record of the correction)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    attended = models.BooleanField(_("attended"), default=True)
    first_joined_at = models.DateTimeField(_("first joined at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=AttendanceSource.choices)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_attendance")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.session_id}: {self.attended}"


class FeedToken(TimeStampedModel):
    """The secret in a user's calendar-feed address. Rotating revokes the old one; a
    revoked or unknown token answers a plain 404."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens"
    )
    token = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_feed_token"
            )
        ]

    def __str__(self) -> str:
        return f"feed of {self.user_id}"
