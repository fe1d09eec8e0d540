"""The beat-driven producers: session reminders, modules that opened, assignments due
in 48 hours. Each finds what is due now and calls ``notify`` with a key that names the
occasion, so running a producer twice (a restarted beat, two workers) adds nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Cohort, CohortStatus, EnrolmentStatus
from lms.models import User
from notifications.models import Kind
from notifications.services import notify

# A module that opened longer ago than this (beat was down for a day) is not announced.
UNLOCK_LOOKBACK = dt.timedelta(days=1)
DUE_AHEAD = dt.timedelta(hours=48)


def _students(cohort_id: int):
    return User.objects.filter(
        enrolments__cohort_id=cohort_id, enrolments__status=EnrolmentStatus.ACTIVE
    )


def _running_cohorts(now: dt.datetime):
    today = now.date()
    return (
        Cohort.objects.filter(
            starts_on__lte=today + dt.timedelta(days=1),
            ends_on__gte=today - dt.timedelta(days=1),
        )
        .exclude(status=CohortStatus.CANCELLED)
        .select_related("course")
    )


def session_reminders_produce(*, now: dt.datetime | None = None) -> int:
    """For each session starting within the largest lead, remind at the smallest lead
    that has been reached: a session planned ten minutes ahead gets one reminder, not
    a "24 hours" one too. The start is in the key, so a rescheduled session reminds
    again."""
    from live.models import LiveSession, RsvpAnswer, SessionStatus

    now = now or timezone.now()
    leads = sorted(settings.LMS_SESSION_REMINDER_MINUTES)
    if not leads:
        return 0
    sessions = LiveSession.objects.filter(
        status=SessionStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(minutes=leads[-1]),
    ).select_related("cohort")
    made = 0
    for session in sessions:
        lead = next(m for m in leads if session.starts_at <= now + dt.timedelta(minutes=m))
        declined = session.rsvps.filter(answer=RsvpAnswer.NOT_GOING).values("user_id")
        made += notify(
            kind=Kind.SESSION_REMINDER,
            key=f"{session.pk}:{lead}:{session.starts_at.isoformat()}",
            users=_students(session.cohort_id).exclude(pk__in=declined),
            params={
                "title": session.title,
                "cohort": session.cohort.name,
                "starts_at": session.starts_at.isoformat(),
                "lead_minutes": lead,
            },
            url=reverse("live:session", args=[session.pk]),
            now=now,
        )
    return made


def session_change_produce(*, session_id: int, change: str, sequence: int) -> int:
    """A session moved or was cancelled: everyone who may attend (not those who said
    no) and the hosts."""
    from cohorts.models import CURRICULUM_ACCESS
    from live.models import LiveSession, RsvpAnswer

    session = LiveSession.objects.select_related("cohort").filter(pk=session_id).first()
    if session is None:
        return 0
    declined = session.rsvps.filter(answer=RsvpAnswer.NOT_GOING).values("user_id")
    users = User.objects.filter(
        Q(enrolments__cohort=session.cohort, enrolments__status__in=CURRICULUM_ACCESS)
        | Q(pk__in=session.hosts.values("pk"))
    ).exclude(pk__in=declined)
    return notify(
        kind=Kind.SESSION_CHANGED,
        key=f"{session.pk}:{change}:{sequence}",
        users=users,
        params={
            "title": session.title,
            "cohort": session.cohort.name,
            "starts_at": session.starts_at.isoformat(),
            "change": change,
        },
        url=reverse("live:session", args=[session.pk]),
    )


def module_unlocks_produce(*, now: dt.datetime | None = None) -> int:
    from cohorts.selectors import cohort_schedule

    now = now or timezone.now()
    made = 0
    for cohort in _running_cohorts(now):
        for slot in cohort_schedule(cohort=cohort, now=now):
            if not now - UNLOCK_LOOKBACK < slot.unlocks_at <= now:
                continue
            made += module_unlock_fan_out(cohort=cohort, slot=slot, now=now)
    return made


def module_unlock_fan_out(*, cohort: Cohort, slot, now: dt.datetime | None = None) -> int:
    return notify(
        kind=Kind.MODULE_UNLOCKED,
        key=f"{cohort.pk}:{slot.module.pk}",
        users=_students(cohort.pk),
        params={
            "module": slot.module.title,
            "cohort": cohort.name,
            "unlocks_at": slot.unlocks_at.isoformat(),
        },
        url=reverse("cohorts:module", args=[cohort.pk, slot.module.pk]),
        now=now,
    )


def assignments_due_produce(*, now: dt.datetime | None = None) -> int:
    """Students who have not handed in an assignment due within 48 hours."""
    from assignments.models import Submission
    from assignments.selectors import assignment_slots

    now = now or timezone.now()
    made = 0
    for cohort in _running_cohorts(now):
        for slot in assignment_slots(cohort=cohort, now=now):
            due = slot.deadlines.due_at
            if not (slot.is_open and now < due <= now + DUE_AHEAD):
                continue
            handed_in = Submission.objects.filter(
                cohort_assignment__cohort=cohort,
                cohort_assignment__assignment_id=slot.assignment.pk,
            ).values("author_id")
            made += notify(
                kind=Kind.ASSIGNMENT_DUE,
                key=f"{cohort.pk}:{slot.assignment.pk}:{due.isoformat()}",
                users=_students(cohort.pk).exclude(pk__in=handed_in),
                params={
                    "assignment": slot.assignment.title,
                    "cohort": cohort.name,
                    "due_at": due.isoformat(),
                },
                url=reverse("assignments:detail", args=[cohort.pk, slot.assignment.pk]),
                now=now,
            )
    return made
