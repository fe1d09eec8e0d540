"""The release schedule: when each module opens for a cohort. Pure functions, no queries.

Rule (documented in the README): week 1 opens on the cohort's start day at the unlock
time; week N opens on the (N-1)-th unlock weekday after the start day, at the unlock
time. A module counted in days opens that many days after the start day, at the unlock
time. Everything is computed on the cohort's local calendar, so a Monday 09:00 unlock
stays 09:00 local across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from lms.timeutils import local_moment


class ScheduledCohort(Protocol):
    starts_on: dt.date
    ends_on: dt.date
    timezone: str
    unlock_weekday: int
    unlock_time: dt.time


def week_opens_on(cohort: ScheduledCohort, week: int) -> dt.date:
    if week <= 1:
        return cohort.starts_on
    days_to_first = (cohort.unlock_weekday - cohort.starts_on.weekday()) % 7 or 7
    return cohort.starts_on + dt.timedelta(days=days_to_first + 7 * (week - 2))


def module_unlocks_at(cohort: ScheduledCohort, *, unit: str, offset: int) -> dt.datetime:
    if unit == "day":
        day = cohort.starts_on + dt.timedelta(days=offset)
    else:
        day = week_opens_on(cohort, offset)
    return local_moment(day, cohort.unlock_time, cohort.timezone)


def term_weeks(cohort: ScheduledCohort) -> int:
    """How many unlock weeks the term spans (at least one)."""
    week = 1
    while week_opens_on(cohort, week + 1) <= cohort.ends_on:
        week += 1
    return week


def current_week(cohort: ScheduledCohort, now: dt.datetime) -> int:
    """0 before the first unlock, else the number of the latest week that has opened,
    capped at the last week of the term."""
    last = term_weeks(cohort)
    week = 0
    while week < last and module_unlocks_at(cohort, unit="week", offset=week + 1) <= now:
        week += 1
    return week


def term_ends_at(cohort: ScheduledCohort) -> dt.datetime:
    """The end of the last day of the term, local midnight, as an aware instant."""
    return local_moment(cohort.ends_on + dt.timedelta(days=1), dt.time(0, 0), cohort.timezone)


def term_starts_at(cohort: ScheduledCohort) -> dt.datetime:
    return local_moment(cohort.starts_on, dt.time(0, 0), cohort.timezone)
