"""Who may read which curriculum page, and so the images and documents used on it: the
rule behind protected media, Wagtail's document downloads and the page-serving hook."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from wagtail.models import Page, ReferenceIndex

from cms.models import AssignmentPage, LessonPage, ModulePage
from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment
from cohorts.selectors.access import STEPLEN, user_can_edit_page, user_can_view_all_rosters
from cohorts.selectors.unlocks import cohort_schedule
from lms.models import User


def _readable_curriculum_paths(user: User, now: dt.datetime) -> tuple[set[str], set[str]]:
    """(course paths read in full, module paths unlocked) for this user's cohorts; in
    a self-paced cohort, the modules open on the user's own calendar."""
    if not user.is_authenticated:
        return set(), set()
    mine = Enrolment.objects.filter(
        cohort=OuterRef("pk"), user=user, status__in=CURRICULUM_ACCESS
    ).order_by("-pk")
    cohorts = list(
        Cohort.objects.filter(Q(instructors=user) | Q(Exists(mine)))
        .select_related("course")
        .prefetch_related(Prefetch("instructors", queryset=User.objects.only("pk")))
        # A self-paced member's calendar, read along (no query per cohort).
        .annotate(
            my_starts_on=Subquery(mine.values("starts_on")[:1]),
            my_timezone=Subquery(mine.values("timezone")[:1]),
        )
        .distinct()
    )
    full: set[str] = set()
    unlocked: set[str] = set()
    for cohort in cohorts:
        if any(i.pk == user.pk for i in cohort.instructors.all()):
            full.add(cohort.course.path)
            continue
        calendar = Enrolment(
            cohort=cohort,
            user=user,
            starts_on=cohort.my_starts_on,
            timezone=cohort.my_timezone or "",
        )
        unlocked.update(
            s.module.path
            for s in cohort_schedule(cohort=cohort, now=now, enrolment=calendar)
            if s.is_unlocked
        )
    return full, unlocked


# Every page below a course page belongs to one of its modules and is read on the
# module's schedule: the module page itself, its lessons and its assignments.
CURRICULUM_CLASSES = (ModulePage, LessonPage, AssignmentPage)


def _module_path(page: Page) -> str:
    return page.path if page.specific_class is ModulePage else page.path[:-STEPLEN]


def curriculum_page_readable(
    *, user: User, page: Page, now: dt.datetime | None = None, _paths=None
) -> bool:
    """Whether the user may read this page's full content (not only its teaser)."""
    if page.specific_class not in CURRICULUM_CLASSES:
        return page.live
    if user_can_view_all_rosters(user) or user_can_edit_page(user=user, page=page):
        return True
    full, unlocked = _paths or _readable_curriculum_paths(user, now or timezone.now())
    return _module_path(page) in unlocked or any(page.path.startswith(p) for p in full)


def media_readable(*, user: User, obj) -> bool:
    """Images and documents are readable by those who may read a page that uses them.
    Files no published page uses are for editors only."""
    if user.is_authenticated and (user.is_superuser or user.has_perm("wagtailadmin.access_admin")):
        return True
    page_ids = {
        int(ref.object_id)
        for ref in ReferenceIndex.get_references_to(obj)
        if issubclass(
            ContentType.objects.get_for_id(ref.base_content_type_id).model_class() or object,
            Page,
        )
    }
    if not page_ids:
        return False
    pages = list(Page.objects.live().filter(pk__in=page_ids))
    paths = _readable_curriculum_paths(user, timezone.now())
    return any(curriculum_page_readable(user=user, page=p, _paths=paths) for p in pages)
