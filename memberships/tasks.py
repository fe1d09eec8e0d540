"""Thin Celery tasks: each calls one service; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from lms.celery import TRANSIENT_ERRORS
from payments.stripe_gateway import PaymentServiceDown


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def sweep() -> int:
    """Access that changes with time alone (a pause reaching the end of the paid
    period)."""
    from memberships.services import access_sweep

    return access_sweep()


@shared_task(autoretry_for=())
def daily() -> tuple[dict, int, int]:
    """Invoice-paid memberships (renewals, trial ends, pauses), pauses ending soon and
    anniversaries."""
    from memberships.services import (
        anniversaries_celebrate,
        manual_memberships_run,
        pause_endings_announce,
    )

    return manual_memberships_run(), pause_endings_announce(), anniversaries_celebrate()


@shared_task(autoretry_for=(*TRANSIENT_ERRORS, PaymentServiceDown), max_retries=3)
def reconcile() -> int:
    """Compare every Stripe membership with Stripe's own view and repair drift."""
    from memberships import gateway
    from memberships.services import memberships_reconcile

    if not gateway.configured():
        return 0
    return memberships_reconcile().memberships_changed
