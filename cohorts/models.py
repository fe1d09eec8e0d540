from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cohorts import signals
from lms.models import TimeStampedModel
from lms.statemachine import StateMachine


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class CohortStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class CohortPace(models.TextChoices):
    COHORT = "cohort", _("Fixed term: everyone together")
    SELF_PACED = "self_paced", _("Self-paced: each member on their own calendar")


class SelfPacedStart(models.TextChoices):
    JOIN = "join", _("When their access begins")
    FIRST_OPEN = "first_open", _("When they first open the course")


class Cohort(TimeStampedModel):
    """A group that takes a course together over a fixed term, or (pace self_paced) the
    library cohort of a course: one per course, in which each member follows the same
    weekly rule from their own start day (``Enrolment.starts_on``).

    Whether it is upcoming, running or ended follows from its dates; the stored status
    only says whether it was cancelled.
    """

    course = models.ForeignKey(
        "cms.CoursePage",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="cohorts",
    )
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    timezone = models.CharField(_("timezone"), max_length=64, default="Europe/Amsterdam")
    enrolment_opens_at = models.DateTimeField(_("enrolment opens at"))
    enrolment_closes_at = models.DateTimeField(_("enrolment closes at"))
    capacity = models.PositiveIntegerField(_("capacity"), help_text=_("Number of seats."))
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructors"),
        blank=True,
        related_name="taught_cohorts",
    )
    unlock_weekday = models.PositiveSmallIntegerField(
        _("unlock weekday"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    unlock_time = models.TimeField(_("unlock time"), default=dt.time(9, 0))
    status = models.CharField(
        _("status"), max_length=16, choices=CohortStatus.choices, default=CohortStatus.SCHEDULED
    )
    pace = models.CharField(
        _("pace"),
        max_length=16,
        choices=CohortPace.choices,
        default=CohortPace.COHORT,
        help_text=_(
            "Self-paced: the course's library cohort for members; each member's weeks "
            "count from their own start day. It is not sold seat by seat."
        ),
    )
    self_paced_start = models.CharField(
        _("members start"),
        max_length=16,
        choices=SelfPacedStart.choices,
        default=SelfPacedStart.JOIN,
        help_text=_("Self-paced only: the day a member's week 1 opens."),
    )
    all_at_once = models.BooleanField(
        _("all modules at once"),
        default=False,
        help_text=_(
            "Every module opens when week 1 opens (the term's start, or a self-paced "
            "member's start) instead of week by week."
        ),
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["starts_on", "pk"]
        # Capabilities beyond one's own cohorts; checked through cohorts.selectors.
        permissions = [
            ("view_all_rosters", _("Can see every cohort's roster, curriculum and work")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="cohort_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(enrolment_closes_at__gt=models.F("enrolment_opens_at")),
                name="cohort_window_closes_after_opening",
            ),
            # One library cohort per course: memberships find it by its course.
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(pace="self_paced"),
                name="one_library_cohort_per_course",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title}: {self.name}" if self.course_id else self.name

    @property
    def is_cancelled(self) -> bool:
        return self.status == CohortStatus.CANCELLED

    @property
    def is_self_paced(self) -> bool:
        return self.pace == CohortPace.SELF_PACED


class ModuleUnlockOverride(TimeStampedModel):
    """Opens one module at a different moment for one cohort (a holiday, a late start)."""

    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="unlock_overrides"
    )
    module = models.ForeignKey(
        "cms.ModulePage", verbose_name=_("module"), on_delete=models.CASCADE, related_name="+"
    )
    unlocks_at = models.DateTimeField(_("unlocks at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("module unlock override")
        verbose_name_plural = _("module unlock overrides")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "module"], name="one_override_per_module")
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}/{self.module_id} @ {self.unlocks_at:%Y-%m-%d %H:%M}"


class EnrolmentStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended (payment overdue)")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


# The only moves an enrolment can make. ENROLMENT_MACHINE (below) is the one way to
# change the status, and it consults this table.
ENROLMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    EnrolmentStatus.PENDING_PAYMENT: frozenset({EnrolmentStatus.ACTIVE, EnrolmentStatus.CANCELLED}),
    EnrolmentStatus.WAITLISTED: frozenset(
        {EnrolmentStatus.ACTIVE, EnrolmentStatus.PENDING_PAYMENT, EnrolmentStatus.CANCELLED}
    ),
    EnrolmentStatus.ACTIVE: frozenset(
        {EnrolmentStatus.CANCELLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.SUSPENDED}
    ),
    # An instalment stayed unpaid past the grace period: the seat is kept, access is not.
    EnrolmentStatus.SUSPENDED: frozenset({EnrolmentStatus.ACTIVE, EnrolmentStatus.CANCELLED}),
    EnrolmentStatus.CANCELLED: frozenset(),
    EnrolmentStatus.COMPLETED: frozenset(),
}
# Statuses that hold a seat, and those that give access to the curriculum.
SEAT_HOLDING = (
    EnrolmentStatus.PENDING_PAYMENT,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.SUSPENDED,
)
CURRICULUM_ACCESS = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)
LIVE_STATUSES = (
    EnrolmentStatus.PENDING_PAYMENT,
    EnrolmentStatus.ACTIVE,
    EnrolmentStatus.SUSPENDED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.COMPLETED,
)


class Enrolment(TimeStampedModel):
    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.PROTECT, related_name="enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    status = models.CharField(_("status"), max_length=20, choices=EnrolmentStatus.choices)
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # A self-paced member's own calendar: the day their week 1 opens, in their zone.
    # Empty for fixed-term cohorts (the cohort's dates rule) and for a member of a
    # "first open" library cohort who has not opened the course yet.
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    timezone = models.CharField(_("timezone"), max_length=64, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            # One live enrolment per student and cohort; cancelled ones stay as history.
            models.UniqueConstraint(
                fields=["cohort", "user"],
                condition=~Q(status="cancelled"),
                name="one_live_enrolment_per_cohort",
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "status", "waitlisted_at"], name="enrolment_queue"),
            models.Index(fields=["user", "status"], name="enrolment_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.cohort_id} ({self.status})"

    @property
    def gives_access(self) -> bool:
        return self.status in CURRICULUM_ACCESS

    @property
    def can_leave(self) -> bool:
        return EnrolmentStatus.CANCELLED in ENROLMENT_TRANSITIONS[self.status]


ENROLMENT_MACHINE = StateMachine(
    name="enrolment",
    model=Enrolment,
    transitions=ENROLMENT_TRANSITIONS,
    labels=EnrolmentStatus,
    refused=_("This enrolment cannot move from “%(current)s” to “%(target)s”."),
    signal=signals.enrolment_status_changed,
    signal_kwargs=lambda e: {"cohort_id": e.cohort_id, "user_id": e.user_id, "enrolment_id": e.pk},
    stamps={
        EnrolmentStatus.ACTIVE: "activated_at",
        EnrolmentStatus.WAITLISTED: "waitlisted_at",
        EnrolmentStatus.CANCELLED: "ended_at",
        EnrolmentStatus.COMPLETED: "ended_at",
    },
)


class LessonCompletion(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="completions")
    lesson = models.ForeignKey("cms.LessonPage", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="one_completion")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.lesson_id}"
