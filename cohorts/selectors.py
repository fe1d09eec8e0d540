"""Reads for the catalogue, the schedule, dashboards, rosters and access checks.

Each page-level selector costs a fixed number of queries whatever the number of
modules, lessons or students; the tests pin those numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, Page, ReferenceIndex

from cms.models import AssignmentPage, CoursePage, LessonPage, ModulePage
from cms.selectors import LessonOutline, ModuleOutline, lessons_outline, modules_outline
from cohorts import schedule
from cohorts.models import (
    CURRICULUM_ACCESS,
    LIVE_STATUSES,
    SEAT_HOLDING,
    Cohort,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    LessonCompletion,
    ModuleUnlockOverride,
)
from lms.errors import NotAllowed, NotFound
from lms.models import User

STEPLEN = Page.steplen
# A student who has not completed the lessons of a module a week after it opened is
# shown as behind on the roster.
BEHIND_AFTER = dt.timedelta(days=7)


# --- Catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortListing:
    cohort: Cohort
    seats_taken: int
    waitlist_length: int
    window: str  # "upcoming", "open" or "closed"
    phase: str  # "upcoming", "running" or "ended"
    my_status: str | None

    @property
    def seats_left(self) -> int:
        return max(self.cohort.capacity - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0

    @property
    def can_enrol(self) -> bool:
        return self.window == "open" and self.my_status is None


@dataclass(frozen=True)
class CourseListing:
    course: CoursePage
    cohorts: list[CohortListing]


def _cohorts_with_counts() -> QuerySet[Cohort]:
    # The price comes along (payments' CohortPrice) so the catalogue shows it for free.
    return Cohort.objects.select_related("course", "price").annotate(
        seats_taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_HOLDING)),
        waitlist_length=Count(
            "enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)
        ),
    )


def _listing(cohort: Cohort, now: dt.datetime, my_status: str | None) -> CohortListing:
    if now < cohort.enrolment_opens_at:
        window = "upcoming"
    elif now < cohort.enrolment_closes_at and not cohort.is_cancelled:
        window = "open"
    else:
        window = "closed"
    return CohortListing(
        cohort=cohort,
        seats_taken=cohort.seats_taken,
        waitlist_length=cohort.waitlist_length,
        window=window,
        phase=cohort_phase(cohort=cohort, now=now),
        my_status=my_status,
    )


def cohort_phase(*, cohort: Cohort, now: dt.datetime) -> str:
    if now < schedule.term_starts_at(cohort):
        return "upcoming"
    if now < schedule.term_ends_at(cohort):
        return "running"
    return "ended"


def cohort_status_label(*, cohort: Cohort, now: dt.datetime | None = None) -> str:
    """What the cohort is doing now, in words, for staff lists: the stored status only
    says whether it was cancelled; the phase follows from its dates in its own zone."""
    now = now or timezone.now()
    if cohort.is_cancelled:
        return _("Cancelled")
    phase = cohort_phase(cohort=cohort, now=now)
    if phase == "ended":
        return _("Ended")
    if phase == "running":
        return _("Running")
    if cohort.enrolment_opens_at <= now < cohort.enrolment_closes_at:
        return _("Enrolment open")
    return _("Upcoming")


def _my_statuses(user: User, cohort_ids: list[int]) -> dict[int, str]:
    if not user.is_authenticated or not cohort_ids:
        return {}
    return dict(
        Enrolment.objects.filter(
            user=user, cohort_id__in=cohort_ids, status__in=LIVE_STATUSES
        ).values_list("cohort_id", "status")
    )


def _current_listings(user: User, now: dt.datetime, **filters) -> list[CohortListing]:
    """Cohorts still running or to come, with seat counts and the user's status.

    The date filter leaves a day of slack for timezones; the exact end of each term
    (local midnight after its last day) is applied here. 2 queries.
    """
    cohorts = list(
        _cohorts_with_counts()
        .filter(ends_on__gte=(now - dt.timedelta(days=1)).date(), **filters)
        .order_by("starts_on", "pk")
    )
    mine = _my_statuses(user, [c.pk for c in cohorts])
    listings = (_listing(c, now, mine.get(c.pk)) for c in cohorts)
    return [x for x in listings if x.phase != "ended"]


def catalogue_list(*, user: User, now: dt.datetime | None = None) -> list[CourseListing]:
    """Live courses with their cohorts that are still running or to come. 3 queries."""
    now = now or timezone.now()
    courses = list(CoursePage.objects.live().public().order_by("path"))
    by_course: dict[int, list[CohortListing]] = {}
    for listing in _current_listings(user, now, course__in=courses, status=CohortStatus.SCHEDULED):
        by_course.setdefault(listing.cohort.course_id, []).append(listing)
    return [CourseListing(course=c, cohorts=by_course.get(c.pk, [])) for c in courses]


@dataclass(frozen=True)
class CourseOutline:
    modules: list[ModuleOutline]
    cohorts: list[CohortListing]


def course_outline(
    *, course: CoursePage, user: User, now: dt.datetime | None = None
) -> CourseOutline:
    """The public face of a course: module titles and summaries, and its cohorts."""
    now = now or timezone.now()
    return CourseOutline(
        modules=_modules_of(course),
        cohorts=_current_listings(user, now, course=course, status=CohortStatus.SCHEDULED),
    )


def cohort_list(*, user: User, now: dt.datetime | None = None) -> list[CohortListing]:
    """Every cohort of a published course that is running or to come, for the API."""
    return _current_listings(user, now or timezone.now(), course__live=True)


def cohorts_with_free_seats_and_waitlist() -> QuerySet[Cohort]:
    return _cohorts_with_counts().filter(
        waitlist_length__gt=0, seats_taken__lt=F("capacity"), status=CohortStatus.SCHEDULED
    )


def cohort_listing_get(*, cohort_id: int, user: User, now: dt.datetime | None = None):
    now = now or timezone.now()
    cohort = _cohorts_with_counts().filter(pk=cohort_id, course__live=True).first()
    if cohort is None:
        raise NotFound(_("There is no cohort with that id."))
    return _listing(cohort, now, _my_statuses(user, [cohort.pk]).get(cohort.pk))


def cohort_get(*, cohort_id: int) -> Cohort:
    cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
    if cohort is None:
        raise NotFound(_("There is no cohort with that id."))
    return cohort


# --- Access -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortAccess:
    """Who the viewer is in a cohort. ``role`` is "student", "instructor" or "staff"."""

    role: str
    enrolment: Enrolment | None = None

    @property
    def reads_locked(self) -> bool:
        # Instructors and staff prepare ahead; students follow the schedule.
        return self.role in ("instructor", "staff")


def user_can_view_all_rosters(user: User) -> bool:
    """Staff: the staff role in every cohort (rosters, curriculum ahead of schedule, the
    students' work). A named permission, so that ``is_staff`` alone grants nothing;
    active superusers have every permission."""
    return user.has_perm("cohorts.view_all_rosters")


def cohort_access(*, user: User, cohort: Cohort) -> CohortAccess:
    """The viewer's role in the cohort, or NotFound: a cohort you are not part of does
    not exist for you (no hint to strangers)."""
    if user.is_authenticated:
        enrolment = (
            Enrolment.objects.filter(user=user, cohort=cohort, status__in=LIVE_STATUSES)
            .order_by("-pk")
            .first()
        )
        if enrolment is not None and enrolment.gives_access:
            return CohortAccess(role="student", enrolment=enrolment)
        if cohort.instructors.filter(pk=user.pk).exists():
            return CohortAccess(role="instructor")
        if user_can_view_all_rosters(user):
            return CohortAccess(role="staff")
        if enrolment is not None:
            raise NotAllowed(
                _("Your seat in this cohort is not active yet; the curriculum opens once it is."),
                code="enrolment_not_active",
            )
    raise NotFound(_("There is no cohort with that id."))


def my_enrolments(*, user: User) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(user=user, status__in=LIVE_STATUSES)
        .select_related("cohort__course")
        .order_by("cohort__starts_on", "pk")
    )


def my_enrolment_get(*, user: User, cohort_id: int) -> Enrolment:
    """The user's live enrolment (seat, waitlist place or completed) in a cohort."""
    enrolment = (
        Enrolment.objects.filter(user=user, cohort_id=cohort_id, status__in=LIVE_STATUSES)
        .select_related("cohort__course")
        .first()
        if user.is_authenticated
        else None
    )
    if enrolment is None:
        cohort_get(cohort_id=cohort_id)  # an unknown cohort is told as such
        raise NotFound(_("You are not enrolled or waitlisted in this cohort."), code="not_enrolled")
    return enrolment


def taught_cohorts(*, user: User) -> list[Cohort]:
    if not user.is_authenticated:
        return []
    return list(
        Cohort.objects.filter(instructors=user).select_related("course").order_by("starts_on")
    )


def waitlist_position(*, enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = Enrolment.objects.filter(
        cohort_id=enrolment.cohort_id, status=EnrolmentStatus.WAITLISTED
    ).filter(
        Q(waitlisted_at__lt=enrolment.waitlisted_at)
        | Q(waitlisted_at=enrolment.waitlisted_at, pk__lt=enrolment.pk)
    )
    return ahead.count() + 1


def user_can_edit_page(*, user: User, page: Page) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    # Pages are edited in the admin, so nobody without admin access edits one. Asking
    # first also spares a workflow query per page, which search would pay per result.
    if not user.has_perm("wagtailadmin.access_admin"):
        return False
    return page.permissions_for_user(user).can_edit()


def cohort_for_course_page(*, user: User, page: Page) -> Cohort | None:
    """The cohort through which this user reads a curriculum page: their running (or
    most recent) cohort of that course, or one they teach."""
    if not user.is_authenticated:
        return None
    course_path = page.path[: STEPLEN * 3]  # root / home / course
    enrolment = (
        Enrolment.objects.filter(
            user=user, status__in=CURRICULUM_ACCESS, cohort__course__path=course_path
        )
        .select_related("cohort")
        .order_by("-cohort__starts_on")
        .first()
    )
    if enrolment is not None:
        return enrolment.cohort
    return (
        Cohort.objects.filter(instructors=user, course__path=course_path)
        .order_by("-starts_on")
        .first()
    )


# --- Schedule ---------------------------------------------------------------------------


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


# --- Dashboard, module and lesson pages -------------------------------------------------


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
    # The student's badges earned in this cohort (badges.models.Award).
    badges: list = field(default_factory=list)

    @property
    def this_week(self) -> list[ModuleProgress]:
        """Modules that opened in the current week, counted in weeks or in days. A module
        an override moved later is left out until it opens: listing it would show its
        lessons to students early."""
        if self.current_week == 0:
            return []
        opens = schedule.module_unlocks_at(self.cohort, unit="week", offset=self.current_week)
        closes = schedule.module_unlocks_at(self.cohort, unit="week", offset=self.current_week + 1)
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


def _progress(cohort: Cohort, access: CohortAccess, now: dt.datetime) -> list[ModuleProgress]:
    slots = cohort_schedule(cohort=cohort, now=now)
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


def dashboard_get(
    *, cohort_id: int, user: User, now: dt.datetime | None = None, with_badges: bool = False
) -> Dashboard:
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    # badges builds on this app (it listens to its events); imported here, not at the top.
    from badges.selectors import cohort_awards_of

    return Dashboard(
        cohort=cohort,
        access=access,
        phase=cohort_phase(cohort=cohort, now=now),
        current_week=schedule.current_week(cohort, now),
        term_weeks=schedule.term_weeks(cohort),
        modules=_progress(cohort, access, now),
        instructors=list(cohort.instructors.order_by("display_name", "username")),
        badges=cohort_awards_of(cohort=cohort, user=user)
        if with_badges and access.enrolment
        else [],
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
    access = cohort_access(user=user, cohort=cohort)
    slot = module_slot_get(cohort=cohort, module_id=module_id, now=now)
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
    access = cohort_access(user=user, cohort=cohort)
    lesson = (
        LessonPage.objects.live().filter(pk=lesson_id, path__startswith=cohort.course.path).first()
    )
    if lesson is None:
        raise NotFound(_("This course has no lesson with that id."))
    try:
        slot = lesson_slot_get(cohort=cohort, lesson=lesson, now=now)
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


# --- Roster -----------------------------------------------------------------------------


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


# --- Media and search -------------------------------------------------------------------


def _readable_curriculum_paths(user: User, now: dt.datetime) -> tuple[set[str], set[str]]:
    """(course paths read in full, module paths unlocked) for this user's cohorts."""
    if not user.is_authenticated:
        return set(), set()
    cohorts = list(
        Cohort.objects.filter(
            Q(instructors=user)
            | Q(
                Exists(
                    Enrolment.objects.filter(
                        cohort=OuterRef("pk"), user=user, status__in=CURRICULUM_ACCESS
                    )
                )
            )
        )
        .select_related("course")
        .prefetch_related(Prefetch("instructors", queryset=User.objects.only("pk")))
        .distinct()
    )
    full: set[str] = set()
    unlocked: set[str] = set()
    for cohort in cohorts:
        if any(i.pk == user.pk for i in cohort.instructors.all()):
            full.add(cohort.course.path)
            continue
        unlocked.update(
            s.module.path for s in cohort_schedule(cohort=cohort, now=now) if s.is_unlocked
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


# A search is a few words: anything else (quotes, operators, control characters) is
# dropped rather than handed to the full-text engine, whose query syntax differs per
# database and answers a stray quote with an error.
SEARCH_WORD = re.compile(r"\w+")
SEARCH_MAX_WORDS = 12
SEARCH_MAX_WORD_LENGTH = 64


def search_words(query: str) -> list[str]:
    """The words of a search query, at most SEARCH_MAX_WORDS of them."""
    return [
        word[:SEARCH_MAX_WORD_LENGTH]
        for word in SEARCH_WORD.findall(query)[:SEARCH_MAX_WORDS]
        if word.isprintable()
    ]


def _editable_paths(user: User) -> set[str]:
    """Roots of the page trees the user's groups may edit in the admin."""
    if not user.is_authenticated or not user.has_perm("wagtailadmin.access_admin"):
        return set()
    return set(
        GroupPagePermission.objects.filter(
            group__user=user, permission__codename="change_page"
        ).values_list("page__path", flat=True)
    )


def search_curriculum(*, user: User, query: str, limit: int = 30) -> list[dict]:
    """Site search that never leaks locked content: a module, lesson or assignment is
    found only by those who may read it (an unlocked module of their active cohort, a
    cohort they teach, staff and the page's editors). The filter runs in the database,
    before the limit, so neither the hits nor their number tell anything about the
    rest."""
    words = search_words(query)
    if not words:
        return []
    pages = Page.objects.live().public()
    if not user_can_view_all_rosters(user):
        full, unlocked = _readable_curriculum_paths(user, timezone.now())
        readable = ~Q(content_type__in=_curriculum_content_types())
        for path in sorted(full | unlocked | _editable_paths(user)):
            readable |= Q(path__startswith=path)
        pages = pages.filter(readable)
    results = pages.specific().search(" ".join(words))[:limit]
    return [{"page": page, "summary": getattr(page, "summary", "")} for page in results]


def _curriculum_content_types() -> list[ContentType]:
    return list(ContentType.objects.get_for_models(*CURRICULUM_CLASSES).values())
