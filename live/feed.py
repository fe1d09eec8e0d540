"""The calendar feed (RFC 5545, with RFC 7986's CONFERENCE): one user's live sessions,
module unlocks and assignment deadlines, and the single-event download of a session.

Each kind of event comes from a *source*: a small function that takes the user's
cohorts and returns FeedEvents. A new kind joins by adding a function to SOURCES.
Every time is written in UTC (``...Z``), which Google, Outlook and Apple all read
without a VTIMEZONE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment
from live.models import LiveSession
from lms.links import absolute_url, base_url
from lms.models import User

PRODID = "-//Cohort LMS//Calendar feed//EN"


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    summary: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    stamp: dt.datetime
    description: str = ""
    url: str = ""
    conference: str = ""
    sequence: int = 0
    cancelled: bool = False
    categories: tuple[str, ...] = ()


def _absolute(path: str) -> str:
    # The configured address: a feed's body is the same whoever fetches it, and
    # calendar apps keep the links they saw.
    return absolute_url(path)


def _domain() -> str:
    from urllib.parse import urlsplit

    # UIDs must never change, so they do not follow the request either.
    return urlsplit(base_url()).hostname or "localhost"


def session_event(session: LiveSession) -> FeedEvent:
    page = _absolute(reverse("live:session", args=[session.pk]))
    description = session.description
    if session.recording_url:
        description = f"{description}\n\n{_('Recording')}: {session.recording_url}".strip()
    return FeedEvent(
        uid=f"session-{session.uid}@{_domain()}",
        summary=f"{session.title} ({session.cohort.name})",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        stamp=session.updated_at,
        description=f"{description}\n\n{page}".strip(),
        url=page,
        conference=session.join_url,
        sequence=session.sequence,
        cancelled=session.is_cancelled,
        categories=(str(_("Live session")),),
    )


# --- Sources: (user, cohorts) -> events -------------------------------------------------


def live_sessions_source(user: User, cohorts: list[Cohort]) -> list[FeedEvent]:
    """Every session of the user's cohorts, cancelled ones included (STATUS:CANCELLED
    tells subscribed calendars to remove them; dropping them would leave them there)."""
    sessions = LiveSession.objects.filter(cohort__in=cohorts).select_related("cohort")
    return [session_event(s) for s in sessions]


def _calendar_of(user: User, cohort: Cohort) -> tuple[bool, Enrolment | None]:
    """(whether the cohort's schedule belongs in the user's feed, the enrolment whose
    calendar it is on). A self-paced cohort has no shared calendar: its members see
    their own unlocks and deadlines once their course has started; those who only
    teach it see none."""
    if not cohort.is_self_paced:
        return True, None
    if getattr(cohort, "my_enrolment_id", None) is None or cohort.my_starts_on is None:
        return False, None
    return True, Enrolment(
        pk=cohort.my_enrolment_id,
        cohort=cohort,
        user=user,
        starts_on=cohort.my_starts_on,
        timezone=cohort.my_timezone or "",
    )


def module_unlocks_source(user: User, cohorts: list[Cohort]) -> list[FeedEvent]:
    """Each module's opening: on the cohort's calendar, or a self-paced member's own."""
    from cohorts.selectors import cohort_schedule

    events = []
    for cohort in cohorts:
        listed, enrolment = _calendar_of(user, cohort)
        if not listed:
            continue
        for slot in cohort_schedule(cohort=cohort, enrolment=enrolment):
            module = slot.module
            events.append(
                FeedEvent(
                    uid=f"unlock-{cohort.pk}-{module.pk}@{_domain()}",
                    summary=_("%(module)s opens (%(cohort)s)")
                    % {"module": module.title, "cohort": cohort.name},
                    starts_at=slot.unlocks_at,
                    ends_at=slot.unlocks_at,
                    stamp=cohort.updated_at,
                    url=_absolute(reverse("cohorts:module", args=[cohort.pk, module.pk])),
                    categories=(str(_("Module")),),
                )
            )
    return events


def assignment_deadlines_source(user: User, cohorts: list[Cohort]) -> list[FeedEvent]:
    """Deadlines for students; instructors see them too, they run the cohort."""
    from assignments.selectors import assignment_slots

    events = []
    for cohort in cohorts:
        listed, enrolment = _calendar_of(user, cohort)
        if not listed:
            continue
        for slot in assignment_slots(cohort=cohort, enrolment=enrolment):
            due = slot.deadlines.due_at
            events.append(
                FeedEvent(
                    uid=f"deadline-{cohort.pk}-{slot.assignment.pk}@{_domain()}",
                    summary=_("Due: %(assignment)s (%(cohort)s)")
                    % {"assignment": slot.assignment.title, "cohort": cohort.name},
                    starts_at=due,
                    ends_at=due,
                    stamp=slot.assignment.last_published_at or cohort.updated_at,
                    url=_absolute(
                        reverse("assignments:detail", args=[cohort.pk, slot.assignment.pk])
                    ),
                    categories=(str(_("Deadline")),),
                )
            )
    return events


Source = Callable[[User, list[Cohort]], list[FeedEvent]]
SOURCES: list[Source] = [live_sessions_source, module_unlocks_source, assignment_deadlines_source]


def feed_cohorts(user: User) -> list[Cohort]:
    """The cohorts whose events are in the user's feed: those they study in (active or
    completed) or teach. Cancelled cohorts are left out. Each comes with the user's own
    enrolment's calendar (``my_*``), which a self-paced cohort's schedule is on."""
    mine = Enrolment.objects.filter(
        cohort=OuterRef("pk"), user=user, status__in=CURRICULUM_ACCESS
    ).order_by("-pk")
    return list(
        Cohort.objects.filter(
            Q(enrolments__user=user, enrolments__status__in=CURRICULUM_ACCESS) | Q(instructors=user)
        )
        .exclude(status="cancelled")
        .select_related("course")
        .annotate(
            my_enrolment_id=Subquery(mine.values("pk")[:1]),
            my_starts_on=Subquery(mine.values("starts_on")[:1]),
            my_timezone=Subquery(mine.values("timezone")[:1]),
        )
        .distinct()
        .order_by("starts_on", "pk")
    )


# --- Writing iCalendar ------------------------------------------------------------------


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _vevent(item: FeedEvent, now: dt.datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    # DTSTAMP: when this copy of the event was produced (RFC 5545 3.8.7.2 for a
    # published calendar without METHOD REQUEST); LAST-MODIFIED: when it last changed.
    event.add("dtstamp", _utc(now))
    event.add("last-modified", _utc(item.stamp))
    event.add("dtstart", _utc(item.starts_at))
    # A point in time (a deadline, an unlock) has no DTEND: it ends when it starts.
    if item.ends_at > item.starts_at:
        event.add("dtend", _utc(item.ends_at))
    event.add("summary", item.summary)
    event.add("sequence", item.sequence)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", item.url, parameters={"VALUE": "URI"})
    if item.conference:
        event.add(
            "conference",
            item.conference,
            parameters={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"], "LABEL": _("Join")},
        )
        event.add("location", item.conference)
    if item.categories:
        event.add("categories", list(item.categories))
    busy = item.conference and not item.cancelled
    event.add("transp", "OPAQUE" if busy else "TRANSPARENT")
    return event


def calendar_bytes(events: list[FeedEvent], *, name: str, now: dt.datetime | None = None) -> bytes:
    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)  # Google, Outlook and Apple read this one
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for item in sorted(events, key=lambda e: (e.starts_at, e.uid)):
        cal.add_component(_vevent(item, now))
    return cal.to_ical()


def user_feed_bytes(*, user: User, now: dt.datetime | None = None) -> bytes:
    cohorts = feed_cohorts(user)
    events: list[FeedEvent] = []
    for source in SOURCES:
        events.extend(source(user, cohorts))
    return calendar_bytes(events, name=str(_("My courses")), now=now)


def session_ics_bytes(*, session: LiveSession, now: dt.datetime | None = None) -> bytes:
    return calendar_bytes([session_event(session)], name=session.title, now=now)


__all__ = ["SOURCES", "FeedEvent", "session_ics_bytes", "user_feed_bytes"]
