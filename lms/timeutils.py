"""Aware-time helpers. Schedules are computed in a cohort's zone, stored in UTC."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.utils import timezone


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()


def local_moment(day: dt.date, at: dt.time, tz_name: str) -> dt.datetime:
    """The aware UTC instant of wall-clock ``at`` on ``day`` in ``tz_name``.

    Built from the local date and time, so "Monday 09:00 Amsterdam" stays 09:00 on
    both sides of a daylight-saving change. A wall time that does not exist (skipped by
    a spring-forward) is resolved as zoneinfo does, one hour later.
    """
    local = dt.datetime.combine(day, at, tzinfo=ZoneInfo(tz_name))
    # Round-trip through UTC normalises non-existent local times.
    return local.astimezone(dt.UTC)


def local_today(tz_name: str, now: dt.datetime | None = None) -> dt.date:
    now = now or timezone.now()
    return now.astimezone(ZoneInfo(tz_name)).date()
