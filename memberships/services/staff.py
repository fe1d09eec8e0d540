"""What staff do to memberships: move the members of a retired price to the current
one (they are told by email, and pay the new amount from their next renewal), and end
a membership."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import Conflict, NotAllowed
from memberships import gateway
from memberships.models import (
    ChangeKind,
    Membership,
    MembershipProvider,
    MembershipStatus,
    TierPrice,
)
from memberships.notices import membership_notify
from memberships.selectors import user_can_manage_memberships
from memberships.services import ledger
from memberships.services.join import price_in_stripe
from memberships.services.stripe_sync import subscription_apply


def _staff(by) -> None:
    if not user_can_manage_memberships(by):
        raise NotAllowed(_("Only staff change other people's memberships."), code="not_staff")


def membership_prices_move(
    *, old_price: TierPrice, new_price: TierPrice, by, now: dt.datetime | None = None
) -> int:
    """Move every live membership on ``old_price`` to ``new_price`` of the same tier and
    interval. Stripe bills the new amount from the next renewal (no proration); invoice
    members get it on their next invoice. Each member is told. Returns how many moved."""
    now = now or timezone.now()
    _staff(by)
    if old_price.tier_id != new_price.tier_id or old_price.interval != new_price.interval:
        raise Conflict(
            _("Move members only to a price of the same tier and interval."), code="price_mismatch"
        )
    if old_price.pk == new_price.pk or not new_price.active:
        raise Conflict(_("Choose the tier's current price as the new one."), code="price_mismatch")
    moved = 0
    ids = (
        Membership.objects.filter(price=old_price)
        .exclude(status="ended")
        .values_list("pk", flat=True)
    )
    for membership_id in list(ids):
        membership = Membership.objects.select_related("tier", "price").get(pk=membership_id)
        if membership.provider == MembershipProvider.STRIPE and membership.stripe_subscription:
            as_of = timezone.now()
            sub = gateway.subscription_get(membership.stripe_subscription)
            sub = gateway.change_now(
                subscription=sub,
                price=price_in_stripe(price=new_price),
                at=now,
                key=f"membership-{membership.pk}-move-{new_price.pk}",
                proration="none",
            )
            with transaction.atomic():
                locked = Membership.objects.select_for_update().get(pk=membership_id)
                subscription_apply(membership=locked, sub=sub, source=f"staff {by}", as_of=as_of)
        else:
            with transaction.atomic():
                locked = Membership.objects.select_for_update().get(pk=membership_id)
                if locked.price_id != old_price.pk:
                    continue
                if locked.status in (MembershipStatus.TRIALING, MembershipStatus.INCOMPLETE):
                    locked.price, locked.amount = new_price, new_price.amount
                    locked.save()
                    ledger.record(
                        membership=locked,
                        kind=ChangeKind.PRICE_MOVED,
                        now=now,
                        source=f"staff {by}",
                    )
                else:
                    locked.scheduled_price = new_price
                    locked.save()
        membership_notify(
            membership=membership,
            event="price_moved",
            key=str(new_price.pk),
            when=membership.current_period_end or now,
            amount=new_price.amount,
        )
        moved += 1
    return moved


def membership_end_now(*, membership: Membership, by, now: dt.datetime | None = None) -> Membership:
    now = now or timezone.now()
    _staff(by)
    if not membership.is_live:
        raise Conflict(_("This membership has ended already."), code="membership_ended")
    if membership.provider == MembershipProvider.STRIPE and membership.stripe_subscription:
        gateway.cancel_now(membership.stripe_subscription)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.is_live:
            ledger.end(membership=locked, now=now, source=f"staff {by}", by=by, end_reason="staff")
    return locked
