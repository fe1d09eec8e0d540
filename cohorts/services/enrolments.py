"""Enrolment: the machine's moves, the waitlist, seats for payments, transfers and
the end of term."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts import schedule, signals
from cohorts.models import (
    ENROLMENT_MACHINE,
    ENROLMENT_TRANSITIONS,
    LIVE_STATUSES,
    SEAT_HOLDING,
    Cohort,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
)
from cohorts.seats import seat_policy
from cohorts.services._common import _seats_taken, _with_history
from lms.errors import Conflict, ValidationFailed
from lms.models import User


def enrolment_transition(
    *,
    enrolment: Enrolment,
    to: str,
    by: User | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Enrolment:
    """The one function that changes an enrolment's status; it follows the table."""
    ENROLMENT_MACHINE.move(enrolment, to, by=by, reason=reason, now=now)
    if to == EnrolmentStatus.COMPLETED:
        signals.send_on_commit(
            signals.enrolment_completed,
            Enrolment,
            cohort_id=enrolment.cohort_id,
            user_id=enrolment.user_id,
            enrolment_id=enrolment.pk,
        )
    return enrolment


def cohort_seat_sale_check(*, cohort: Cohort) -> None:
    """Refuse selling or giving a seat in a self-paced cohort: its courses come with a
    membership (``library_access_grant``), never seat by seat."""
    if cohort.is_self_paced:
        raise Conflict(
            _(
                "This course comes with a membership: it is in the membership library, "
                "not sold seat by seat. Become a member to follow it at your own pace."
            ),
            code="library_course",
        )


@transaction.atomic
def enrolment_create(
    *, cohort: Cohort, user: User, now: dt.datetime | None = None, pending_payment: bool = False
) -> Enrolment:
    """Give the student a seat, or a place on the waitlist when the cohort is full.

    With ``pending_payment`` the seat is held (status pending_payment) until the order
    behind it is paid or its hold ends; the seat policy (cohorts.seats) that payments
    registers is the caller that does so.

    The cohort row is locked first, so two students racing for the last seat are served
    one after the other: one gets it, the other is waitlisted.
    """
    now = now or timezone.now()
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    cohort_seat_sale_check(cohort=cohort)
    if not cohort.course.live:
        raise Conflict(
            _("This course is not published yet; enrolment opens when it is."),
            code="course_unpublished",
        )
    if cohort.is_cancelled:
        raise Conflict(_("This cohort was cancelled; choose another one."), code="cohort_cancelled")
    if now < cohort.enrolment_opens_at:
        raise Conflict(
            _("Enrolment for this cohort has not opened yet."), code="enrolment_not_open"
        )
    if now >= cohort.enrolment_closes_at:
        raise Conflict(_("Enrolment for this cohort has closed."), code="enrolment_closed")
    existing = cohort.enrolments.filter(user=user, status__in=LIVE_STATUSES).first()
    if existing is not None:
        message = (
            _("You are on the waitlist for this cohort already.")
            if existing.status == EnrolmentStatus.WAITLISTED
            else _("You are enrolled in this cohort already.")
        )
        raise Conflict(message, code="already_enrolled")
    full = _seats_taken(cohort) >= cohort.capacity
    if full:
        status, reason = EnrolmentStatus.WAITLISTED, "waitlisted"
    elif pending_payment:
        status, reason = EnrolmentStatus.PENDING_PAYMENT, "seat held for payment"
    else:
        status, reason = EnrolmentStatus.ACTIVE, "enrolled"
    enrolment = Enrolment(
        cohort=cohort,
        user=user,
        status=status,
        waitlisted_at=now if full else None,
        activated_at=now if status == EnrolmentStatus.ACTIVE else None,
    )
    _with_history(enrolment, user, reason)
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as exc:  # a double submit that slipped past the check above
        raise Conflict(
            _("You are enrolled in this cohort already."), code="already_enrolled"
        ) from exc
    if status == EnrolmentStatus.ACTIVE:  # active from the start: told as an activation
        ids = {"cohort_id": cohort.pk, "user_id": user.pk, "enrolment_id": enrolment.pk}
        changed = signals.enrolment_status_changed
        signals.send_on_commit(changed, sender=Enrolment, from_status="", to_status=status, **ids)
    return enrolment


@transaction.atomic
def enrolment_leave(*, enrolment: Enrolment, by: User, now: dt.datetime | None = None) -> Enrolment:
    now = now or timezone.now()
    cohort = Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if not enrolment.can_leave:
        raise Conflict(
            _("This enrolment has ended already; there is nothing to leave."), code="not_enrolled"
        )
    held_seat = enrolment.status in SEAT_HOLDING
    enrolment_transition(
        enrolment=enrolment, to=EnrolmentStatus.CANCELLED, by=by, reason="left", now=now
    )
    if held_seat:
        _promote_waitlist(cohort, now=now)
    return enrolment


@transaction.atomic
def waitlist_fill(*, cohort: Cohort, now: dt.datetime | None = None) -> list[Enrolment]:
    """Move waitlisted students into free seats, oldest first. Safe to run any time."""
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    return _promote_waitlist(locked, now=now)


def waitlists_fill_all(*, now: dt.datetime | None = None) -> int:
    """Fill every freed seat that still has someone waiting; returns how many moved up.
    Each cohort is filled in its own transaction under its row lock."""
    from cohorts.selectors import cohorts_with_free_seats_and_waitlist

    return sum(
        len(waitlist_fill(cohort=c, now=now)) for c in cohorts_with_free_seats_and_waitlist()
    )


def _promote_waitlist(cohort: Cohort, *, now: dt.datetime | None = None) -> list[Enrolment]:
    # Caller holds the cohort row lock.
    now = now or timezone.now()
    if cohort.is_cancelled or now >= schedule.term_ends_at(cohort):
        return []
    free = cohort.capacity - _seats_taken(cohort)
    if free <= 0:
        return []
    promoted = list(
        cohort.enrolments.select_for_update()
        .filter(status=EnrolmentStatus.WAITLISTED)
        .order_by("waitlisted_at", "pk")[:free]
    )
    if not promoted:
        return []
    policy = seat_policy()
    price = policy.waitlist_price(cohort=cohort, now=now)
    for enrolment in promoted:
        enrolment_transition(
            enrolment=enrolment,
            to=EnrolmentStatus.ACTIVE if price is None else EnrolmentStatus.PENDING_PAYMENT,
            reason="promoted from waitlist",
            now=now,
        )
        if price is None:
            _notify_promoted(enrolment)
        else:
            # The seat is held for them while they pay; the policy tells them how long.
            policy.seat_hold(enrolment=enrolment, price=price, now=now)
    return promoted


@transaction.atomic
def enrolment_release_unpaid(
    *, enrolment: Enrolment, reason: str, now: dt.datetime | None = None
) -> Enrolment:
    """End a seat held for a payment that did not come; the next on the waitlist moves
    up."""
    now = now or timezone.now()
    cohort = Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.PENDING_PAYMENT:
        return enrolment
    enrolment_transition(enrolment=enrolment, to=EnrolmentStatus.CANCELLED, reason=reason, now=now)
    _promote_waitlist(cohort, now=now)
    return enrolment


@transaction.atomic
def enrolment_end(
    *, enrolment: Enrolment, by: User | None, reason: str, now: dt.datetime | None = None
) -> Enrolment:
    """Cancel a seat for a reason other than the student leaving (a refund, a deferral,
    a payment that failed); the next on the waitlist moves up. Ended ones stay ended."""
    now = now or timezone.now()
    cohort = Cohort.objects.select_for_update().get(pk=enrolment.cohort_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if EnrolmentStatus.CANCELLED not in ENROLMENT_TRANSITIONS[enrolment.status]:
        return enrolment
    held_seat = enrolment.status in SEAT_HOLDING
    enrolment_transition(
        enrolment=enrolment, to=EnrolmentStatus.CANCELLED, by=by, reason=reason, now=now
    )
    if held_seat:
        _promote_waitlist(cohort, now=now)
    return enrolment


@transaction.atomic
def enrolment_seat_for_late_payment(
    *, cohort: Cohort, user: User, now: dt.datetime | None = None
) -> Enrolment | None:
    """A payment arrived after its hold ended. The student started paying inside the
    window, so the window is not checked again; the seat is theirs if one is free.
    Returns the active enrolment, or None when the cohort filled up meanwhile."""
    now = now or timezone.now()
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    existing = cohort.enrolments.filter(user=user, status__in=LIVE_STATUSES).first()
    if existing is not None:
        if existing.status in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.PENDING_PAYMENT):
            if (
                existing.status == EnrolmentStatus.WAITLISTED
                and _seats_taken(cohort) >= cohort.capacity
            ):
                return None
            return enrolment_transition(
                enrolment=existing, to=EnrolmentStatus.ACTIVE, reason="paid", now=now
            )
        return existing
    if cohort.is_cancelled or _seats_taken(cohort) >= cohort.capacity:
        return None
    enrolment = Enrolment(cohort=cohort, user=user, status=EnrolmentStatus.ACTIVE, activated_at=now)
    _with_history(enrolment, None, "paid after the hold ended")
    enrolment.save()
    return enrolment


def enrolment_suspend(*, enrolment: Enrolment, reason: str, now: dt.datetime | None = None):
    """Pause access (an instalment unpaid past its grace period); the seat is kept.
    Caller holds the order's lock."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return enrolment
    return enrolment_transition(
        enrolment=enrolment, to=EnrolmentStatus.SUSPENDED, reason=reason, now=now
    )


def enrolment_restore(*, enrolment: Enrolment, reason: str, now: dt.datetime | None = None):
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.SUSPENDED:
        return enrolment
    return enrolment_transition(
        enrolment=enrolment, to=EnrolmentStatus.ACTIVE, reason=reason, now=now
    )


@transaction.atomic
def enrolment_transfer(
    *, enrolment: Enrolment, to_cohort: Cohort, by: User, now: dt.datetime | None = None
) -> Enrolment:
    """Move a student's seat to another cohort of the same course (a deferral): an active
    seat there, the old seat released to its waitlist. Both cohorts are locked in id
    order, so two transfers in opposite directions cannot deadlock."""
    now = now or timezone.now()
    locked = {
        c.pk: c
        for c in Cohort.objects.select_for_update()
        .filter(pk__in=[enrolment.cohort_id, to_cohort.pk])
        .order_by("pk")
    }
    source, target = locked[enrolment.cohort_id], locked[to_cohort.pk]
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise Conflict(
            _("Only an active seat can be moved to another cohort."), code="not_enrolled"
        )
    cohort_seat_sale_check(cohort=target)
    if target.course_id != source.course_id or target.pk == source.pk:
        raise ValidationFailed(
            _("A seat can only move to another cohort of the same course."),
            code="other_course",
            field="to_cohort",
        )
    if target.is_cancelled or now >= schedule.term_ends_at(target):
        raise Conflict(_("That cohort is cancelled or over."), code="cohort_unavailable")
    if target.enrolments.filter(user=enrolment.user, status__in=LIVE_STATUSES).exists():
        raise Conflict(
            _("The student is enrolled in that cohort already."), code="already_enrolled"
        )
    if _seats_taken(target) >= target.capacity:
        raise Conflict(
            _("That cohort is full; raise its capacity or choose another one."),
            code="cohort_full",
        )
    enrolment_transition(
        enrolment=enrolment, to=EnrolmentStatus.CANCELLED, by=by, reason="deferred", now=now
    )
    moved = Enrolment(
        cohort=target,
        user=enrolment.user,
        status=EnrolmentStatus.ACTIVE,
        activated_at=now,
    )
    _with_history(moved, by, f"deferred from cohort {source.pk}")
    moved.save()
    _promote_waitlist(source, now=now)
    return moved


def _notify_promoted(enrolment: Enrolment) -> None:
    from cohorts.notices import waitlist_promotion_notify

    waitlist_promotion_notify(enrolment_id=enrolment.pk)


@transaction.atomic
def cohorts_complete_ended(*, now: dt.datetime | None = None) -> int:
    """Close the term of every cohort that has ended: active enrolments complete, the
    waitlist is cancelled. Idempotent: a finished cohort has nothing left to move."""
    now = now or timezone.now()
    # Filter by date in SQL, then exactly by local end of term. East of UTC a term ends
    # before UTC midnight (Tokyo: 15:00 UTC on the last day), so the last day counts.
    candidates = (
        Cohort.objects.filter(
            ends_on__lte=now.date(),
            status=CohortStatus.SCHEDULED,
            enrolments__status__in=(*SEAT_HOLDING, EnrolmentStatus.WAITLISTED),
        )
        .distinct()
        .order_by("pk")
    )
    moved = 0
    for cohort in candidates:
        if now < schedule.term_ends_at(cohort):
            continue
        for enrolment in cohort.enrolments.select_for_update().filter(
            status__in=(*SEAT_HOLDING, EnrolmentStatus.WAITLISTED)
        ):
            to = (
                EnrolmentStatus.COMPLETED
                if enrolment.status == EnrolmentStatus.ACTIVE
                else EnrolmentStatus.CANCELLED
            )
            enrolment_transition(enrolment=enrolment, to=to, reason="term ended", now=now)
            moved += 1
    return moved
