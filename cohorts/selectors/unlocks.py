"""The unlock schedule of a cohort: when each module of its course opens (the week or
day offset on the cohort's calendar, or a staff override). ``cohorts.schedule`` does
the calendar arithmetic; these read the modules and overrides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.models import LessonPage
from cms.selectors import LessonOutline, ModuleOutline, lessons_outline, modules_outline
from cohorts import schedule
from cohorts.models import Cohort, ModuleUnlockOverride
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


def _slot(cohort: Cohort, module: ModuleOutline, overrides: dict, now: dt.datetime) -> ModuleSlot:
    override = overrides.get(module.pk)
    unlocks_at = override or schedule.module_unlocks_at(
        cohort, unit=module.unlock_unit, offset=module.unlock_offset
    )
    return ModuleSlot(
        module=module,
        unlocks_at=unlocks_at,
        is_unlocked=unlocks_at <= now,
        is_overridden=override is not None,
    )


def cohort_schedule(*, cohort: Cohort, now: dt.datetime | None = None) -> list[ModuleSlot]:
    """Every live module of the cohort's course with its unlock moment. 2 queries."""
    now = now or timezone.now()
    overrides = dict(
        ModuleUnlockOverride.objects.filter(cohort=cohort).values_list("module_id", "unlocks_at")
    )
    return [_slot(cohort, m, overrides, now) for m in _modules_of(cohort.course)]


def _slot_of(cohort: Cohort, modules: list[ModuleOutline], now: dt.datetime | None):
    if not modules:
        raise NotFound(_("This course has no module with that id."))
    module = modules[0]
    overrides = dict(
        ModuleUnlockOverride.objects.filter(cohort=cohort, module_id=module.pk).values_list(
            "module_id", "unlocks_at"
        )
    )
    return _slot(cohort, module, overrides, now or timezone.now())


def module_slot_get(
    *, cohort: Cohort, module_id: int, now: dt.datetime | None = None
) -> ModuleSlot:
    return _slot_of(cohort, modules_outline(course=cohort.course, module_id=module_id), now)


def lesson_slot_get(
    *, cohort: Cohort, lesson: LessonPage, now: dt.datetime | None = None
) -> ModuleSlot:
    """The schedule slot of the module a lesson sits in. 2 queries."""
    module_path = lesson.path[:-STEPLEN]
    return _slot_of(cohort, modules_outline(course=cohort.course, path=module_path), now)


def lesson_is_unlocked(*, cohort: Cohort, lesson: LessonPage, now: dt.datetime) -> bool:
    try:
        return lesson_slot_get(cohort=cohort, lesson=lesson, now=now).is_unlocked
    except NotFound:
        return False
