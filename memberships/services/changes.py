"""What a member changes from their portal: upgrade (at once, prorated, the amount shown
before confirming), downgrade or a shorter interval (at the end of the paid period),
pause for 1 to 3 months, cancel at the end of the period (with a one-time retention
offer), stay after all. Stripe memberships change at Stripe first and take over what
Stripe answers, through the same function as the webhooks; invoice-paid ones change
here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import Conflict, ValidationFailed
from memberships import gateway
from memberships.models import (
    INTERVAL_MONTHS,
    CancelReason,
    ChangeKind,
    Interval,
    Membership,
    MembershipProvider,
    MembershipStatus,
    TierPrice,
)
from memberships.notices import membership_notify
from memberships.services import ledger, manual
from memberships.services.join import price_in_stripe
from memberships.services.stripe_sync import subscription_apply

CHANGEABLE = (MembershipStatus.ACTIVE, MembershipStatus.TRIALING)


@dataclass(frozen=True)
class ChangePreview:
    kind: str  # upgraded, downgraded or switched
    price: TierPrice
    at_once: bool
    amount_now: int  # charged at once (0 when the change waits for the period's end)
    currency: str
    takes_effect: dt.datetime


def _lock(membership: Membership) -> Membership:
    locked = ledger.membership_lock(pk=membership.pk)
    if locked is None:
        raise Membership.DoesNotExist(f"membership {membership.pk}")
    return locked


def _check_changeable(membership: Membership) -> None:
    if membership.status not in CHANGEABLE:
        raise Conflict(
            _("A %(status)s membership cannot change tier; resume or rejoin first.")
            % {"status": MembershipStatus(membership.status).label.lower()},
            code="membership_not_changeable",
        )
    if membership.cancel_at_period_end:
        raise Conflict(
            _("Your membership is set to end; choose “Stay a member” before changing it."),
            code="cancel_pending",
        )
    if membership.provider == MembershipProvider.NONE or membership.is_lifetime:
        raise Conflict(
            _("Free and lifetime memberships do not change plan; join the tier you want."),
            code="membership_not_changeable",
        )


def membership_change_preview(
    *, membership: Membership, to_price: TierPrice, now: dt.datetime | None = None
) -> ChangePreview:
    now = now or timezone.now()
    _check_changeable(membership)
    if not to_price.active or not to_price.tier.open_for_signup:
        raise Conflict(
            _("That plan is not offered any more; choose one shown."), code="tier_closed"
        )
    if to_price.pk == membership.price_id:
        raise Conflict(_("You are on that plan already."), code="same_plan")
    if to_price.currency != membership.currency:
        raise ValidationFailed(_("That plan is in another currency."), code="currency")
    old = membership.price
    level_up = to_price.tier.level > membership.tier.level
    if to_price.tier_id == membership.tier_id:
        kind = ChangeKind.SWITCHED
        at_once = (to_price.months or 0) > (old.months or 0)  # a longer interval: at once
    else:
        kind = ChangeKind.UPGRADED if level_up else ChangeKind.DOWNGRADED
        at_once = level_up
    if membership.status == MembershipStatus.TRIALING:
        at_once = True  # nothing paid yet: the trial goes on with the new plan
    end = membership.current_period_end or membership.trial_ends_at or now
    amount = 0
    if at_once and membership.status == MembershipStatus.ACTIVE:
        if membership.provider == MembershipProvider.STRIPE:
            sub = gateway.subscription_get(membership.stripe_subscription)
            preview = gateway.change_preview(
                subscription=sub, price=price_in_stripe(price=to_price), at=now
            )
            amount = int(preview.get("amount_due") or 0)
        else:
            amount = _manual_proration(membership, to_price, now)
    return ChangePreview(
        kind=kind,
        price=to_price,
        at_once=at_once,
        amount_now=amount,
        currency=to_price.currency,
        takes_effect=now if at_once else end,
    )


def _manual_proration(membership: Membership, to_price: TierPrice, now: dt.datetime) -> int:
    """Invoice-paid plans: the new price for the rest of the period less what is left of
    the old one, to the second, rounded to the cent; a longer interval restarts it."""
    start, end = membership.current_period_start, membership.current_period_end
    if not start or not end or end <= now:
        return to_price.amount
    if to_price.interval != membership.interval:
        left = (end - now) / (end - start)
        return max(to_price.amount - round(membership.amount * left), 0)
    left = (end - now) / (end - start)
    return max(round((to_price.amount - membership.amount) * left), 0)


def membership_change(
    *,
    membership: Membership,
    to_price: TierPrice,
    expected_amount: int,
    now: dt.datetime | None = None,
) -> ChangePreview:
    """Make the change the member confirmed. ``expected_amount`` is what they were shown:
    if the charge would now differ (the period rolled over meanwhile), nothing changes
    and they see the new figure."""
    now = now or timezone.now()
    preview = membership_change_preview(membership=membership, to_price=to_price, now=now)
    if preview.amount_now != expected_amount:
        raise Conflict(
            _("The amount changed to %(amount)s since you looked; please confirm again.")
            % {"amount": f"{preview.amount_now / 100:.2f} {preview.currency}"},
            code="amount_changed",
        )
    if membership.provider == MembershipProvider.STRIPE:
        _change_at_stripe(membership, preview, now)
    else:
        _change_here(membership, preview, now)
    return preview


def _change_at_stripe(membership: Membership, preview: ChangePreview, now) -> None:
    price = price_in_stripe(price=preview.price)
    as_of = timezone.now()
    sub = gateway.subscription_get(membership.stripe_subscription)
    key = f"membership-{membership.pk}-to-{preview.price.pk}-{int(now.timestamp())}"
    if preview.at_once:
        sub = gateway.change_now(subscription=sub, price=price, at=now, key=key)
        with transaction.atomic():
            subscription_apply(
                membership=_lock(membership), sub=sub, source="member", as_of=as_of, now=now
            )
        return
    schedule = gateway.change_at_period_end(subscription=sub, price=price, key=key)
    with transaction.atomic():
        locked = _lock(membership)
        locked.scheduled_price, locked.stripe_schedule = preview.price, schedule
        locked.save()
        membership_notify(
            membership=locked,
            event="change_scheduled",
            key=str(preview.price.pk),
            when=preview.takes_effect,
            tier=preview.price.tier.name,
            amount=preview.price.amount,
        )


@transaction.atomic
def _change_here(membership: Membership, preview: ChangePreview, now) -> None:
    locked = _lock(membership)
    if not preview.at_once:
        locked.scheduled_price = preview.price
        locked.save()
        membership_notify(
            membership=locked,
            event="change_scheduled",
            key=str(preview.price.pk),
            when=preview.takes_effect,
            tier=preview.price.tier.name,
            amount=preview.price.amount,
        )
        return
    old_tier, price = locked.tier, preview.price
    locked.price, locked.tier, locked.scheduled_price = price, price.tier, None
    locked.amount, locked.interval = price.amount, price.interval
    if price.months and preview.kind == ChangeKind.SWITCHED:
        locked.current_period_start = now
        locked.current_period_end = now + relativedelta(months=price.months)
    locked.save()
    ledger.record(
        membership=locked, kind=preview.kind, now=now, source="member", from_tier=old_tier
    )
    if preview.amount_now:
        manual._issue(
            membership=locked,
            amount=preview.amount_now,
            what=_("%(tier)s membership, change of plan") % {"tier": price.tier.name},
            now=now,
        )
    membership_notify(membership=locked, event="changed", key=str(price.pk))


def membership_pause(
    *, membership: Membership, months: int, now: dt.datetime | None = None
) -> Membership:
    """No payments for 1 to 3 months from the end of the paid period; access stays until
    then and comes back when the pause ends by itself."""
    now = now or timezone.now()
    limit = settings.LMS_MEMBERSHIP_MAX_PAUSE_MONTHS
    if not isinstance(months, int) or not 1 <= months <= limit:
        raise ValidationFailed(
            _("A pause lasts 1 to %(max)s months.") % {"max": limit},
            code="pause_length",
            field="months",
        )
    if membership.status != MembershipStatus.ACTIVE or membership.cancel_at_period_end:
        raise Conflict(
            _("Only an active membership that is not ending can be paused."),
            code="membership_not_pausable",
        )
    if membership.provider == MembershipProvider.NONE or membership.is_lifetime:
        raise Conflict(
            _("Free and lifetime memberships have nothing to pause."),
            code="membership_not_pausable",
        )
    end = membership.current_period_end or now
    resumes = end + relativedelta(months=months)
    if membership.provider == MembershipProvider.STRIPE:
        as_of = timezone.now()
        sub = gateway.update(
            subscription_id=membership.stripe_subscription,
            params={
                "pause_collection": {"behavior": "void", "resumes_at": int(resumes.timestamp())}
            },
            key=f"membership-{membership.pk}-pause-{int(end.timestamp())}-{months}",
        )
        with transaction.atomic():
            locked = _lock(membership)
            subscription_apply(membership=locked, sub=sub, source="member", as_of=as_of, now=now)
    else:
        with transaction.atomic():
            locked = _lock(membership)
            locked.pause_resumes_at = resumes
            locked.save()
            ledger.move(
                membership=locked,
                to=MembershipStatus.PAUSED,
                kind=ChangeKind.PAUSED,
                now=now,
                source="member",
            )
    membership_notify(
        membership=locked, event="paused", key=str(int(resumes.timestamp())), when=resumes
    )
    return locked


def membership_cancel(
    *, membership: Membership, reason: str, comment: str = "", now: dt.datetime | None = None
) -> Membership:
    """End at the end of the paid period (free tiers end at once)."""
    now = now or timezone.now()
    if reason not in CancelReason.values:
        raise ValidationFailed(_("Choose a reason from the list."), code="reason", field="reason")
    if len(comment) > 2000:
        raise ValidationFailed(_("Keep the comment under 2,000 characters."), field="comment")
    if not membership.is_live or membership.cancel_at_period_end:
        raise Conflict(_("This membership is ending already."), code="already_cancelling")
    if membership.status == MembershipStatus.INCOMPLETE:
        raise Conflict(
            _("This membership has not started; nothing to cancel."), code="membership_not_started"
        )
    if membership.is_lifetime:
        raise Conflict(
            _("A lifetime membership does not renew; there is nothing to cancel."), code="lifetime"
        )
    if membership.provider == MembershipProvider.STRIPE:
        as_of = timezone.now()
        sub = gateway.update(
            subscription_id=membership.stripe_subscription,
            params={
                "cancel_at_period_end": True,
                "cancellation_details": {"comment": comment[:500], "feedback": _FEEDBACK[reason]},
            },
            key=f"membership-{membership.pk}-cancel-{int(now.timestamp())}",
        )
    with transaction.atomic():
        locked = _lock(membership)
        locked.cancel_reason, locked.cancel_comment = reason, comment
        locked.cancel_requested_at = now
        if membership.provider == MembershipProvider.STRIPE:
            locked.save()
            subscription_apply(membership=locked, sub=sub, source="member", as_of=as_of, now=now)
        elif membership.provider == MembershipProvider.NONE:
            locked.save()
            ledger.end(membership=locked, now=now, source="member", end_reason="voluntary")
        else:
            locked.cancel_at_period_end = True
            locked.save()
            ledger.record(
                membership=locked, kind=ChangeKind.CANCEL_REQUESTED, now=now, source="member"
            )
            membership_notify(
                membership=locked,
                event="cancel_requested",
                key=str(int(now.timestamp())),
                when=locked.current_period_end or locked.trial_ends_at,
            )
    return locked


# Our reasons in Stripe's cancellation_details.feedback vocabulary.
_FEEDBACK = {
    CancelReason.TOO_EXPENSIVE: "too_expensive",
    CancelReason.NOT_USING: "unused",
    CancelReason.MISSING: "missing_features",
    CancelReason.SWITCHED: "switched_service",
    CancelReason.TEMPORARY: "other",
    CancelReason.OTHER: "other",
}


def membership_keep(*, membership: Membership, now: dt.datetime | None = None) -> Membership:
    """Stay after all: a membership set to end keeps renewing."""
    now = now or timezone.now()
    if not membership.cancel_at_period_end or not membership.is_live:
        raise Conflict(_("This membership is not set to end."), code="not_cancelling")
    if membership.provider == MembershipProvider.STRIPE:
        as_of = timezone.now()
        sub = gateway.update(
            subscription_id=membership.stripe_subscription,
            params={"cancel_at_period_end": False},
            key=f"membership-{membership.pk}-keep-{int(now.timestamp())}",
        )
        with transaction.atomic():
            locked = _lock(membership)
            subscription_apply(membership=locked, sub=sub, source="member", as_of=as_of, now=now)
            return locked
    with transaction.atomic():
        locked = _lock(membership)
        locked.cancel_at_period_end = False
        locked.save()
        ledger.record(membership=locked, kind=ChangeKind.CANCEL_WITHDRAWN, now=now, source="member")
        return locked


def retention_offer_available(membership: Membership) -> bool:
    return bool(
        membership.tier.retention_percent_off
        and membership.retention_offer_used_at is None
        and membership.status in (MembershipStatus.ACTIVE, MembershipStatus.PAUSED)
        and not membership.cancel_at_period_end
        and membership.provider in (MembershipProvider.STRIPE, MembershipProvider.MANUAL)
        and not membership.is_lifetime
    )


def membership_retention_accept(
    *, membership: Membership, now: dt.datetime | None = None
) -> Membership:
    """The one-time offer: a discount on the next months instead of leaving."""
    now = now or timezone.now()
    if membership.retention_offer_used_at is not None:
        raise Conflict(_("You used this offer already."), code="offer_used")
    if not retention_offer_available(membership):
        raise Conflict(_("There is no offer for this membership."), code="no_offer")
    tier = membership.tier
    if membership.provider == MembershipProvider.STRIPE:
        # One idempotency key per membership: a second click replays the same change.
        coupon = gateway.retention_coupon_create(
            tier_id=tier.pk, percent_off=tier.retention_percent_off, months=tier.retention_months
        )
        gateway.update(
            subscription_id=membership.stripe_subscription,
            params={"discounts": [{"coupon": coupon}]},
            key=f"membership-{membership.pk}-retention",
        )
    with transaction.atomic():
        locked = _lock(membership)
        if locked.retention_offer_used_at is not None:
            raise Conflict(_("You used this offer already."), code="offer_used")
        locked.retention_offer_used_at = now
        locked.save()
        ledger.record(membership=locked, kind=ChangeKind.RETAINED, now=now, source="member")
    return locked


def membership_portal_url(*, membership: Membership, return_url: str, locale: str) -> str:
    from payments.services import stripe_customer_for

    if membership.provider != MembershipProvider.STRIPE:
        raise Conflict(
            _("This membership is paid by invoice; there is no card to update."), code="no_card"
        )
    return gateway.portal_url(
        customer=stripe_customer_for(user=membership.user), return_url=return_url, locale=locale
    )


def interval_months(interval: str) -> int | None:
    return INTERVAL_MONTHS.get(Interval(interval)) if interval else None
