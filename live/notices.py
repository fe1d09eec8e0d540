"""What live tells attendees through notifications: a session is coming up, or it
moved or was cancelled.

The key of each notification names the occasion, so producing it twice (a restarted
beat, a retried task) adds nothing; keys are stored with the notifications already
sent, so their form must not change.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CURRICULUM_ACCESS
from cohorts.selectors import active_students
from live.models import LiveSession, RsvpAnswer, SessionStatus
from lms.models import User
from notifications.models import Kind
from notifications.services import notify


def session_reminders_produce(*, now: dt.datetime | None = None) -> int:
    """For each session starting within the largest lead, remind at the smallest lead
    that has been reached: a session planned ten minutes ahead gets one reminder, not
    a "24 hours" one too. The start is in the key, so a rescheduled session reminds
    again. Run from beat (``tasks.session_reminders``)."""
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
            users=active_students(cohort_id=session.cohort_id).exclude(pk__in=declined),
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


def session_changed_notify(*, session_id: int, change: str, sequence: int) -> int:
    """A session moved ("rescheduled") or was cancelled ("cancelled"): everyone who may
    attend (not those who said no) and the hosts, once per change (the key holds the
    session's SEQUENCE)."""
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
