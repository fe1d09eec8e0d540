"""Access follows the membership: the tier's library courses are served through each
course's self-paced cohort, so every place that asks the access policy (pages, API,
search, media, the calendar feed, the community of those cohorts) follows the
membership without knowing about it. Access is granted and taken back through
cohorts' services; taking it back suspends the enrolment and keeps every piece of work
and progress."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cohorts.models import Cohort, Enrolment, EnrolmentStatus
from cohorts.services import (
    library_access_grant,
    library_access_revoke,
    library_cohort_get_or_create,
)
from memberships.models import Membership, MembershipStatus


def _granted_cohort_ids(user_id: int) -> set[int]:
    return set(
        Enrolment.objects.filter(
            user_id=user_id, cohort__pace="self_paced", status=EnrolmentStatus.ACTIVE
        ).values_list("cohort_id", flat=True)
    )


def access_sync(*, membership: Membership, now: dt.datetime | None = None) -> tuple[int, int]:
    """Grant the library courses the membership gives now and take back the others.
    Returns (granted, revoked). Idempotent."""
    now = now or timezone.now()
    wanted = set()
    if membership.gives_access(now):
        for course in membership.tier.library_courses.all():
            wanted.add(library_cohort_get_or_create(course=course, now=now))
    wanted_ids = {cohort.pk for cohort in wanted}
    have = _granted_cohort_ids(membership.user_id)
    granted = revoked = 0
    for cohort in wanted:
        if cohort.pk not in have:
            library_access_grant(user=membership.user, cohort=cohort, now=now, reason="membership")
            granted += 1
    for cohort_id in have - wanted_ids:
        cohort = Cohort.objects.get(pk=cohort_id)
        library_access_revoke(user=membership.user, cohort=cohort, now=now, reason="membership")
        revoked += 1
    return granted, revoked


def access_sweep(*, now: dt.datetime | None = None) -> int:
    """Access that changes with time alone: a pause reaching the end of the paid
    period. Run by the minute beat; returns how many memberships it changed."""
    now = now or timezone.now()
    changed = 0
    # Only pauses whose member still holds library access: the rest have nothing to do.
    paused = (
        Membership.objects.filter(
            status=MembershipStatus.PAUSED,
            current_period_end__lte=now,
            user__enrolments__status=EnrolmentStatus.ACTIVE,
            user__enrolments__cohort__pace="self_paced",
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for membership_id in paused:
        with transaction.atomic():
            membership = Membership.objects.select_for_update().get(pk=membership_id)
            granted, revoked = access_sync(membership=membership, now=now)
            changed += bool(granted or revoked)
    return changed
