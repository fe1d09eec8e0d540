"""Reads for hosts: the report queue, the moderation log, mutes, and the cohort's pulse."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts import schedule
from cohorts.selectors import cohort_get
from community.access import Member, community_member
from community.models import ModerationAction, Mute, Post, Report, ReportStatus, Thread
from community.selectors.spaces import open_report_count, unanswered_questions
from lms.errors import NotAllowed
from lms.models import User


def _host(user: User, cohort_id: int, now: dt.datetime | None = None) -> Member:
    member = community_member(user=user, cohort=cohort_get(cohort_id=cohort_id), now=now)
    if not member.may_moderate:
        raise NotAllowed(
            _("Only the cohort's instructors and moderators can see this."), code="not_moderator"
        )
    return member


@dataclass
class ModerationQueue:
    member: Member
    reports: list[Report]
    log: list[ModerationAction]
    mutes: list[Mute]


def moderation_queue(*, user: User, cohort_id: int) -> ModerationQueue:
    """Open reports oldest first with their post, the latest 50 actions and the mutes
    in force. Five queries."""
    member = _host(user, cohort_id)
    now = timezone.now()
    reports = list(
        Report.objects.filter(status=ReportStatus.OPEN, post__thread__space__cohort=member.cohort)
        .select_related("post__author", "post__thread__space__module", "reporter")
        .order_by("created_at", "pk")[:200]
    )
    log = list(
        ModerationAction.objects.filter(cohort=member.cohort)
        .select_related("actor", "member", "thread")
        .order_by("-created_at", "-pk")[:50]
    )
    mutes = list(
        Mute.objects.filter(cohort=member.cohort, lifted_at__isnull=True, until__gt=now)
        .select_related("user", "muted_by")
        .order_by("until")
    )
    return ModerationQueue(member=member, reports=reports, log=log, mutes=mutes)


@dataclass(frozen=True)
class PulseWeek:
    number: int
    starts_at: dt.datetime
    posts: int
    active_members: int


@dataclass
class Pulse:
    member: Member
    weeks: list[PulseWeek]
    unanswered: list[Thread]
    open_reports: int
    now: dt.datetime

    @property
    def max_posts(self) -> int:
        return max((w.posts for w in self.weeks), default=0) or 1

    @property
    def max_active(self) -> int:
        return max((w.active_members for w in self.weeks), default=0) or 1


def pulse_get(*, user: User, cohort_id: int, now: dt.datetime | None = None) -> Pulse:
    """Per week of the term (weeks as the cohort unlocks them): posts and members who
    posted; the unanswered questions and their waiting; open reports. The weeks cost
    one query whatever their number."""
    now = now or timezone.now()
    member = community_member(user=user, cohort=cohort_get(cohort_id=cohort_id), now=now)
    if not member.may_endorse:
        raise NotAllowed(
            _("The pulse is for the cohort's instructors, moderators and mentors."),
            code="not_moderator",
        )
    cohort = member.cohort
    weeks = schedule.term_weeks(cohort)
    bounds = [
        schedule.module_unlocks_at(cohort, unit="week", offset=n) for n in range(1, weeks + 1)
    ]
    bounds[0] = min(bounds[0], schedule.term_starts_at(cohort))
    ends = [*bounds[1:], max(schedule.term_ends_at(cohort), now) + dt.timedelta(seconds=1)]
    aggregates = {}
    for index, (start, end) in enumerate(zip(bounds, ends, strict=True)):
        window = Q(created_at__gte=start, created_at__lt=end, removed_at__isnull=True)
        aggregates[f"p{index}"] = Count("pk", filter=window)
        aggregates[f"a{index}"] = Count("author", filter=window, distinct=True)
    figures = (
        Post.objects.filter(thread__space__cohort=cohort).aggregate(**aggregates)
        if aggregates
        else {}
    )
    rows = [
        PulseWeek(
            number=index + 1,
            starts_at=start,
            posts=figures.get(f"p{index}") or 0,
            active_members=figures.get(f"a{index}") or 0,
        )
        for index, start in enumerate(bounds)
        if start <= now
    ]
    return Pulse(
        member=member,
        weeks=rows,
        unanswered=unanswered_questions(cohort=cohort, limit=20, now=now),
        open_reports=open_report_count(cohort=cohort),
        now=now,
    )
