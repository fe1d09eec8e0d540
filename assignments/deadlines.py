"""An assignment's moments for one cohort. Pure functions, no queries.

The deadline is an offset from the module's unlock counted on the cohort's local
calendar: "6 days after the unlock, at 23:59" stays 23:59 in Amsterdam across a
daylight-saving change. The late cut-off and the close of peer review count whole local
days from the deadline, at the same local time.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from lms.timeutils import local_moment


class AssignmentTerms(Protocol):
    due_days: int
    due_time: dt.time
    review_days: int
    late_policy: str
    late_penalty_percent: int
    late_cutoff_days: int


@dataclass(frozen=True)
class Deadlines:
    opens_at: dt.datetime
    due_at: dt.datetime
    # The last moment late work is accepted; equal to due_at when late work is refused.
    cutoff_at: dt.datetime
    review_closes_at: dt.datetime

    def accepts_work(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.cutoff_at

    def is_late(self, at: dt.datetime) -> bool:
        return at >= self.due_at


def _shifted(tz_name: str, due_local: dt.datetime, days: int) -> dt.datetime:
    return local_moment(due_local.date() + dt.timedelta(days=days), due_local.time(), tz_name)


def deadlines_for(
    *, assignment: AssignmentTerms, unlocks_at: dt.datetime, tz_name: str
) -> Deadlines:
    unlock_day = unlocks_at.astimezone(ZoneInfo(tz_name)).date()
    due_at = local_moment(
        unlock_day + dt.timedelta(days=assignment.due_days), assignment.due_time, tz_name
    )
    # A deadline before the unlock (0 days, a time earlier than the unlock) would make
    # every submission late; the earliest sensible deadline is one day later.
    if due_at <= unlocks_at:
        due_at = _shifted(tz_name, due_at.astimezone(ZoneInfo(tz_name)), 1)
    due_local = due_at.astimezone(ZoneInfo(tz_name))
    cutoff_at = (
        _shifted(tz_name, due_local, assignment.late_cutoff_days)
        if assignment.late_policy == "penalty"
        else due_at
    )
    return Deadlines(
        opens_at=unlocks_at,
        due_at=due_at,
        cutoff_at=cutoff_at,
        review_closes_at=_shifted(tz_name, due_local, assignment.review_days),
    )


def late_days(*, due_at: dt.datetime, submitted_at: dt.datetime) -> int:
    """Started days after the deadline: one minute late is one day late."""
    if submitted_at < due_at:
        return 0
    return max(1, math.ceil((submitted_at - due_at) / dt.timedelta(days=1)))


def late_penalty_percent(*, assignment: AssignmentTerms, days_late: int) -> int:
    return min(100, days_late * assignment.late_penalty_percent)
