"""Joining a tier: free at once, a trial, Stripe Checkout in subscription mode, or the
manual invoice provider for yearly and lifetime plans when Stripe is not set up; and
rejoining with one click."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import Conflict, NotFound, ValidationFailed
from lms.models import User
from memberships import gateway
from memberships.models import (
    ChangeKind,
    Interval,
    Membership,
    MembershipProvider,
    MembershipStatus,
    Tier,
    TierPrice,
)
from memberships.notices import membership_notify
from memberships.services import ledger, manual
from payments.selectors import coupon_for_membership
from payments.services import stripe_customer_for

OFFLINE_INTERVALS = (Interval.YEAR, Interval.LIFETIME)


@dataclass(frozen=True)
class Joined:
    membership: Membership
    # Where the member goes next: Stripe Checkout, or None (their membership page).
    pay_url: str | None = None


def provider_for(*, price: TierPrice | None) -> str:
    if price is None:
        return MembershipProvider.NONE
    if price.interval == Interval.LIFETIME:
        # One larger payment, by invoice (bank transfer), with or without Stripe.
        return MembershipProvider.MANUAL
    if gateway.configured():
        return MembershipProvider.STRIPE
    if price.interval in OFFLINE_INTERVALS:
        return MembershipProvider.MANUAL
    raise ValidationFailed(
        _("Paying monthly or quarterly needs online payment; choose the yearly plan."),
        code="needs_online_payment",
        field="interval",
    )


def _price_for(tier: Tier, interval: str) -> TierPrice | None:
    prices = list(tier.prices.filter(active=True))
    if not prices:
        return None  # a free tier
    for price in prices:
        if price.interval == interval:
            return price
    raise ValidationFailed(
        _("%(tier)s has no %(interval)s price; choose one of the plans shown.")
        % {"tier": tier.name, "interval": interval or "-"},
        code="no_such_plan",
        field="interval",
    )


@transaction.atomic
def membership_join(
    *,
    user: User,
    tier: Tier,
    interval: str = "",
    coupon_code: str = "",
    now: dt.datetime | None = None,
) -> Membership:
    """Open a membership. Free tiers and trials without a card start at once; the
    others wait for their first payment (``membership_checkout_start`` for Stripe; the
    manual provider's invoice is sent now). A code valid for memberships takes its
    discount off the first payment."""
    now = now or timezone.now()
    tier = Tier.objects.get(pk=tier.pk)
    if not tier.open_for_signup:
        raise Conflict(
            _("%(tier)s is not open for new members; choose another tier.") % {"tier": tier.name},
            code="tier_closed",
        )
    live = Membership.objects.select_for_update().filter(user=user).exclude(status="ended")
    existing = live.first()
    if existing is not None:
        if existing.status == MembershipStatus.INCOMPLETE and not existing.stripe_subscription:
            # An abandoned checkout or an unpaid invoice: the new choice replaces it.
            ledger.end(
                membership=existing,
                now=now,
                source="replaced by a new sign-up",
                end_reason="never_paid",
                tell=False,
            )
        else:
            raise Conflict(
                _("You are a member already; change your tier from your membership page."),
                code="already_member",
            )
    price = _price_for(tier, interval)
    coupon = None
    if coupon_code.strip():
        if price is None:
            raise ValidationFailed(
                _("A free tier needs no code; leave it empty."),
                code="coupon_free_tier",
                field="coupon",
            )
        coupon = coupon_for_membership(code=coupon_code, currency=price.currency, now=now)
    provider = provider_for(price=price)
    membership = Membership(
        user=user,
        tier=tier,
        price=price,
        provider=provider,
        amount=price.amount if price else 0,
        currency=price.currency if price else "EUR",
        interval=price.interval if price else "",
        coupon=coupon,
    )
    trial = tier.trial_days and price is not None and price.interval != Interval.LIFETIME
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise Conflict(
            _("You are a member already; change your tier from your membership page."),
            code="already_member",
        ) from None
    if provider == MembershipProvider.NONE:
        membership.started_at = now
        ledger.move(
            membership=membership,
            to=MembershipStatus.ACTIVE,
            kind=ChangeKind.JOINED,
            now=now,
            source="joined the free tier",
            by=user,
        )
        membership_notify(membership=membership, event="joined", key="start")
    elif provider == MembershipProvider.MANUAL:
        if trial:
            membership.started_at = now
            membership.trial_ends_at = now + dt.timedelta(days=tier.trial_days)
            ledger.move(
                membership=membership,
                to=MembershipStatus.TRIALING,
                kind=ChangeKind.TRIAL_STARTED,
                now=now,
                source="trial",
                by=user,
            )
            membership_notify(
                membership=membership,
                event="trial_started",
                key="start",
                when=membership.trial_ends_at,
            )
        else:
            manual.invoice_first(membership=membership, now=now)
    return membership


def membership_checkout_start(
    *, membership: Membership, success_url: str, cancel_url: str, locale: str
) -> str:
    """The Stripe Checkout page for a membership awaiting its first payment. Runs after
    the join committed (no network call under a lock); safe to call again."""
    if membership.provider != MembershipProvider.STRIPE or membership.status != (
        MembershipStatus.INCOMPLETE
    ):
        raise Conflict(
            _("This membership is not waiting for an online payment."), code="not_payable"
        )
    if membership.checkout_url:
        return membership.checkout_url
    price = price_in_stripe(price=membership.price)
    customer = stripe_customer_for(user=membership.user)
    tier = membership.tier
    session = gateway.checkout_create(
        membership_id=membership.pk,
        customer=customer,
        price=price,
        trial_days=tier.trial_days if membership.interval != Interval.LIFETIME else 0,
        card_required=tier.trial_requires_card,
        coupon=gateway.coupon_mirror(coupon=membership.coupon) if membership.coupon else None,
        success_url=success_url,
        cancel_url=cancel_url,
        locale=locale,
    )
    Membership.objects.filter(pk=membership.pk, checkout_url="").update(
        checkout_session=session.id, checkout_url=session.url or ""
    )
    return session.url


def price_in_stripe(*, price: TierPrice) -> str:
    """The Stripe Price of one of our prices, created on first use."""
    if price.stripe_price:
        return price.stripe_price
    stripe_price = gateway.price_create(
        price_id=price.pk,
        tier_name=price.tier.name,
        amount=price.amount,
        currency=price.currency,
        interval=price.interval,
    )
    TierPrice.objects.filter(pk=price.pk, stripe_price="").update(stripe_price=stripe_price)
    price.stripe_price = stripe_price
    return stripe_price


def membership_rejoin(*, user: User, now: dt.datetime | None = None) -> Membership:
    """One click back: the tier and interval of the last membership, at today's price."""
    last = Membership.objects.filter(user=user, status="ended").order_by("-ended_at").first()
    if last is None:
        raise NotFound(
            _("You have no earlier membership to rejoin; choose a tier."), code="no_membership"
        )
    return membership_join(user=user, tier=last.tier, interval=last.interval, now=now)
