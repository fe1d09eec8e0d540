"""Orders and deferrals are state machines of the one contract (lms.statemachine): a
move follows the table, saves, records who and why, and is announced on commit; the
seat policy payments registers with cohorts."""

from __future__ import annotations

import datetime as dt

import pytest

from cohorts.seats import seat_policy
from lms.errors import Conflict
from lms.statemachine import MACHINES, status_changed
from payments import services
from payments.models import Deferral, DeferralStatus, Order, OrderStatus
from payments.seats import PaidSeats
from tests.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_orders_and_deferrals_are_declared_machines():
    assert MACHINES["order"].model is Order
    assert MACHINES["deferral"].model is Deferral


def test_payments_registers_its_seat_policy_with_cohorts():
    assert isinstance(seat_policy(), PaidSeats)


def test_an_order_paid_by_staff_records_who_and_why_and_is_announced_on_commit(
    paid_cohort, staff, django_capture_on_commit_callbacks
):
    _, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    moves = []

    def heard(sender, **kwargs):
        moves.append((kwargs["machine"], kwargs["from_status"], kwargs["to_status"]))

    status_changed.connect(heard)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.order_mark_paid(order=order, by=staff)
    finally:
        status_changed.disconnect(heard)
    assert ("order", OrderStatus.PENDING, OrderStatus.PAID) in moves
    latest = Order.objects.get(pk=order.pk).history.first()
    assert latest.status == OrderStatus.PAID and latest.paid_at is not None
    assert latest.history_user == staff and latest.history_change_reason == "invoice paid"


def test_an_order_move_the_table_does_not_list_is_refused_and_nothing_is_saved(paid_cohort):
    _, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    services.order_expire(order=order, reason="hold ended", now=order.hold_expires_at)
    with pytest.raises(Conflict) as refused:
        services.order_transition(order=order, to=OrderStatus.PENDING)
    assert refused.value.code == "invalid_transition"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED


def test_a_deferral_is_answered_once_with_who_and_when(paid_cohort, staff, course):
    later = CohortFactory(course=course, starts_on=paid_cohort.starts_on + dt.timedelta(weeks=10))
    student = UserFactory()
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=student)
    services.order_mark_paid(order=order, by=staff)
    enrolment.refresh_from_db()
    deferral = services.deferral_request(
        enrolment=enrolment, to_cohort=later, reason="A new job", by=student
    )
    services.deferral_decide(deferral=deferral, approve=False, answer="Not this time", by=staff)
    deferral.refresh_from_db()
    assert deferral.status == DeferralStatus.DECLINED and deferral.decided_at is not None
    assert deferral.history.first().history_user == staff
    with pytest.raises(Conflict) as refused:
        services.deferral_decide(deferral=deferral, approve=True, by=staff)
    assert refused.value.code == "deferral_decided"
