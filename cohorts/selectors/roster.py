"""The roster: a cohort's students with their progress, for its instructors and staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment
from cohorts.selectors.access import STEPLEN, cohort_access, cohort_get
from cohorts.selectors.unlocks import _lessons_of, cohort_schedule
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
    lessons_due: int
    behind_count: int


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
    are still open for them.
    """
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    if access.role == "student":
        raise NotAllowed(_("Only the cohort's instructors see its roster."))
    slots = {s.module.path: s for s in cohort_schedule(cohort=cohort, now=now)}
    lessons = [x for x in _lessons_of(cohort.course) if x.path[:-STEPLEN] in slots]
    due_ids = [x.pk for x in lessons if now - slots[x.path[:-STEPLEN]].unlocks_at >= BEHIND_AFTER]
    enrolments = (
        Enrolment.objects.filter(cohort=cohort, status__in=CURRICULUM_ACCESS)
        .select_related("user")
        .annotate(
            lessons_done=Count("completions", filter=Q(completions__lesson__live=True)),
            due_done=Count("completions", filter=Q(completions__lesson_id__in=due_ids)),
            last_activity=Max("completions__completed_at"),
        )
        .order_by("user__display_name", "user__username", "pk")
    )
    behind = enrolments.filter(due_done__lt=len(due_ids))
    behind_count = behind.count() if due_ids else 0
    if behind_only:
        enrolments = behind if due_ids else enrolments.none()
    paginator = Paginator(enrolments, per_page)
    return Roster(
        cohort=cohort,
        page=paginator.get_page(page),
        lessons_total=len(lessons),
        lessons_due=len(due_ids),
        behind_count=behind_count,
    )
