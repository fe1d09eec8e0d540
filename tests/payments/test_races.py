"""Races in paying, on PostgreSQL with real concurrent connections: money and seats
always add up."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import DomainError
from payments import services, webhooks
from payments.models import Order, OrderStatus, Payment, Refund, WebhookEvent
from tests.concurrency import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _event(fake, event_type, obj):
    # What the webhook view hands over: the event as plain JSON.
    return json.loads(json.dumps(fake.event(event_type, obj), default=str))


def _start(cohort, user=None):
    enrolment, order = services.paid_enrolment_start(cohort=cohort, user=user or UserFactory())
    if order is not None:
        services.checkout_start(order=order, base_url="https://lms.example")
        order.refresh_from_db()
    return enrolment, order


def _money_in(order) -> int:
    return sum(Payment.objects.filter(order=order).values_list("amount", flat=True))


def test_two_students_enrolling_for_the_last_paid_seat_get_one_hold_and_one_waitlist(
    stripe_on, paid_cohort
):
    paid_cohort.capacity = 1
    paid_cohort.save()
    a, b = UserFactory(), UserFactory()
    results = race(
        [
            lambda: services.paid_enrolment_start(cohort=paid_cohort, user=a),
            lambda: services.paid_enrolment_start(cohort=paid_cohort, user=b),
        ]
    )
    statuses = sorted(r[0].status for r in results)
    assert statuses == [EnrolmentStatus.PENDING_PAYMENT, EnrolmentStatus.WAITLISTED]
    assert Order.objects.count() == 1  # only the seat holder pays


def test_a_late_payment_and_the_next_students_payment_at_once_one_seat_one_refund(
    stripe_on, paid_cohort
):
    paid_cohort.capacity = 1
    paid_cohort.save()
    _, late = _start(paid_cohort)
    waiting, _ = _start(paid_cohort)
    assert waiting.status == EnrolmentStatus.WAITLISTED
    late_session = stripe_on.complete_checkout(late.checkout_session)  # paid at Stripe...
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():  # ...but the hold ended here before the webhook came
        services.order_expire(
            order=Order.objects.select_for_update().get(pk=late.pk),
            reason="hold ended",
            now=timezone.now(),
        )
    next_enrolment = Enrolment.objects.get(status=EnrolmentStatus.PENDING_PAYMENT)
    nxt = Order.objects.get(enrolment=next_enrolment, status=OrderStatus.PENDING)
    services.checkout_start(order=nxt, base_url="https://lms.example")
    nxt.refresh_from_db()
    next_session = stripe_on.complete_checkout(nxt.checkout_session)

    events = [
        _event(stripe_on, "checkout.session.completed", late_session),
        _event(stripe_on, "checkout.session.completed", next_session),
    ]
    results = race([lambda e=e: webhooks.stripe_event_receive(event=e) for e in events])
    assert not [r for r in results if isinstance(r, Exception)], results

    active = Enrolment.objects.filter(status__in=[EnrolmentStatus.ACTIVE])
    assert active.count() == 1  # never more seats than the cohort has
    late.refresh_from_db()
    nxt.refresh_from_db()
    # Whoever was not seated gets all of their money back; the seated one paid in full.
    net = {o.pk: _money_in(o) - o.refunded_amount for o in (late, nxt)}
    seated = Order.objects.get(enrolment__in=active)
    assert net[seated.pk] == 49_500
    assert sum(net.values()) == 49_500


def test_a_webhook_delivered_twice_at_once_is_handled_once(stripe_on, paid_cohort):
    enrolment, order = _start(paid_cohort)
    event = _event(
        stripe_on, "checkout.session.completed", stripe_on.complete_checkout(order.checkout_session)
    )
    results = race([lambda: webhooks.stripe_event_receive(event=event) for _ in range(4)])
    assert sorted(results).count("duplicate") == 3, results
    assert WebhookEvent.objects.count() == 1 and Payment.objects.count() == 1
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert len([m for m in mail.outbox if "received" in m.subject.lower()]) == 1


def test_a_refund_racing_the_payment_leaves_money_and_seat_consistent(
    stripe_on, paid_cohort, staff
):
    enrolment, order = _start(paid_cohort)
    event = _event(
        stripe_on, "checkout.session.completed", stripe_on.complete_checkout(order.checkout_session)
    )
    results = race(
        [
            lambda: webhooks.stripe_event_receive(event=event),
            lambda: services.order_refund(order=order, by=staff, reason="Asked at once"),
        ]
    )
    order.refresh_from_db()
    enrolment.refresh_from_db()
    refunded = Refund.objects.filter(order=order).count()
    if isinstance(results[1], DomainError):  # the refund came first: nothing to refund yet
        assert refunded == 0 and order.status == OrderStatus.PAID
        assert enrolment.status == EnrolmentStatus.ACTIVE
    else:  # the payment came first, then the refund
        assert refunded == 1 and order.status == OrderStatus.REFUNDED
        assert enrolment.status == EnrolmentStatus.CANCELLED
    assert _money_in(order) - order.refunded_amount == (
        49_500 if enrolment.status == EnrolmentStatus.ACTIVE else 0
    )


def test_two_refunds_at_once_refund_once(stripe_on, paid_cohort, staff):
    _, order = _start(paid_cohort)
    webhooks.stripe_event_receive(
        event=_event(
            stripe_on,
            "checkout.session.completed",
            stripe_on.complete_checkout(order.checkout_session),
        )
    )
    results = race(
        [lambda: services.order_refund(order=order, by=staff, reason="Twice") for _ in range(2)]
    )
    assert len([r for r in results if isinstance(r, Refund)]) == 1, results
    assert len(stripe_on.requests_to("POST", "/v1/refunds", replays=False)) == 1
    order.refresh_from_db()
    assert order.refunded_amount == 49_500 == _money_in(order)
