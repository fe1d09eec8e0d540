"""The learner's pages of a cohort, cohort facts only: progress through the modules
(the dashboard), a module with its lessons, a lesson with its neighbours. The pages
that add live sessions, assignments, reviews and badges compose these in home.

A student sees their own schedule (``schedule.basis``): the cohort's in a fixed-term
cohort, their own calendar in a self-paced one. Opening one of these pages is what
starts a "first open" member's calendar (``services.self_paced_start``): one UPDATE,
once per member."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import LessonPage
from cms.selectors import LessonOutline, lessons_outline
from cohorts import schedule
from cohorts.models import Cohort, LessonCompletion
from cohorts.selectors.access import STEPLEN, CohortAccess, cohort_access, cohort_get
from cohorts.selectors.catalogue import cohort_phase
from cohorts.selectors.unlocks import (
    ModuleSlot,
    _lessons_of,
    cohort_schedule,
    lesson_slot_get,
    module_slot_get,
)
from lms.errors import NotFound
from lms.models import User


@dataclass
class LessonItem:
    lesson: LessonOutline | LessonPage
    completed: bool


@dataclass
class ModuleProgress:
    slot: ModuleSlot
    lessons: list[LessonItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def completed(self) -> int:
        return sum(1 for item in self.lessons if item.completed)

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0


@dataclass
class Dashboard:
    cohort: Cohort
    access: CohortAccess
    phase: str
    current_week: int
    term_weeks: int
    modules: list[ModuleProgress]
    instructors: list[User]
    # The calendar the weeks are counted on: the cohort's, or a self-paced member's.
    basis: schedule.Basis | None = None

    @property
    def this_week(self) -> list[ModuleProgress]:
        """Modules that opened in the current week, counted in weeks or in days. A module
        an override moved later is left out until it opens: listing it would show its
        lessons to students early."""
        if self.current_week == 0:
            return []
        calendar = self.basis or schedule.basis(self.cohort)
        opens = schedule.module_unlocks_at(calendar, unit="week", offset=self.current_week)
        closes = schedule.module_unlocks_at(calendar, unit="week", offset=self.current_week + 1)
        return [
            m
            for m in self.modules
            if opens <= m.slot.unlocks_at < closes
            and (m.slot.is_unlocked or self.access.reads_locked)
        ]

    @property
    def next_unlock(self) -> ModuleProgress | None:
        upcoming = [m for m in self.modules if not m.slot.is_unlocked]
        return min(upcoming, key=lambda m: m.slot.unlocks_at) if upcoming else None

    @property
    def lessons_total(self) -> int:
        return sum(m.total for m in self.modules)

    @property
    def lessons_completed(self) -> int:
        return sum(m.completed for m in self.modules)

    @property
    def percent(self) -> int:
        total = self.lessons_total
        return round(100 * self.lessons_completed / total) if total else 0


def _student_access(user: User, cohort: Cohort, now: dt.datetime) -> CohortAccess:
    """The viewer's access; a "first open" member who opens the course for the first
    time starts their calendar today (one UPDATE, only then)."""
    access = cohort_access(user=user, cohort=cohort)
    enrolment = access.enrolment
    if enrolment is not None and cohort.is_self_paced and enrolment.starts_on is None:
        from cohorts.services import self_paced_start

        self_paced_start(enrolment=enrolment, now=now)
    return access


def _weeks(cohort: Cohort, basis: schedule.Basis, modules: list[ModuleProgress], now):
    """(current week, weeks in the term). A self-paced cohort's term is the course: it
    ends with the week its last module opens in, not with the library's century."""
    if not cohort.is_self_paced:
        return schedule.current_week(basis, now), schedule.term_weeks(basis)
    last_opening = max((m.slot.unlocks_at for m in modules), default=None)
    weeks = max(1, schedule.current_week(basis, last_opening)) if last_opening else 1
    return min(schedule.current_week(basis, now), weeks), weeks


def _progress(cohort: Cohort, access: CohortAccess, now: dt.datetime) -> list[ModuleProgress]:
    slots = cohort_schedule(cohort=cohort, now=now, enrolment=access.enrolment)
    done: set[int] = set()
    if access.enrolment is not None:
        done = set(
            LessonCompletion.objects.filter(enrolment=access.enrolment).values_list(
                "lesson_id", flat=True
            )
        )
    by_path = {slot.module.path: ModuleProgress(slot=slot) for slot in slots}
    for lesson in _lessons_of(cohort.course):
        module = by_path.get(lesson.path[:-STEPLEN])
        if module is not None:  # a lesson under an unpublished module stays hidden
            module.lessons.append(LessonItem(lesson=lesson, completed=lesson.pk in done))
    return list(by_path.values())


def dashboard_get(*, cohort_id: int, user: User, now: dt.datetime | None = None) -> Dashboard:
    """The cohort's progress for the viewer (the dashboard page and the progress API);
    the page adds sessions, work and badges in ``home.selectors``."""
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = _student_access(user, cohort, now)
    basis = schedule.basis(cohort, access.enrolment, now=now)
    modules = _progress(cohort, access, now)
    current_week, term_weeks = _weeks(cohort, basis, modules, now)
    return Dashboard(
        cohort=cohort,
        access=access,
        phase=cohort_phase(cohort=basis, now=now),
        current_week=current_week,
        term_weeks=term_weeks,
        modules=modules,
        instructors=list(cohort.instructors.order_by("display_name", "username")),
        basis=basis,
    )


@dataclass
class ModuleView:
    cohort: Cohort
    access: CohortAccess
    progress: ModuleProgress

    @property
    def readable(self) -> bool:
        return self.progress.slot.is_unlocked or self.access.reads_locked


def module_view_get(
    *, cohort_id: int, module_id: int, user: User, now: dt.datetime | None = None
) -> ModuleView:
    """A module with its lessons. While locked, the lessons list is empty for students:
    they see title, summary and unlock moment only."""
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = _student_access(user, cohort, now)
    slot = module_slot_get(cohort=cohort, module_id=module_id, now=now, enrolment=access.enrolment)
    progress = ModuleProgress(slot=slot)
    if slot.is_unlocked or access.reads_locked:
        lessons = lessons_outline(under=slot.module, depth=slot.module.depth + 1)
        done: set[int] = set()
        if access.enrolment is not None:
            done = set(
                LessonCompletion.objects.filter(
                    enrolment=access.enrolment, lesson_id__in=[x.pk for x in lessons]
                ).values_list("lesson_id", flat=True)
            )
        progress.lessons = [LessonItem(lesson=x, completed=x.pk in done) for x in lessons]
    return ModuleView(cohort=cohort, access=access, progress=progress)


@dataclass
class LessonView:
    cohort: Cohort
    access: CohortAccess
    slot: ModuleSlot
    lesson: LessonPage
    completed: bool
    previous: LessonOutline | None
    next: LessonOutline | None

    @property
    def readable(self) -> bool:
        return self.slot.is_unlocked or self.access.reads_locked


def lesson_view_get(
    *, cohort_id: int, lesson_id: int, user: User, now: dt.datetime | None = None
) -> LessonView:
    """A lesson with its content, for readers of an unlocked module. The caller shows
    the locked notice when ``readable`` is false and must not render the body."""
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = _student_access(user, cohort, now)
    lesson = (
        LessonPage.objects.live().filter(pk=lesson_id, path__startswith=cohort.course.path).first()
    )
    if lesson is None:
        raise NotFound(_("This course has no lesson with that id."))
    try:
        slot = lesson_slot_get(cohort=cohort, lesson=lesson, now=now, enrolment=access.enrolment)
    except NotFound:  # under an unpublished module: the lesson is not there for readers
        raise NotFound(_("This course has no lesson with that id.")) from None
    siblings = lessons_outline(under=slot.module, depth=lesson.depth)
    index = next(i for i, s in enumerate(siblings) if s.pk == lesson.pk)
    completed = (
        access.enrolment is not None
        and LessonCompletion.objects.filter(enrolment=access.enrolment, lesson=lesson).exists()
    )
    return LessonView(
        cohort=cohort,
        access=access,
        slot=slot,
        lesson=lesson,
        completed=completed,
        previous=siblings[index - 1] if index > 0 else None,
        next=siblings[index + 1] if index + 1 < len(siblings) else None,
    )
