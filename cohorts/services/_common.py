"""Helpers shared by the cohorts services."""

from __future__ import annotations

from typing import Any

from cohorts.models import SEAT_HOLDING, Cohort
from lms.models import User


def _seats_taken(cohort: Cohort) -> int:
    return cohort.enrolments.filter(status__in=SEAT_HOLDING).count()


def _with_history(instance: Any, by: User | None, reason: str) -> None:
    if by is not None and getattr(by, "is_authenticated", False):
        instance._history_user = by
    instance._change_reason = reason
