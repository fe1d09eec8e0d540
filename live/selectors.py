"""Reads for live sessions: a cohort's calendar, one session, the upcoming sessions of a
user, and the staff's RSVP/attendance views. Each costs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment
from cohorts.selectors import CohortAccess, cohort_access, cohort_get
from live.models import Attendance, FeedToken, LiveSession, Rsvp, RsvpAnswer
from lms.errors import NotAllowed, NotFound
from lms.models import User


@dataclass
class SessionItem:
    """A session as one viewer sees it."""

    session: LiveSession
    going_count: int
    my_rsvp: str | None
    attended: bool
    now: dt.datetime

    @property
    def can_join(self) -> bool:
        return self.session.can_join(self.now)

    @property
    def is_past(self) -> bool:
        return self.session.is_past(self.now)

    @property
    def join_early_minutes(self) -> int:
        """How long before the start the room opens, for "Join opens at ..." text."""
        return int((self.session.starts_at - self.session.join_opens_at()).total_seconds() // 60)

    @property
    def places_left(self) -> int | None:
        if self.session.capacity is None:
            return None
        return max(self.session.capacity - self.going_count, 0)

    @property
    def is_full(self) -> bool:
        return self.places_left == 0


def _sessions_qs():
    return (
        LiveSession.objects.select_related("cohort__course")
        .prefetch_related("hosts")
        .annotate(going_count=Count("rsvps", filter=Q(rsvps__answer=RsvpAnswer.GOING)))
    )


def _items(sessions: list[LiveSession], user: User, now: dt.datetime) -> list[SessionItem]:
    ids = [s.pk for s in sessions]
    rsvps = dict(
        Rsvp.objects.filter(session_id__in=ids, user=user).values_list("session_id", "answer")
    )
    attended = set(
        Attendance.objects.filter(session_id__in=ids, user=user, attended=True).values_list(
            "session_id", flat=True
        )
    )
    return [
        SessionItem(
            session=s,
            going_count=s.going_count,
            my_rsvp=rsvps.get(s.pk),
            attended=s.pk in attended,
            now=now,
        )
        for s in sessions
    ]


def user_can_manage_sessions(user: User) -> bool:
    """Staff: plan, change and take attendance of live sessions in every cohort, not only
    the cohorts one teaches. Active superusers have every permission; ``is_staff`` alone
    grants nothing."""
    return user.has_perm("live.manage_sessions")


def may_organise(*, access: CohortAccess, user: User) -> bool:
    """The cohort's instructors, and staff who manage sessions, organise its sessions.
    Its students never do (and a student's page asks no permission query)."""
    if access.role == "student":
        return False
    return access.role == "instructor" or user_can_manage_sessions(user)


@dataclass
class CohortCalendar:
    cohort: Cohort
    access: CohortAccess
    upcoming: list[SessionItem]
    past: list[SessionItem]
    can_manage: bool = False


def cohort_calendar_get(
    *, cohort_id: int, user: User, now: dt.datetime | None = None
) -> CohortCalendar:
    """Every session of the cohort, upcoming first in time order, past newest first."""
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    sessions = list(_sessions_qs().filter(cohort=cohort).order_by("starts_at", "pk"))
    items = _items(sessions, user, now)
    return CohortCalendar(
        cohort=cohort,
        access=access,
        upcoming=[i for i in items if not i.is_past],
        past=[i for i in reversed(items) if i.is_past],
        can_manage=may_organise(access=access, user=user),
    )


def session_get(*, session_id: int, user: User, now: dt.datetime | None = None):
    """One session with the viewer's access; a session of a cohort you are not part of
    does not exist for you."""
    now = now or timezone.now()
    session = _sessions_qs().filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("There is no live session with that id."))
    try:
        access = cohort_access(user=user, cohort=session.cohort)
    except NotFound:
        raise NotFound(_("There is no live session with that id.")) from None
    return _items([session], user, now)[0], access


def cohort_for_planning(*, cohort_id: int, user: User) -> Cohort:
    """The cohort, if this user may plan its live sessions: instructors and staff;
    students get a 403, strangers a 404 (cohort_access)."""
    cohort = cohort_get(cohort_id=cohort_id)
    if cohort_access(user=user, cohort=cohort).role not in ("instructor", "staff"):
        raise NotAllowed(
            _("Only the cohort's instructors and staff can plan live sessions."),
            code="not_instructor",
        )
    return cohort


def session_managed_get(*, session_id: int, user: User) -> LiveSession:
    """The session, if this user may change it (instructors of its cohort and staff).
    It takes no lock: the services that write lock the row themselves."""
    item, access = session_get(session_id=session_id, user=user)
    if not may_organise(access=access, user=user):
        raise NotAllowed(
            _("Only the cohort's instructors and staff can change live sessions."),
            code="not_instructor",
        )
    return item.session


def upcoming_sessions(
    *, user: User, now: dt.datetime | None = None, cohort: Cohort | None = None, limit: int = 5
) -> list[SessionItem]:
    """The next sessions (not yet ended) of the cohorts a user studies in or teaches."""
    now = now or timezone.now()
    qs = _sessions_qs().filter(ends_at__gt=now)
    if cohort is not None:
        qs = qs.filter(cohort=cohort)
    else:
        qs = qs.filter(
            Q(cohort__enrolments__user=user, cohort__enrolments__status__in=CURRICULUM_ACCESS)
            | Q(cohort__instructors=user)
        ).distinct()
    return _items(list(qs.order_by("starts_at", "pk")[:limit]), user, now)


# --- Staff: who RSVP'd and who attended -------------------------------------------------


@dataclass
class RosterRow:
    student: User
    rsvp: str | None
    attended: bool
    joined_at: dt.datetime | None


@dataclass
class SessionRoster:
    session: LiveSession
    rows: list[RosterRow]
    going: int = 0
    attended: int = 0


def session_roster_get(*, session_id: int, user: User) -> SessionRoster:
    session = session_managed_get(session_id=session_id, user=user)
    students = (
        Enrolment.objects.filter(cohort=session.cohort, status__in=CURRICULUM_ACCESS)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )
    rsvps = dict(Rsvp.objects.filter(session=session).values_list("user_id", "answer"))
    attendance = {a.user_id: a for a in Attendance.objects.filter(session=session, attended=True)}
    rows = [
        RosterRow(
            student=e.user,
            rsvp=rsvps.get(e.user_id),
            attended=e.user_id in attendance,
            joined_at=attendance[e.user_id].first_joined_at if e.user_id in attendance else None,
        )
        for e in students
    ]
    return SessionRoster(
        session=session,
        rows=rows,
        going=sum(1 for r in rows if r.rsvp == RsvpAnswer.GOING),
        attended=sum(1 for r in rows if r.attended),
    )


@dataclass
class AttendancePoint:
    session: LiveSession
    attended: int
    students: int

    @property
    def percent(self) -> int:
        return round(100 * self.attended / self.students) if self.students else 0


@dataclass
class AttendanceReport:
    cohort: Cohort
    points: list[AttendancePoint] = field(default_factory=list)


def cohort_attendance_get(
    *, cohort_id: int, user: User, now: dt.datetime | None = None
) -> AttendanceReport:
    """Per past session, how many of the cohort's students attended: the attendance
    rate over time. 4 queries whatever the number of sessions."""
    now = now or timezone.now()
    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=user, cohort=cohort)
    if not may_organise(access=access, user=user):
        raise NotAllowed(
            _("Only the cohort's instructors and staff see attendance."), code="not_instructor"
        )
    students = Enrolment.objects.filter(cohort=cohort, status__in=CURRICULUM_ACCESS).count()
    sessions = (
        LiveSession.objects.filter(cohort=cohort, starts_at__lte=now)
        .exclude(status="cancelled")
        .annotate(n=Count("attendance", filter=Q(attendance__attended=True)))
        .order_by("starts_at")
    )
    return AttendanceReport(
        cohort=cohort,
        points=[AttendancePoint(session=s, attended=s.n, students=students) for s in sessions],
    )


# --- Feed tokens ------------------------------------------------------------------------


def feed_owner_get(*, token: str) -> User:
    """The user whose live feed token this is. Unknown and revoked tokens look the
    same: NotFound with no hint whether it ever existed."""
    # Tokens are URL-safe base64; anything else (a NUL byte, a path) is not one, and
    # is never sent to the database.
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token or ""):
        raise NotFound(_("Not found."))
    row = (
        FeedToken.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if row is None or not row.user.is_active:
        raise NotFound(_("Not found."))
    return row.user
