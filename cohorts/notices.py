"""What cohorts tells its students through notifications: a module opened.

Run from beat (``tasks.module_unlocks``). The key names the occasion, so running the
producer twice (a restarted beat, two workers) adds nothing; keys are stored with the
notifications already sent, so their form must not change.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from cms.selectors import modules_outline
from cohorts.models import Cohort, Enrolment, EnrolmentStatus
from cohorts.selectors import (
    ModuleSlot,
    active_students,
    cohort_schedule,
    running_cohorts,
    schedule_of,
)
from notifications.models import Kind
from notifications.services import notify, notify_each, notify_user

# A module that opened longer ago than this (beat was down for a day) is not announced.
UNLOCK_LOOKBACK = dt.timedelta(days=1)


def module_unlocks_produce(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    made = 0
    for cohort in running_cohorts(now=now):
        if cohort.is_self_paced:
            made += self_paced_unlocks_produce(cohort=cohort, now=now)
            continue
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


def self_paced_unlocks_produce(*, cohort: Cohort, now: dt.datetime) -> int:
    """A self-paced cohort's members each hear of the modules that just opened on their
    own calendar (members who have not started yet have nothing open to hear of).
    A fixed number of queries whatever the number of members."""
    modules = modules_outline(course=cohort.course)
    members = (
        Enrolment.objects.filter(
            cohort=cohort, status=EnrolmentStatus.ACTIVE, starts_on__isnull=False
        )
        .select_related("user")
        .only("pk", "cohort_id", "user_id", "starts_on", "timezone", "user__timezone")
    )
    items = []
    for member in members:
        for slot in schedule_of(
            cohort=cohort, modules=modules, overrides={}, now=now, enrolment=member
        ):
            if now - UNLOCK_LOOKBACK < slot.unlocks_at <= now:
                items.append(
                    (
                        member.user_id,
                        f"{cohort.pk}:{slot.module.pk}",
                        {
                            "module": slot.module.title,
                            "cohort": cohort.name,
                            "unlocks_at": slot.unlocks_at.isoformat(),
                        },
                        reverse("cohorts:module", args=[cohort.pk, slot.module.pk]),
                    )
                )
    return notify_each(kind=Kind.MODULE_UNLOCKED, items=items) if items else 0


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
