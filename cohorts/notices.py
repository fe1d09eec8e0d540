"""What cohorts tells its students through notifications: a module opened.

Run from beat (``tasks.module_unlocks``). The key names the occasion, so running the
producer twice (a restarted beat, two workers) adds nothing; keys are stored with the
notifications already sent, so their form must not change.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from cohorts.models import Cohort, Enrolment, EnrolmentStatus
from cohorts.selectors import ModuleSlot, active_students, cohort_schedule, running_cohorts
from notifications.models import Kind
from notifications.services import notify, notify_user

# A module that opened longer ago than this (beat was down for a day) is not announced.
UNLOCK_LOOKBACK = dt.timedelta(days=1)


def module_unlocks_produce(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    made = 0
    for cohort in running_cohorts(now=now):
        for slot in cohort_schedule(cohort=cohort, now=now):
            if not now - UNLOCK_LOOKBACK < slot.unlocks_at <= now:
                continue
            made += module_unlock_fan_out(cohort=cohort, slot=slot, now=now)
    return made


def module_unlock_fan_out(
    *, cohort: Cohort, slot: ModuleSlot, now: dt.datetime | None = None
) -> int:
    return notify(
        kind=Kind.MODULE_UNLOCKED,
        key=f"{cohort.pk}:{slot.module.pk}",
        users=active_students(cohort_id=cohort.pk),
        params={
            "module": slot.module.title,
            "cohort": cohort.name,
            "unlocks_at": slot.unlocks_at.isoformat(),
        },
        url=reverse("cohorts:module", args=[cohort.pk, slot.module.pk]),
        now=now,
    )


def waitlist_promotion_notify(*, enrolment_id: int) -> bool:
    """Tell the student the seat is theirs (a kind that is always emailed), in the
    transaction that promotes them; the email keeps the key it always had."""
    enrolment = (
        Enrolment.objects.select_related("cohort__course")
        .filter(pk=enrolment_id, status=EnrolmentStatus.ACTIVE)
        .first()
    )
    if enrolment is None:  # left again or cancelled before the mail went out
        return False
    cohort = enrolment.cohort
    return notify_user(
        kind=Kind.WAITLIST_PROMOTED,
        key=f"waitlist-promoted:{enrolment.pk}",
        user_id=enrolment.user_id,
        params={
            "cohort": cohort.name,
            "course": cohort.course.title,
            "starts_on": cohort.starts_on.isoformat(),
        },
        url=reverse("cohorts:dashboard", kwargs={"cohort_id": cohort.pk}),
    )
