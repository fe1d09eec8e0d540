"""What a membership gives at cohort checkout, offered through the payments app's seat
benefit hook: an included seat while the membership year has some left, else the
tier's discount. An included seat is claimed under the membership's lock in the
transaction that takes the seat, so two checkouts at once cannot both use the last
one; it is given back when that order ends unpaid or is refunded."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from lms.errors import Conflict
from memberships.models import Membership, SeatUse
from memberships.services import ledger
from payments.hooks import SeatBenefit


def membership_year_start(membership: Membership, now: dt.datetime) -> dt.datetime:
    """The start of the current membership year (anniversaries of ``started_at``)."""
    start = membership.started_at or now
    years = relativedelta(now, start).years
    return start + relativedelta(years=max(years, 0))


def _seats_left(membership: Membership, now: dt.datetime) -> int:
    year = membership_year_start(membership, now)
    used = SeatUse.objects.filter(
        membership=membership, year_starts_at=year, released_at__isnull=True
    ).count()
    return max(membership.tier.included_seats_per_year - used, 0)


def _live_membership(user, now: dt.datetime) -> Membership | None:
    membership = (
        Membership.objects.select_related("tier").filter(user=user).exclude(status="ended").first()
    )
    return membership if membership and membership.gives_access(now) else None


def seat_benefit_offer(*, user, cohort, now: dt.datetime) -> SeatBenefit | None:
    if not user.is_authenticated:
        return None
    membership = _live_membership(user, now)
    if membership is None:
        return None
    tier = membership.tier
    left = _seats_left(membership, now) if tier.included_seats_per_year else 0
    if left:
        return SeatBenefit(
            percent_off=100,
            label=_(
                "Included in your %(tier)s membership (%(left)s of %(total)s seats left this year)"
            )
            % {"tier": tier.name, "left": left, "total": tier.included_seats_per_year},
            key=f"membership:{membership.pk}:seat",
        )
    if tier.seat_discount_percent:
        return SeatBenefit(
            percent_off=tier.seat_discount_percent,
            label=_("%(tier)s members: %(percent)s %% off")
            % {"tier": tier.name, "percent": tier.seat_discount_percent},
            key=f"membership:{membership.pk}:discount",
        )
    return None


def seat_benefit_claim(*, benefit: SeatBenefit, enrolment, now: dt.datetime) -> None:
    kind, membership_id, what = benefit.key.split(":")
    if kind != "membership" or what != "seat":
        return
    membership = ledger.membership_lock(pk=int(membership_id))
    if membership is None or not membership.gives_access(now) or _seats_left(membership, now) < 1:
        raise Conflict(
            _("Your membership has no included seat left this year; reload to see your price."),
            code="no_included_seat",
        )
    SeatUse.objects.create(
        membership=membership,
        enrolment_id=enrolment.pk,
        year_starts_at=membership_year_start(membership, now),
        used_at=now,
    )


def seat_benefit_release(*, key: str, enrolment_id: int, now: dt.datetime) -> None:
    kind, membership_id, what = key.split(":")
    if kind == "membership" and what == "seat":
        SeatUse.objects.filter(
            membership_id=int(membership_id), enrolment_id=enrolment_id, released_at__isnull=True
        ).update(released_at=now)
