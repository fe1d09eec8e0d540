"""Instalment plans: an instalment that failed, access paused past the grace period,
a plan Stripe gave up on, and the subscription stopped once everything is in.

A plan in arrears is one kind of subject of payments.dunning (``instalment``, the
order's id): the grace period, reminders, paused access and its return run there, as
for anything else paid for. ``Order.failing_since`` mirrors the open arrears for the
pages and the API."""

from __future__ import annotations

import datetime as dt

from cohorts.models import Enrolment, EnrolmentStatus
from cohorts.services import enrolment_restore, enrolment_suspend
from payments import dunning, notices, stripe_gateway
from payments.models import Arrears, Order, OrderStatus, ProviderAction

INSTALMENT = "instalment"


def instalment_failed(*, order: Order, reference: str, now: dt.datetime) -> str:
    """An instalment could not be collected; Stripe retries it. The grace period starts
    (once), the student is told how to fix it. Caller holds the order lock."""
    if order.status != OrderStatus.PAID:
        return "not a running plan"
    arrears = dunning.arrears_open(
        kind=INSTALMENT, subject_id=order.pk, user=order.user_id, reference=reference, now=now
    )
    _mirror(order, arrears, "instalment failed")
    return "instalment failed: grace period"


def instalments_suspend_overdue(*, now: dt.datetime | None = None) -> int:
    """Pause access where an instalment stayed unpaid past the grace period (and send
    the reminders due before it). Restored when the money comes. Returns how many were
    paused."""
    return dunning.dunning_sweep(now=now, kinds=[INSTALMENT]).suspended


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
    arrears = dunning.arrears_open(
        kind=INSTALMENT, subject_id=order.pk, user=order.user_id, reference="plan ended", now=now
    )
    _mirror(order, arrears, "plan ended unpaid")
    dunning.arrears_suspend(kind=INSTALMENT, subject_id=order.pk, now=now)
    return "plan ended unpaid: access paused"


def instalment_arrears_settle(*, order: Order, now: dt.datetime) -> bool:
    """The plan's money is in: its arrears are settled and access comes back. The caller
    holds the order's lock and clears ``failing_since`` itself."""
    return dunning.arrears_settle(kind=INSTALMENT, subject_id=order.pk, now=now) is not None


def instalment_arrears_close(*, order: Order, now: dt.datetime) -> None:
    """The order is being refunded: nothing is owed any more. The caller saves the
    order (its ``failing_since`` cleared here)."""
    dunning.arrears_close(kind=INSTALMENT, subject_id=order.pk, now=now, reason="order refunded")
    order.failing_since = None


def _mirror(order: Order, arrears: Arrears, reason: str) -> None:
    if order.failing_since != arrears.failing_since:
        order.failing_since = arrears.failing_since
        order._change_reason = reason
        order.save()


# --- The dunning kind -------------------------------------------------------------------


def _suspend(*, subject_id: int, now: dt.datetime) -> bool:
    order = Order.objects.select_for_update().filter(pk=subject_id).first()
    if order is None or order.status != OrderStatus.PAID:
        return False
    enrolment = Enrolment.objects.select_for_update().get(pk=order.enrolment_id)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return False
    enrolment_suspend(enrolment=enrolment, reason="instalment unpaid", now=now)
    return True


def _restore(*, subject_id: int, now: dt.datetime) -> bool:
    order = Order.objects.select_for_update().filter(pk=subject_id).first()
    if order is None:
        return False
    enrolment = Enrolment.objects.select_for_update().get(pk=order.enrolment_id)
    if enrolment.status != EnrolmentStatus.SUSPENDED:
        return False
    enrolment_restore(enrolment=enrolment, reason="instalment paid", now=now)
    return True


def _describe(*, subject_id: int) -> str:
    order = Order.objects.select_related("enrolment__cohort__course").get(pk=subject_id)
    cohort = order.enrolment.cohort
    return f"{cohort.course.title} ({cohort.name})"


# A plan's first email, paused access and its return keep the words (and email keys)
# they had before dunning served memberships too; its reminders are the common ones.
def _tell_failed(*, arrears: Arrears, now: dt.datetime, restored: bool) -> None:
    notices.payment_notify(
        order_id=arrears.subject_id, kind="instalment_failed", reference=arrears.reference
    )


def _tell_paused(*, arrears: Arrears, now: dt.datetime, restored: bool) -> None:
    notices.payment_notify(
        order_id=arrears.subject_id,
        kind="access_suspended",
        reference=arrears.failing_since.isoformat(),
    )


def _tell_settled(*, arrears: Arrears, now: dt.datetime, restored: bool) -> None:
    notices.payment_notify(
        order_id=arrears.subject_id, kind="access_restored", reference=f"arrears-{arrears.pk}"
    )


def instalment_dunning_register() -> None:
    """Called from payments' AppConfig.ready()."""
    dunning.register_kind(
        kind=INSTALMENT,
        suspend=_suspend,
        restore=_restore,
        describe=_describe,
        notices={
            dunning.OPENED: _tell_failed,
            dunning.SUSPENDED: _tell_paused,
            dunning.SETTLED: _tell_settled,
        },
    )
