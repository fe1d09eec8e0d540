"""Instalment plans: an instalment that failed, access paused past the grace period,
a plan Stripe gave up on, and the subscription stopped once everything is in."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cohorts.models import EnrolmentStatus
from cohorts.services import enrolment_suspend
from payments import notices, stripe_gateway
from payments.models import Order, OrderStatus, ProviderAction


def instalment_failed(*, order: Order, reference: str, now: dt.datetime) -> str:
    """An instalment could not be collected; Stripe retries it. The grace period starts
    (once), the student is told how to fix it. Caller holds the order lock."""
    if order.status != OrderStatus.PAID:
        return "not a running plan"
    if order.failing_since is None:
        order.failing_since = now
        order._change_reason = "instalment failed"
        order.save()
    notices.payment_notify(order_id=order.pk, kind="instalment_failed", reference=reference)
    return "instalment failed: grace period"


def instalments_suspend_overdue(*, now: dt.datetime | None = None) -> int:
    """Pause access where an instalment stayed unpaid past the grace period. Restored by
    payment_confirm when the money comes. Returns how many were paused."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.LMS_PAYMENT_GRACE_DAYS)
    paused = 0
    for order_id in Order.objects.filter(
        status=OrderStatus.PAID,
        failing_since__lte=cutoff,
        enrolment__status=EnrolmentStatus.ACTIVE,
    ).values_list("pk", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.failing_since is None or order.failing_since > cutoff:
                continue
            enrolment = enrolment_suspend(
                enrolment=order.enrolment, reason="instalment unpaid", now=now
            )
            if enrolment.status == EnrolmentStatus.SUSPENDED:
                notices.payment_notify(
                    order_id=order.pk,
                    kind="access_suspended",
                    reference=order.failing_since.isoformat(),
                )
                paused += 1
    return paused


def instalment_plan_end(*, order: Order) -> None:
    """All instalments are in: stop the subscription so Stripe bills no more. Done
    (or not needed) clears the order's due call; a failure leaves it for the retry and
    the sweep."""
    if order.subscription and order.instalments_paid >= order.instalments:
        stripe_gateway.subscription_cancel(order.subscription)
    Order.objects.filter(pk=order.pk, provider_action=ProviderAction.END_PLAN).update(
        provider_action=ProviderAction.NONE
    )


def instalment_plan_ended_unpaid(*, order: Order, now: dt.datetime) -> str:
    """Stripe gave up collecting a plan: the rest is owed and access pauses until it is
    settled (order_mark_paid, or a late payment). Caller holds the order's row lock."""
    if order.status != OrderStatus.PAID or order.instalments_paid >= order.instalments:
        return "plan complete"
    if order.failing_since is None:
        order.failing_since = now
        order._change_reason = "plan ended unpaid"
        order.save()
    enrolment_suspend(enrolment=order.enrolment, reason="plan ended unpaid", now=now)
    return "plan ended unpaid: access paused"
