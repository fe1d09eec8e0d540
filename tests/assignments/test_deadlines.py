import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from assignments.deadlines import deadlines_for, late_days, late_penalty_percent

AMS = ZoneInfo("Europe/Amsterdam")


def terms(**overrides):
    base = {
        "due_days": 6,
        "due_time": dt.time(23, 59),
        "review_days": 5,
        "late_policy": "penalty",
        "late_penalty_percent": 10,
        "late_cutoff_days": 3,
    }
    return SimpleNamespace(**{**base, **overrides})


def test_deadline_counts_local_days_from_the_unlock_across_a_dst_change():
    # Unlocks Monday 2026-10-19 09:00 Amsterdam (summer time); clocks go back on the 25th.
    unlocks = dt.datetime(2026, 10, 19, 9, 0, tzinfo=AMS)
    d = deadlines_for(assignment=terms(), unlocks_at=unlocks, tz_name="Europe/Amsterdam")
    assert d.due_at.astimezone(AMS) == dt.datetime(2026, 10, 25, 23, 59, tzinfo=AMS)
    assert d.due_at.astimezone(AMS).utcoffset() == dt.timedelta(hours=1)
    assert d.cutoff_at.astimezone(AMS) == dt.datetime(2026, 10, 28, 23, 59, tzinfo=AMS)
    assert d.review_closes_at.astimezone(AMS) == dt.datetime(2026, 10, 30, 23, 59, tzinfo=AMS)


def test_refusing_late_work_closes_at_the_deadline():
    unlocks = dt.datetime(2026, 3, 2, 9, 0, tzinfo=AMS)
    d = deadlines_for(
        assignment=terms(late_policy="refuse"), unlocks_at=unlocks, tz_name="Europe/Amsterdam"
    )
    assert d.cutoff_at == d.due_at
    assert not d.accepts_work(d.due_at)
    assert d.accepts_work(d.due_at - dt.timedelta(seconds=1))


def test_a_deadline_before_the_unlock_moves_a_day_later():
    unlocks = dt.datetime(2026, 3, 2, 9, 0, tzinfo=AMS)
    d = deadlines_for(
        assignment=terms(due_days=0, due_time=dt.time(8, 0)),
        unlocks_at=unlocks,
        tz_name="Europe/Amsterdam",
    )
    assert d.due_at.astimezone(AMS) == dt.datetime(2026, 3, 3, 8, 0, tzinfo=AMS)


def test_late_days_count_started_days_and_the_penalty_caps_at_100():
    due = dt.datetime(2026, 3, 8, 22, 59, tzinfo=dt.UTC)
    assert late_days(due_at=due, submitted_at=due - dt.timedelta(seconds=1)) == 0
    assert late_days(due_at=due, submitted_at=due + dt.timedelta(minutes=1)) == 1
    assert late_days(due_at=due, submitted_at=due + dt.timedelta(days=1, minutes=1)) == 2
    assert late_penalty_percent(assignment=terms(late_penalty_percent=40), days_late=3) == 100
