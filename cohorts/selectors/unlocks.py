"""The unlock schedule of a cohort: when each module of its course opens (the week or
day offset on the cohort's calendar, or a staff override). ``cohorts.schedule`` does
the calendar arithmetic; these read the modules and overrides.

Given ``enrolment=``, the schedule is that student's: the same as the cohort's in a
fixed-term cohort, their own calendar in a self-paced one (``schedule.basis``). Unlock
overrides are absolute moments set for a whole cohort, so they apply to fixed-term
cohorts only; a self-paced cohort has none (``module_unlock_override_validate``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.models import LessonPage
from cms.selectors import LessonOutline, ModuleOutline, lessons_outline, modules_outline
from cohorts import schedule
from cohorts.models import Cohort, Enrolment, ModuleUnlockOverride
from cohorts.selectors.access import STEPLEN
from lms.errors import NotFound


@dataclass(frozen=True)
class ModuleSlot:
    module: ModuleOutline
    unlocks_at: dt.datetime
    is_unlocked: bool
    is_overridden: bool

    @property
    def week(self) -> int | None:
        return self.module.unlock_offset if self.module.unlock_unit == "week" else None


def _modules_of(course: Page) -> list[ModuleOutline]:
    return modules_outline(course=course)


def _lessons_of(course: Page) -> list[LessonOutline]:
    return lessons_outline(under=course, depth=course.depth + 2)


def _slot(
    basis: schedule.Basis, module: ModuleOutline, overrides: dict, now: dt.datetime
) -> ModuleSlot:
    override = overrides.get(module.pk)
    unlocks_at = override or schedule.module_opens_at(
        basis, unit=module.unlock_unit, offset=module.unlock_offset
    )
    return ModuleSlot(
        module=module,
        unlocks_at=unlocks_at,
        is_unlocked=unlocks_at <= now,
        is_overridden=override is not None,
    )


def _overrides(cohort: Cohort, **filters) -> dict[int, dt.datetime]:
    if cohort.is_self_paced:
        return {}
    return dict(
        ModuleUnlockOverride.objects.filter(cohort=cohort, **filters).values_list(
            "module_id", "unlocks_at"
        )
    )


def schedule_of(
    *,
    cohort: Cohort,
    modules: list[ModuleOutline],
    overrides: dict[int, dt.datetime],
    now: dt.datetime,
    enrolment: Enrolment | None = None,
) -> list[ModuleSlot]:
    """The slots of modules already read, on the cohort's or one member's calendar: no
    query (the roster and beat compute many members' schedules from one read)."""
    basis = schedule.basis(cohort, enrolment, now=now)
    return [_slot(basis, m, overrides, now) for m in modules]


def cohort_schedule(
    *, cohort: Cohort, now: dt.datetime | None = None, enrolment: Enrolment | None = None
) -> list[ModuleSlot]:
    """Every live module of the cohort's course with its unlock moment, for the cohort
    or (``enrolment``) one student of it. 2 queries (1 for a self-paced cohort)."""
    now = now or timezone.now()
    return schedule_of(
        cohort=cohort,
        modules=_modules_of(cohort.course),
        overrides=_overrides(cohort),
        now=now,
        enrolment=enrolment,
    )


def _slot_of(
    cohort: Cohort,
    modules: list[ModuleOutline],
    now: dt.datetime | None,
    enrolment: Enrolment | None,
):
    if not modules:
        raise NotFound(_("This course has no module with that id."))
    module = modules[0]
    now = now or timezone.now()
    basis = schedule.basis(cohort, enrolment, now=now)
    return _slot(basis, module, _overrides(cohort, module_id=module.pk), now)


def module_slot_get(
    *,
    cohort: Cohort,
    module_id: int,
    now: dt.datetime | None = None,
    enrolment: Enrolment | None = None,
) -> ModuleSlot:
    return _slot_of(
        cohort, modules_outline(course=cohort.course, module_id=module_id), now, enrolment
    )


def lesson_slot_get(
    *,
    cohort: Cohort,
    lesson: LessonPage,
    now: dt.datetime | None = None,
    enrolment: Enrolment | None = None,
) -> ModuleSlot:
    """The schedule slot of the module a lesson sits in. 2 queries."""
    module_path = lesson.path[:-STEPLEN]
    return _slot_of(cohort, modules_outline(course=cohort.course, path=module_path), now, enrolment)


def lesson_is_unlocked(
    *,
    cohort: Cohort,
    lesson: LessonPage,
    now: dt.datetime,
    enrolment: Enrolment | None = None,
) -> bool:
    try:
        return lesson_slot_get(
            cohort=cohort, lesson=lesson, now=now, enrolment=enrolment
        ).is_unlocked
    except NotFound:
        return False
