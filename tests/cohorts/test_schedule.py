import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohorts import schedule


def make(start, tz="Europe/Amsterdam", weekday=0, at=dt.time(9, 0), weeks=8):
    return SimpleNamespace(
        starts_on=start,
        ends_on=start + dt.timedelta(weeks=weeks, days=-1),
        timezone=tz,
        unlock_weekday=weekday,
        unlock_time=at,
    )


@pytest.mark.parametrize("tz", ["Europe/Amsterdam", "America/New_York"])
def test_weekly_unlock_stays_at_local_nine_across_daylight_saving(tz):
    # 2026: Europe springs forward on 29 March, the US on 8 March; both fall back in
    # autumn (25 Oct / 1 Nov). A term spanning each change keeps 09:00 local time.
    for start in (dt.date(2026, 2, 23), dt.date(2026, 10, 12)):
        cohort = make(start, tz=tz)
        for week in range(1, 9):
            moment = schedule.module_unlocks_at(cohort, unit="week", offset=week)
            local = moment.astimezone(ZoneInfo(tz))
            assert (local.hour, local.minute) == (9, 0)
            assert local.weekday() == 0
            assert local.date() == start + dt.timedelta(weeks=week - 1)


def test_utc_offset_changes_when_local_time_does_not():
    cohort = make(dt.date(2026, 3, 23))  # week 1 in CET, week 2 in CEST
    week1 = schedule.module_unlocks_at(cohort, unit="week", offset=1)
    week2 = schedule.module_unlocks_at(cohort, unit="week", offset=2)
    assert week1.hour == 8 and week2.hour == 7  # UTC
    assert week2 - week1 == dt.timedelta(days=7, hours=-1)


def test_week_one_opens_on_start_day_even_when_that_is_not_the_unlock_weekday():
    cohort = make(dt.date(2026, 1, 7), weekday=0)  # starts Wednesday, unlocks Mondays
    assert schedule.week_opens_on(cohort, 1) == dt.date(2026, 1, 7)
    assert schedule.week_opens_on(cohort, 2) == dt.date(2026, 1, 12)
    assert schedule.week_opens_on(cohort, 3) == dt.date(2026, 1, 19)


def test_day_offsets_count_from_the_start_day():
    cohort = make(dt.date(2026, 1, 5), tz="America/New_York")
    moment = schedule.module_unlocks_at(cohort, unit="day", offset=10)
    assert moment.astimezone(ZoneInfo("America/New_York")) == dt.datetime(
        2026, 1, 15, 9, 0, tzinfo=ZoneInfo("America/New_York")
    )


def test_current_week_is_zero_before_start_and_capped_after_the_term():
    cohort = make(dt.date(2026, 1, 5), weeks=4)
    before = dt.datetime(2026, 1, 5, 7, 59, tzinfo=dt.UTC)
    assert schedule.current_week(cohort, before) == 0
    assert schedule.current_week(cohort, dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)) == 1
    assert schedule.current_week(cohort, dt.datetime(2026, 1, 20, tzinfo=dt.UTC)) == 3
    assert schedule.current_week(cohort, dt.datetime(2027, 1, 1, tzinfo=dt.UTC)) == 4
    assert schedule.term_weeks(cohort) == 4


@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)),
    weekday=st.integers(0, 6),
    week=st.integers(1, 30),
    tz=st.sampled_from(["Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "UTC"]),
)
def test_weeks_open_in_order_on_the_unlock_weekday_at_local_unlock_time(start, weekday, week, tz):
    cohort = make(start, tz=tz, weekday=weekday)
    this = schedule.module_unlocks_at(cohort, unit="week", offset=week)
    after = schedule.module_unlocks_at(cohort, unit="week", offset=week + 1)
    assert this < after
    local = after.astimezone(ZoneInfo(tz))
    assert local.weekday() == weekday
    assert (local.hour, local.minute) == (9, 0)
    assert dt.timedelta(days=1) <= after - this <= dt.timedelta(days=7, hours=1)
