"""Cohorts and their terms: create, update, cancel; module unlock overrides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import CoursePage, ModulePage
from cohorts import schedule
from cohorts.models import (
    SEAT_HOLDING,
    Cohort,
    CohortPace,
    CohortStatus,
    EnrolmentStatus,
    ModuleUnlockOverride,
    SelfPacedStart,
)
from cohorts.services._common import _seats_taken, _with_history
from cohorts.services.enrolments import _promote_waitlist, enrolment_transition
from lms.errors import Conflict, ValidationFailed
from lms.models import User
from lms.timeutils import is_valid_timezone

COHORT_FIELDS = (
    "course",
    "name",
    "starts_on",
    "ends_on",
    "timezone",
    "enrolment_opens_at",
    "enrolment_closes_at",
    "capacity",
    "unlock_weekday",
    "unlock_time",
    "pace",
    "self_paced_start",
    "all_at_once",
)


# --- Cohorts ----------------------------------------------------------------------------


def cohort_validate(*, cohort: Cohort) -> None:
    """Refuse combinations that make no sense, naming the field to fix. For a saved
    cohort the capacity is checked against the seats taken now."""
    if not cohort.name or not cohort.name.strip():
        raise ValidationFailed(_("Give the cohort a name."), field="name")
    if not is_valid_timezone(cohort.timezone):
        raise ValidationFailed(
            _("'%(tz)s' is not a timezone; use a name such as Europe/Amsterdam.")
            % {"tz": cohort.timezone},
            field="timezone",
        )
    if cohort.ends_on < cohort.starts_on:
        raise ValidationFailed(_("The term must end on or after its start date."), field="ends_on")
    if cohort.enrolment_closes_at <= cohort.enrolment_opens_at:
        raise ValidationFailed(
            _("Enrolment must close after it opens."), field="enrolment_closes_at"
        )
    if cohort.enrolment_closes_at > schedule.term_ends_at(cohort):
        raise ValidationFailed(
            _("Enrolment must close before the term ends (%(day)s in %(tz)s).")
            % {"day": f"{cohort.ends_on:%Y-%m-%d}", "tz": cohort.timezone},
            field="enrolment_closes_at",
        )
    _pace_validate(cohort)
    if cohort.capacity is None or cohort.capacity < 1:
        raise ValidationFailed(_("A cohort needs at least one seat."), field="capacity")
    seats_taken = _seats_taken(cohort) if cohort.pk else 0
    if cohort.capacity < seats_taken:
        raise ValidationFailed(
            _("%(n)s students hold a seat already; capacity cannot go below that.")
            % {"n": seats_taken},
            field="capacity",
        )


def _pace_validate(cohort: Cohort) -> None:
    if cohort.pace == CohortPace.SELF_PACED:
        clash = Cohort.objects.filter(course_id=cohort.course_id, pace=CohortPace.SELF_PACED)
        if cohort.pk:
            clash = clash.exclude(pk=cohort.pk)
        if cohort.course_id and clash.exists():
            raise ValidationFailed(
                _("This course has a self-paced library cohort already; members join that one."),
                code="library_exists",
                field="pace",
            )
        return
    if cohort.self_paced_start == SelfPacedStart.FIRST_OPEN:
        raise ValidationFailed(
            _(
                "Only a self-paced cohort starts when a member first opens the course; a "
                "fixed-term cohort starts on its start date. Choose “self-paced” or "
                "“when their access begins”."
            ),
            code="fixed_term_start",
            field="self_paced_start",
        )
    if cohort.pk and cohort.enrolments.exclude(starts_on=None).exists():
        raise ValidationFailed(
            _(
                "Members follow this cohort on their own calendars; it cannot become a "
                "fixed-term cohort."
            ),
            code="members_self_paced",
            field="pace",
        )


@transaction.atomic
def cohort_create(
    *,
    course: CoursePage,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    enrolment_opens_at: dt.datetime,
    enrolment_closes_at: dt.datetime,
    capacity: int,
    timezone: str = "Europe/Amsterdam",
    unlock_weekday: int = 0,
    unlock_time: dt.time = dt.time(9, 0),
    pace: str = CohortPace.COHORT,
    self_paced_start: str = SelfPacedStart.JOIN,
    all_at_once: bool = False,
    instructors: Iterable[User] = (),
    by: User | None = None,
) -> Cohort:
    cohort = Cohort(
        course=course,
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        enrolment_opens_at=enrolment_opens_at,
        enrolment_closes_at=enrolment_closes_at,
        capacity=capacity,
        unlock_weekday=unlock_weekday,
        unlock_time=unlock_time,
        pace=pace,
        self_paced_start=self_paced_start,
        all_at_once=all_at_once,
    )
    cohort_validate(cohort=cohort)
    _with_history(cohort, by, "created")
    cohort.save()
    cohort.instructors.set(list(instructors))
    return cohort


@transaction.atomic
def cohort_update(
    *,
    cohort: Cohort,
    by: User | None = None,
    instructors: Iterable[User] | None = None,
    **changes: Any,
) -> Cohort:
    unknown = set(changes) - set(COHORT_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Unknown cohort fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    for field, value in changes.items():
        setattr(locked, field, value)
    cohort_validate(cohort=locked)
    _with_history(locked, by, "updated")
    locked.save()
    if instructors is not None:
        locked.instructors.set(list(instructors))
    # More seats, or a later window: the waitlist may move up.
    _promote_waitlist(locked)
    return locked


@transaction.atomic
def cohort_cancel(*, cohort: Cohort, by: User | None = None) -> Cohort:
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if locked.status == CohortStatus.CANCELLED:
        raise Conflict(_("This cohort is cancelled already."), code="cohort_cancelled")
    locked.status = CohortStatus.CANCELLED
    _with_history(locked, by, "cancelled")
    locked.save(update_fields=["status", "updated_at"])
    for enrolment in locked.enrolments.filter(
        status__in=(*SEAT_HOLDING, EnrolmentStatus.WAITLISTED)
    ):
        enrolment_transition(
            enrolment=enrolment, to=EnrolmentStatus.CANCELLED, by=by, reason="cohort cancelled"
        )
    return locked


def module_unlock_override_validate(
    *, cohort: Cohort, module: ModulePage, unlocks_at: dt.datetime
) -> None:
    if module.get_parent().pk != cohort.course_id:
        raise ValidationFailed(
            _("That module belongs to another course than this cohort's."), field="module"
        )
    if cohort.is_self_paced:
        raise ValidationFailed(
            _(
                "A self-paced cohort has no unlock overrides: each member's modules open "
                "on their own calendar. Change the module's week or day offset instead."
            ),
            code="self_paced_override",
            field="cohort",
        )
    if timezone.is_naive(unlocks_at):
        raise ValidationFailed(_("Give the unlock moment with its timezone."), field="unlocks_at")


@transaction.atomic
def module_unlock_override_set(
    *,
    cohort: Cohort,
    module: ModulePage,
    unlocks_at: dt.datetime,
    reason: str = "",
    by: User | None = None,
) -> ModuleUnlockOverride:
    module_unlock_override_validate(cohort=cohort, module=module, unlocks_at=unlocks_at)
    override = ModuleUnlockOverride.objects.filter(cohort=cohort, module=module).first()
    if override is None:
        override = ModuleUnlockOverride(cohort=cohort, module=module)
    override.unlocks_at = unlocks_at
    override.reason = reason.strip()
    _with_history(override, by, reason or "unlock override")
    override.save()
    return override


@transaction.atomic
def module_unlock_override_clear(*, override: ModuleUnlockOverride, by: User | None = None):
    _with_history(override, by, "override removed")
    override.delete()


@transaction.atomic
def module_unlock_override_update(
    *,
    override: ModuleUnlockOverride,
    cohort: Cohort,
    module: ModulePage,
    unlocks_at: dt.datetime,
    reason: str = "",
    by: User | None = None,
) -> ModuleUnlockOverride:
    """Change an override. Pointing it at another cohort or module moves it: the old
    module goes back to the schedule instead of keeping a stale override."""
    if (override.cohort_id, override.module_id) != (cohort.pk, module.pk):
        module_unlock_override_clear(override=override, by=by)
    return module_unlock_override_set(
        cohort=cohort, module=module, unlocks_at=unlocks_at, reason=reason, by=by
    )
