"""Failed renewals go through the payments app's one dunning mechanism, as failed
instalments do: the grace period starts once, reminders go out on its schedule, access
is suspended when it runs out and restored by the payment itself."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from memberships.models import ChangeKind, Membership, MembershipStatus
from memberships.services import ledger
from payments import dunning

KIND = "membership"


def open(*, membership: Membership, reference: str, now: dt.datetime) -> None:
    if membership.failing_since is None:
        membership.failing_since = now
        membership.save(update_fields=["failing_since", "updated_at"])
    dunning.arrears_open(
        kind=KIND, subject_id=membership.pk, user=membership.user, reference=reference, now=now
    )


def settle(*, membership: Membership, now: dt.datetime) -> None:
    if membership.failing_since is not None:
        membership.failing_since = None
        membership.save(update_fields=["failing_since", "updated_at"])
    dunning.arrears_settle(kind=KIND, subject_id=membership.pk, now=now)


def suspend(*, subject_id: int, now: dt.datetime) -> bool:
    """The grace period ran out: the tier's access is suspended (work is kept)."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(pk=subject_id).first()
        if membership is None or membership.status not in (
            MembershipStatus.PAST_DUE,
            MembershipStatus.TRIALING,
            MembershipStatus.ACTIVE,
        ):
            return False
        ledger.move(
            membership=membership,
            to=MembershipStatus.SUSPENDED,
            kind=ChangeKind.SUSPENDED,
            now=now,
            source="grace period over",
        )
        return True


def restore(*, subject_id: int, now: dt.datetime) -> bool:
    """The overdue payment came in: access back (a Stripe membership's status follows
    its subscription; this covers the manual provider and a suspension of ours)."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(pk=subject_id).first()
        if membership is None or membership.status not in (
            MembershipStatus.PAST_DUE,
            MembershipStatus.SUSPENDED,
        ):
            return False
        ledger.move(
            membership=membership,
            to=MembershipStatus.ACTIVE,
            kind=ChangeKind.RECOVERED,
            now=now,
            source="payment received",
        )
        return True


def describe(*, subject_id: int) -> str:
    membership = Membership.objects.select_related("tier").filter(pk=subject_id).first()
    return _("%(tier)s membership") % {"tier": membership.tier.name} if membership else ""


def url(*, subject_id: int) -> str:
    return reverse("memberships:portal")
