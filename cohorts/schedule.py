"""The release schedule: when each module opens for a cohort, or for one member of a
self-paced cohort. Pure functions, no queries.

Rule (documented in the README): week 1 opens on the start day at the unlock time;
week N opens on the (N-1)-th unlock weekday after the start day, at the unlock time. A
module counted in days opens that many days after the start day, at the unlock time.
With ``all_at_once`` every module opens when week 1 does. Everything is computed on the
local calendar of the schedule's zone, so a Monday 09:00 unlock stays 09:00 local
across daylight-saving changes.

Whose calendar that is comes from :func:`basis`: a fixed-term cohort's own dates and
zone, or a self-paced member's start day and zone with the cohort's weekday, time and
end. Every schedule computation for a student goes through it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from lms.timeutils import is_valid_timezone, local_moment, local_today


class ScheduledCohort(Protocol):
    """What the schedule reads (a cohort, or a member's Basis); read-only."""

    @property
    def starts_on(self) -> dt.date: ...
    @property
    def ends_on(self) -> dt.date: ...
    @property
    def timezone(self) -> str: ...
    @property
    def unlock_weekday(self) -> int: ...
    @property
    def unlock_time(self) -> dt.time: ...


@dataclass(frozen=True)
class Basis:
    """The calendar one schedule is computed on (a ScheduledCohort)."""

    starts_on: dt.date
    ends_on: dt.date
    timezone: str
    unlock_weekday: int
    unlock_time: dt.time
    all_at_once: bool = False
    # A self-paced member's own calendar (their start, their zone).
    personal: bool = False
    # A "first open" member who has not opened the course yet: the calendar is the one
    # they would get by opening it today, and moves with today until they do.
    provisional: bool = False


def member_timezone(cohort: Any, enrolment: Any) -> str:
    """The zone of a self-paced member's calendar: the one stamped on the enrolment,
    else the user's own (when the user is loaded with it: no query here), else the
    cohort's."""
    if enrolment.timezone and is_valid_timezone(enrolment.timezone):
        return enrolment.timezone
    user = enrolment._state.fields_cache.get("user")
    user_tz = getattr(user, "timezone", "") if user is not None else ""
    if user_tz and is_valid_timezone(user_tz):
        return user_tz
    return cohort.timezone


def basis(cohort: Any, enrolment: Any = None, *, now: dt.datetime | None = None) -> Basis:
    """The calendar a schedule is computed on, for the cohort or for one member of it.

    A fixed-term cohort (or no enrolment given) is its own basis: its start, end and
    zone. A self-paced cohort with an enrolment counts from the enrolment's start day
    in the member's zone (``member_timezone``), keeping the cohort's unlock weekday,
    time and end; a member without a start day yet counts from today (``provisional``).
    A self-paced cohort without an enrolment (shared spaces, beat) counts from the
    cohort's own start day.
    """
    all_at_once = bool(getattr(cohort, "all_at_once", False))
    own = Basis(
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        timezone=cohort.timezone,
        unlock_weekday=cohort.unlock_weekday,
        unlock_time=cohort.unlock_time,
        all_at_once=all_at_once,
    )
    if enrolment is None or getattr(cohort, "pace", "cohort") != "self_paced":
        return own
    tz_name = member_timezone(cohort, enrolment)
    starts_on = enrolment.starts_on or local_today(tz_name, now)
    return Basis(
        starts_on=starts_on,
        ends_on=max(cohort.ends_on, starts_on),
        timezone=tz_name,
        unlock_weekday=cohort.unlock_weekday,
        unlock_time=cohort.unlock_time,
        all_at_once=all_at_once,
        personal=True,
        provisional=enrolment.starts_on is None,
    )


def _first_unlock_weekday_after_start(cohort: ScheduledCohort) -> dt.date:
    days_to_first = (cohort.unlock_weekday - cohort.starts_on.weekday()) % 7 or 7
    return cohort.starts_on + dt.timedelta(days=days_to_first)


def week_opens_on(cohort: ScheduledCohort, week: int) -> dt.date:
    if week <= 1:
        return cohort.starts_on
    return _first_unlock_weekday_after_start(cohort) + dt.timedelta(days=7 * (week - 2))


def module_unlocks_at(cohort: ScheduledCohort, *, unit: str, offset: int) -> dt.datetime:
    """The moment of a week's (or a day offset's) opening on this calendar."""
    if unit == "day":
        day = cohort.starts_on + dt.timedelta(days=offset)
    else:
        day = week_opens_on(cohort, offset)
    at = cohort.unlock_time
    if getattr(cohort, "personal", False) and day <= cohort.starts_on:
        # A self-paced member's first day opens from its start, not at the unlock hour:
        # joining at 07:00 must not wait until 09:00 for what was just bought.
        at = dt.time(0, 0)
    return local_moment(day, at, cohort.timezone)


def module_opens_at(cohort: ScheduledCohort, *, unit: str, offset: int) -> dt.datetime:
    """When a module with this offset opens: its week or day, or week 1 for a schedule
    that opens all at once."""
    if getattr(cohort, "all_at_once", False):
        return module_unlocks_at(cohort, unit="week", offset=1)
    return module_unlocks_at(cohort, unit=unit, offset=offset)


def term_weeks(cohort: ScheduledCohort) -> int:
    """How many unlock weeks the term spans (at least one). Counted, not looped: a
    library cohort's term runs for a century."""
    first = _first_unlock_weekday_after_start(cohort)
    if first > cohort.ends_on:
        return 1
    return 2 + (cohort.ends_on - first).days // 7


def current_week(cohort: ScheduledCohort, now: dt.datetime) -> int:
    """0 before the first unlock, else the number of the latest week that has opened,
    capped at the last week of the term."""
    if now < module_unlocks_at(cohort, unit="week", offset=1):
        return 0
    last = term_weeks(cohort)
    today = local_today(cohort.timezone, now)
    first = _first_unlock_weekday_after_start(cohort)
    week = 1 if today < first else min(last, 2 + (today - first).days // 7)
    # On an unlock day before the unlock time the week has not opened yet.
    while week > 1 and module_unlocks_at(cohort, unit="week", offset=week) > now:
        week -= 1
    return week


def term_ends_at(cohort: ScheduledCohort) -> dt.datetime:
    """The end of the last day of the term, local midnight, as an aware instant."""
    return local_moment(cohort.ends_on + dt.timedelta(days=1), dt.time(0, 0), cohort.timezone)


def term_starts_at(cohort: ScheduledCohort) -> dt.datetime:
    return local_moment(cohort.starts_on, dt.time(0, 0), cohort.timezone)
