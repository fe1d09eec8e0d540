"""Reads for a cohort's community home, a space's thread list and the unread counts.

Each costs a fixed number of queries whatever the number of spaces, threads and
replies (pinned in tests/community/test_queries.py). Unread is per thread: a thread is
unread while its last activity is newer than both the member's mark on it and their
"mark space read" on its space.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment
from cohorts.selectors import cohort_get, cohort_schedule
from community.access import Member, community_member
from community.models import (
    Report,
    ReportStatus,
    Role,
    Space,
    SpaceKind,
    SpaceRead,
    Thread,
    ThreadRead,
)
from lms.errors import NotFound
from lms.models import User

THREADS_PER_PAGE = 25
UNREAD_CAP = 100  # the header says "99+" beyond
NEW_MEMBER_DAYS = 14


@dataclass(frozen=True)
class SpaceRow:
    space: Space
    locked: bool
    unlocks_at: dt.datetime | None
    unread: int = 0

    @property
    def title(self) -> str:
        return self.space.title


def _unread_threads(user: User, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    thread_mark = ThreadRead.objects.filter(thread_id=OuterRef("pk"), user=user).values("read_at")[
        :1
    ]
    space_mark = SpaceRead.objects.filter(space_id=OuterRef("space_id"), user=user).values(
        "read_at"
    )[:1]
    return (
        threads.filter(hidden_at__isnull=True)
        .annotate(thread_mark=Subquery(thread_mark), space_mark=Subquery(space_mark))
        .filter(Q(thread_mark__isnull=True) | Q(last_activity_at__gt=F("thread_mark")))
        .filter(Q(space_mark__isnull=True) | Q(last_activity_at__gt=F("space_mark")))
    )


def unread_total(*, user: User) -> int:
    """Unread threads across every community the user belongs to, up to UNREAD_CAP.
    One query."""
    if not user.is_authenticated:
        return 0
    roles = Role.objects.filter(user=user)
    cohorts = (
        Q(
            space__cohort_id__in=Enrolment.objects.filter(
                user=user, status__in=CURRICULUM_ACCESS
            ).values("cohort_id")
        )
        | Q(
            space__cohort_id__in=Cohort.instructors.through.objects.filter(user_id=user.pk).values(
                "cohort_id"
            )
        )
        | Q(space__cohort_id__in=roles.filter(cohort__isnull=False).values("cohort_id"))
        | Q(space__cohort__course_id__in=roles.filter(course__isnull=False).values("course_id"))
    )
    unread = _unread_threads(user, Thread.objects.filter(cohorts))
    return unread.values("pk")[:UNREAD_CAP].count()


def _space_rows(member: Member, spaces: list[Space], now: dt.datetime) -> list[SpaceRow]:
    slots = {slot.module.pk: slot for slot in cohort_schedule(cohort=member.cohort, now=now)}
    counts = dict(
        _unread_threads(member.user, Thread.objects.filter(space__in=[s.pk for s in spaces]))
        .values("space_id")
        .annotate(n=Count("pk"))
        .values_list("space_id", "n")
    )
    rows = []
    for space in spaces:
        slot = slots.get(space.module_id) if space.kind == SpaceKind.MODULE else None
        if space.kind == SpaceKind.MODULE and slot is None:
            continue  # a module no longer live: its space is not shown
        locked = slot is not None and not slot.is_unlocked
        rows.append(
            SpaceRow(
                space=space,
                locked=locked,
                unlocks_at=slot.unlocks_at if slot else None,
                unread=0 if locked else counts.get(space.pk, 0),
            )
        )
    return rows


@dataclass
class CommunityHome:
    member: Member
    cohort: Cohort
    spaces: list[SpaceRow]
    needs_hello: bool
    introductions: SpaceRow | None
    new_introductions: list[Thread]
    unanswered: list[Thread] = field(default_factory=list)
    open_reports: int = 0
    guidelines: str = ""


def community_home(*, user: User, cohort_id: int, now: dt.datetime | None = None) -> CommunityHome:
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    member = community_member(user=user, cohort=cohort, now=now)
    spaces = list(Space.objects.filter(cohort=cohort).select_related("module"))
    rows = _space_rows(member, spaces, now)
    intro = next((r for r in rows if r.space.kind == SpaceKind.INTRODUCTIONS), None)
    new_intros: list[Thread] = []
    needs_hello = False
    if intro is not None:
        new_intros = list(
            Thread.objects.filter(
                space=intro.space,
                hidden_at__isnull=True,
                removed_at__isnull=True,
                created_at__gte=now - dt.timedelta(days=NEW_MEMBER_DAYS),
            )
            .select_related("author")
            .order_by("-created_at")[:6]
        )
        needs_hello = (
            member.base == "student"
            and not member.term_ended
            and not Thread.objects.filter(
                space=intro.space, author=user, removed_at__isnull=True
            ).exists()
        )
    unanswered: list[Thread] = []
    if member.may_endorse:
        unanswered = unanswered_questions(cohort=cohort, limit=10, now=now)
    return CommunityHome(
        member=member,
        cohort=cohort,
        spaces=rows,
        needs_hello=needs_hello,
        introductions=intro,
        new_introductions=new_intros,
        unanswered=unanswered,
        open_reports=open_report_count(cohort=cohort) if member.may_moderate else 0,
        guidelines=cohort.course.community_guidelines,
    )


def locked_space_filter(
    *, cohort: Cohort, now: dt.datetime | None = None, prefix: str = "thread__space__"
) -> Q:
    """Rows in a module space whose module is locked for the cohort now (not open yet,
    or locked again by a later unlock override). Two queries."""
    locked = locked_module_ids(cohort=cohort, now=now)
    return Q(**{f"{prefix}kind": SpaceKind.MODULE, f"{prefix}module_id__in": sorted(locked)})


def locked_module_ids(*, cohort: Cohort, now: dt.datetime | None = None) -> set[int]:
    """The modules locked for the cohort now, whose spaces show only title and unlock
    moment. Two queries."""
    return {
        slot.module.pk
        for slot in cohort_schedule(cohort=cohort, now=now or timezone.now())
        if not slot.is_unlocked
    }


def unanswered_questions(
    *, cohort: Cohort, limit: int = 50, now: dt.datetime | None = None
) -> list[Thread]:
    """Questions nobody but the asker has replied to, longest waiting first. A space
    that is locked shows nothing but its title and unlock moment, so its questions
    (asked before an unlock override locked it again) are left out."""
    return list(
        Thread.objects.filter(
            space__cohort=cohort,
            is_question=True,
            answered_at__isnull=True,
            hidden_at__isnull=True,
            removed_at__isnull=True,
        )
        .exclude(locked_space_filter(cohort=cohort, now=now, prefix="space__"))
        .select_related("author", "space__module")
        .order_by("created_at", "pk")[:limit]
    )


def open_report_count(*, cohort: Cohort) -> int:
    return Report.objects.filter(
        status=ReportStatus.OPEN, post__thread__space__cohort=cohort
    ).count()


@dataclass
class ThreadRow:
    thread: Thread
    unread: bool
    waiting: dt.timedelta | None = None  # an unanswered question, for hosts and mentors


@dataclass
class SpacePage:
    member: Member
    row: SpaceRow
    threads: Page | None
    may_start: bool
    unanswered_first: bool

    @property
    def space(self) -> Space:
        return self.row.space


def space_get(
    *, user: User, space_id: int, now: dt.datetime | None = None
) -> tuple[Member, SpaceRow]:
    """The member and the space with its lock state, or NotFound."""
    now = now or timezone.now()
    space = Space.objects.select_related("cohort__course", "module").filter(pk=space_id).first()
    if space is None:
        raise NotFound(_("There is no space with that id."))
    member = community_member(user=user, cohort=space.cohort, now=now)
    slot = None
    if space.kind == SpaceKind.MODULE:
        slot = next(
            (
                s
                for s in cohort_schedule(cohort=space.cohort, now=now)
                if s.module.pk == space.module_id
            ),
            None,
        )
        if slot is None:
            raise NotFound(_("There is no space with that id."))
    row = SpaceRow(
        space=space,
        locked=bool(slot and not slot.is_unlocked),
        unlocks_at=slot.unlocks_at if slot else None,
    )
    return member, row


def space_page(
    *, user: User, space_id: int, page: int = 1, now: dt.datetime | None = None
) -> SpacePage:
    now = now or timezone.now()
    member, row = space_get(user=user, space_id=space_id, now=now)
    space = row.space
    may_start = (
        not row.locked
        and space.archived_at is None
        and member.write_refusal() is None
        and (member.is_host or not space.hosts_only)
    )
    unanswered_first = space.is_qa and member.may_endorse
    if row.locked:
        # Title and unlock moment, nothing else.
        return SpacePage(
            member=member, row=row, threads=None, may_start=False, unanswered_first=False
        )
    threads = Thread.objects.filter(space=space).select_related("author")
    if not member.may_moderate:
        threads = threads.filter(hidden_at__isnull=True).filter(
            Q(removed_at__isnull=True) | Q(reply_count__gt=0)
        )
    thread_mark = ThreadRead.objects.filter(thread_id=OuterRef("pk"), user=user).values("read_at")[
        :1
    ]
    space_mark = SpaceRead.objects.filter(space_id=space.pk, user=user).values("read_at")[:1]
    threads = threads.annotate(
        thread_mark=Subquery(thread_mark),
        space_mark=Subquery(space_mark),
    )
    order = [F("pinned_at").desc(nulls_last=True)]
    if unanswered_first:
        threads = threads.annotate(
            open_question=Exists(
                Thread.objects.filter(
                    pk=OuterRef("pk"),
                    is_question=True,
                    answered_at__isnull=True,
                    removed_at__isnull=True,
                )
            )
        )
        order += [F("open_question").desc(), "created_at"]
    order += [F("last_activity_at").desc(), "-pk"]
    paginator = Paginator(threads.order_by(*order), THREADS_PER_PAGE)
    paged = paginator.get_page(page)
    paged.object_list = [
        ThreadRow(
            thread=t,
            unread=(t.thread_mark is None or t.last_activity_at > t.thread_mark)
            and (t.space_mark is None or t.last_activity_at > t.space_mark),
            waiting=(now - t.created_at)
            if unanswered_first and t.is_question and t.answered_at is None and t.removed_at is None
            else None,
        )
        for t in paged.object_list
    ]
    return SpacePage(
        member=member,
        row=row,
        threads=paged,
        may_start=may_start,
        unanswered_first=unanswered_first,
    )


def hello_due(*, user: User, now: dt.datetime | None = None) -> list[Space]:
    """The introductions spaces of the running cohorts where the user (a student) has
    not introduced themselves yet: the dashboard's "say hello". One query."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    mine = Enrolment.objects.filter(
        user=user, status__in=CURRICULUM_ACCESS, cohort__ends_on__gte=now.date()
    )
    introduced = Thread.objects.filter(
        space_id=OuterRef("pk"), author=user, removed_at__isnull=True
    )
    return list(
        Space.objects.filter(kind=SpaceKind.INTRODUCTIONS, cohort_id__in=mine.values("cohort_id"))
        .exclude(Exists(introduced))
        .select_related("cohort__course")
        .order_by("cohort__starts_on")
    )
