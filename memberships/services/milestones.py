"""Moments worth telling a member about: the end of a pause a week ahead, and
anniversaries. Each full year of membership is celebrated once (in-app and email,
through notifications) and announced with ``signals.membership_anniversary`` so a
badge rule can award it."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from memberships import signals
from memberships.models import Membership, MembershipStatus
from memberships.notices import membership_notify, milestone_notify
from memberships.services.ledger import membership_lock

PAUSE_NOTICE_DAYS = 7


def pause_endings_announce(*, now: dt.datetime | None = None) -> int:
    """Tell members a week ahead that their pause ends and payments start again (once
    per pause: the notice is keyed by the moment it ends)."""
    now = now or timezone.now()
    due = Membership.objects.filter(
        status=MembershipStatus.PAUSED,
        pause_resumes_at__gt=now,
        pause_resumes_at__lte=now + dt.timedelta(days=PAUSE_NOTICE_DAYS),
    ).exclude(cancel_at_period_end=True)
    told = 0
    for membership_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            membership = membership_lock(pk=membership_id)
            resumes = membership.pause_resumes_at if membership is not None else None
            if membership is None or resumes is None or membership.pause_notice_sent_for == resumes:
                continue
            membership.pause_notice_sent_for = resumes
            membership.save(update_fields=["pause_notice_sent_for", "updated_at"])
            membership_notify(
                membership=membership,
                event="pause_ending",
                key=str(int(resumes.timestamp())),
                when=resumes,
            )
            told += 1
    return told


def anniversaries_celebrate(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    year_ago = now - relativedelta(years=1)
    candidates = Membership.objects.filter(
        started_at__lte=year_ago,
    ).exclude(status__in=(MembershipStatus.ENDED, MembershipStatus.INCOMPLETE))
    celebrated = 0
    for membership_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            membership = membership_lock(pk=membership_id)
            if membership is None or membership.started_at is None:
                continue
            years = relativedelta(now, membership.started_at).years
            if years <= membership.anniversaries_celebrated:
                continue
            membership.anniversaries_celebrated = years
            membership.save(update_fields=["anniversaries_celebrated", "updated_at"])
            milestone_notify(membership=membership, years=years)
            user_id = membership.user_id
            transaction.on_commit(
                lambda user_id=user_id, years=years: signals.membership_anniversary.send(
                    sender=Membership, user_id=user_id, years=years
                )
            )
            celebrated += 1
    return celebrated
