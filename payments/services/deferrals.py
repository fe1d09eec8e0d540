"""Moving a paid seat to a later cohort of the same course."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts import schedule
from cohorts.models import Cohort, Enrolment, EnrolmentStatus
from cohorts.services import cohort_seat_sale_check, enrolment_transfer
from lms.errors import Conflict, NotAllowed, ValidationFailed
from lms.models import User
from payments import notices, selectors
from payments.models import DEFERRAL_MACHINE, Deferral, DeferralStatus, Order


@transaction.atomic
def deferral_request(
    *, enrolment: Enrolment, to_cohort: Cohort, reason: str, by: User, now=None
) -> Deferral:
    """A student asks to move their seat to a later cohort of the same course."""
    now = now or timezone.now()
    if enrolment.user_id != by.pk:
        raise NotAllowed(_("You can only move your own seat."), code="not_yours")
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise Conflict(
            _("Only an active seat can be moved to another cohort."), code="not_enrolled"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Tell us briefly why you want to move."), code="reason_required", field="reason"
        )
    cohort_seat_sale_check(cohort=to_cohort)
    cohort = enrolment.cohort
    if (
        to_cohort.course_id != cohort.course_id
        or to_cohort.starts_on <= cohort.starts_on
        or to_cohort.is_cancelled
        or now >= schedule.term_ends_at(to_cohort)
    ):
        raise ValidationFailed(
            _("Choose a later cohort of the same course."), code="not_later", field="to_cohort"
        )
    deferral = Deferral(enrolment=enrolment, to_cohort=to_cohort, reason=reason)
    deferral._history_user, deferral._change_reason = by, "requested"
    try:
        with transaction.atomic():
            deferral.save()
    except IntegrityError as exc:
        raise Conflict(
            _("You asked to move this seat already; staff will answer soon."),
            code="deferral_pending",
        ) from exc
    notices.deferral_notify(deferral_id=deferral.pk)
    return deferral


@transaction.atomic
def deferral_decide(
    *, deferral: Deferral, approve: bool, by: User, answer: str = "", now=None
) -> Deferral:
    """Staff approve (the seat moves, no new payment: the orders move with it) or
    decline (with an answer)."""
    now = now or timezone.now()
    if not selectors.user_can_manage_orders(by):
        raise NotAllowed(_("Only staff decide on deferrals."), code="not_staff")
    deferral = Deferral.objects.select_for_update().get(pk=deferral.pk)
    to = DeferralStatus.APPROVED if approve else DeferralStatus.DECLINED
    # Checked before anything moves: a second answer changes no seat.
    DEFERRAL_MACHINE.check(deferral, to)
    if not approve and not answer.strip():
        raise ValidationFailed(
            _("Tell the student why the request is declined."),
            code="answer_required",
            field="answer",
        )
    if approve:
        moved = enrolment_transfer(
            enrolment=deferral.enrolment, to_cohort=deferral.to_cohort, by=by, now=now
        )
        for order in Order.objects.select_for_update().filter(enrolment=deferral.enrolment):
            order.enrolment = moved
            order._history_user, order._change_reason = by, f"deferred (request {deferral.pk})"
            order.save()
    deferral.answer, deferral.decided_by = answer.strip(), by
    DEFERRAL_MACHINE.move(deferral, to, by=by, reason=to, now=now)
    notices.deferral_notify(deferral_id=deferral.pk)
    return deferral
