"""The roster: a cohort's students with their progress, for its instructors and staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment, LessonCompletion
from cohorts.selectors.access import STEPLEN, cohort_access, cohort_get
from cohorts.selectors.unlocks import _lessons_of, _modules_of, cohort_schedule, schedule_of
from lms.errors import NotAllowed
from lms.models import User

# A student who has not completed the lessons of a module a week after it opened is
# shown as behind on the roster.
BEHIND_AFTER = dt.timedelta(days=7)


@dataclass
class Roster:
    cohort: Cohort
    page: PaginatorPage
    lessons_total: int
    # Lessons open for more than a week: the cohort's; in a self-paced cohort, where
    # each member has their own, the most any member has.
    lessons_due: int
    behind_count: int
    # Each member is judged on their own calendar (a self-paced cohort).
    per_member: bool = False


def _due_lessons(slots: dict, lessons: list, now: dt.datetime) -> list[int]:
    return [x.pk for x in lessons if now - slots[x.path[:-STEPLEN]].unlocks_at >= BEHIND_AFTER]


def _members_behind(cohort: Cohort, modules, lessons, now: dt.datetime) -> tuple[dict, int]:
    """{enrolment id: (lessons due, of those done)} on each member's own calendar, and
    the most lessons due for any member. 2 queries whatever the number of members."""
    members = list(
        Enrolment.objects.filter(cohort=cohort, status__in=CURRICULUM_ACCESS)
        .select_related("user")
        .only("pk", "cohort_id", "starts_on", "timezone", "user__timezone")
    )
    done: dict[int, set[int]] = {}
    for enrolment_id, lesson_id in LessonCompletion.objects.filter(
        enrolment__in=[m.pk for m in members]
    ).values_list("enrolment_id", "lesson_id"):
        done.setdefault(enrolment_id, set()).add(lesson_id)
    result = {}
    for member in members:
        slots = {
            s.module.path: s
            for s in schedule_of(
                cohort=cohort, modules=modules, overrides={}, now=now, enrolment=member
            )
        }
        due = _due_lessons(slots, lessons, now)
        result[member.pk] = (len(due), len(done.get(member.pk, set()) & set(due)))
    return result, max((d for d, _ in result.values()), default=0)


def roster_get(
    *,
    cohort_id: int,
    user: User,
    page: int = 1,
    per_page: int = 100,
    behind_only: bool = False,
    now: dt.datetime | None = None,
) -> Roster:
    """Students with their progress, for the cohort's instructors and staff only.

    A student is "behind" when lessons of a module that opened more than a week ago
    are still open for them: opened on the cohort's calendar, or in a self-paced
    cohort on the student's own. Each row carries ``is_behind``.
    """
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    if access.role == "student":
        raise NotAllowed(_("Only the cohort's instructors see its roster."))
    if cohort.is_self_paced:
        return _self_paced_roster(cohort, page, per_page, behind_only, now)
    slots = {s.module.path: s for s in cohort_schedule(cohort=cohort, now=now)}
    lessons = [x for x in _lessons_of(cohort.course) if x.path[:-STEPLEN] in slots]
    due_ids = _due_lessons(slots, lessons, now)
    enrolments = _rows(cohort).annotate(
        due_done=Count("completions", filter=Q(completions__lesson_id__in=due_ids))
    )
    behind = enrolments.filter(due_done__lt=len(due_ids))
    behind_count = behind.count() if due_ids else 0
    if behind_only:
        enrolments = behind if due_ids else enrolments.none()
    rows = Paginator(enrolments, per_page).get_page(page)
    rows.object_list = list(rows.object_list)
    for row in rows.object_list:
        row.lessons_due = len(due_ids)
        row.is_behind = row.due_done < len(due_ids)
    return Roster(
        cohort=cohort,
        page=rows,
        lessons_total=len(lessons),
        lessons_due=len(due_ids),
        behind_count=behind_count,
    )


def _rows(cohort: Cohort) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(cohort=cohort, status__in=CURRICULUM_ACCESS)
        .select_related("user")
        .annotate(
            lessons_done=Count("completions", filter=Q(completions__lesson__live=True)),
            last_activity=Max("completions__completed_at"),
        )
        .order_by("user__display_name", "user__username", "pk")
    )


def _self_paced_roster(
    cohort: Cohort, page: int, per_page: int, behind_only: bool, now: dt.datetime
) -> Roster:
    modules = _modules_of(cohort.course)
    paths = {m.path for m in modules}
    lessons = [x for x in _lessons_of(cohort.course) if x.path[:-STEPLEN] in paths]
    judged, most_due = _members_behind(cohort, modules, lessons, now)
    behind_ids = [pk for pk, (due, done) in judged.items() if done < due]
    enrolments = _rows(cohort)
    if behind_only:
        enrolments = enrolments.filter(pk__in=behind_ids)
    rows = Paginator(enrolments, per_page).get_page(page)
    rows.object_list = list(rows.object_list)
    for row in rows.object_list:
        row.lessons_due, row.due_done = judged.get(row.pk, (0, 0))
        row.is_behind = row.due_done < row.lessons_due
    return Roster(
        cohort=cohort,
        page=rows,
        lessons_total=len(lessons),
        lessons_due=most_due,
        behind_count=len(behind_ids),
        per_member=True,
    )
