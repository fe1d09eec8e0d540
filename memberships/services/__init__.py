"""Writes for memberships; other apps import from here. Every change of a membership
goes through ``ledger.move``/``ledger.record`` (status machine, ledger row, access)."""

from memberships.services.access import access_sweep, access_sync
from memberships.services.benefits import (
    membership_year_start,
    seat_benefit_claim,
    seat_benefit_offer,
    seat_benefit_release,
)
from memberships.services.changes import (
    ChangePreview,
    membership_cancel,
    membership_change,
    membership_change_preview,
    membership_keep,
    membership_pause,
    membership_portal_url,
    membership_retention_accept,
    retention_offer_available,
)
from memberships.services.join import (
    membership_checkout_start,
    membership_join,
    membership_rejoin,
    price_in_stripe,
    provider_for,
)
from memberships.services.manual import manual_invoice_paid, manual_memberships_run
from memberships.services.milestones import anniversaries_celebrate, pause_endings_announce
from memberships.services.staff import membership_end_now, membership_prices_move
from memberships.services.stripe_events import memberships_reconcile
from memberships.services.stripe_sync import subscription_apply

__all__ = [
    "ChangePreview",
    "access_sweep",
    "access_sync",
    "anniversaries_celebrate",
    "manual_invoice_paid",
    "manual_memberships_run",
    "membership_cancel",
    "membership_change",
    "membership_change_preview",
    "membership_checkout_start",
    "membership_end_now",
    "membership_join",
    "membership_keep",
    "membership_pause",
    "membership_portal_url",
    "membership_prices_move",
    "membership_rejoin",
    "membership_retention_accept",
    "membership_year_start",
    "memberships_reconcile",
    "pause_endings_announce",
    "price_in_stripe",
    "provider_for",
    "retention_offer_available",
    "seat_benefit_claim",
    "seat_benefit_offer",
    "seat_benefit_release",
    "subscription_apply",
]
