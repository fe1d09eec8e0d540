"""Races in paying, on PostgreSQL with real concurrent connections: money and seats
always add up."""

from __future__ import annotations

import copy
import json

import pytest
from django.core import mail

from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import DomainError
from payments import services, webhooks
from payments.models import Order, OrderStatus, Payment, Refund, WebhookEvent
from tests.concurrency import race
from tests.factories import UserFactory
from tests.stripe_fake.server import fixture, new_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _event(fake, event_type, obj):
    # What the webhook view hands over: the event as plain JSON.
    return json.loads(json.dumps(fake.event(event_type, obj), default=str))


def _start(cohort, user=None, **kwargs):
    enrolment, order = services.paid_enrolment_start(
        cohort=cohort, user=user or UserFactory(), **kwargs
    )
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


# --- Two different events for one order at once -----------------------------------------
#
# Each handler reads the order, changes it and saves it whole. Without the order's row
# lock the second save writes back the order as it was before the first committed.


def _next_invoice(first: dict, number: int, amount: int) -> dict:
    """The invoice Stripe makes for instalment ``number`` of the plan."""
    invoice = copy.deepcopy(first)
    invoice.update(
        id=f"{first['id']}_{number}",
        billing_reason="subscription_cycle",
        amount_due=amount,
        amount_paid=amount,
        status="paid",
    )
    return invoice


def _refunded_charge(order, amount: int) -> dict:
    """A charge of the order refunded in full in Stripe's dashboard, as charge.refunded
    carries it (our order id in its metadata)."""
    charge = fixture("charge")
    charge.update(
        id=new_id("ch"),
        amount=amount,
        amount_captured=amount,
        amount_refunded=amount,
        currency=order.currency.lower(),
        metadata={"order_id": str(order.pk)},
        payment_intent=new_id("pi"),
        refunded=True,
        status="succeeded",
    )
    refund = dict(fixture("refund"), id=new_id("re"), amount=amount, charge=charge["id"])
    charge["refunds"] = {"object": "list", "data": [refund], "has_more": False}
    return charge


def test_checkout_completed_and_the_first_invoice_paid_at_once_confirm_the_order_once(
    stripe_on, paid_cohort
):
    enrolment, order = _start(paid_cohort, instalments=3)
    completed = stripe_on.complete_checkout(order.checkout_session)
    first_invoice = stripe_on.get(completed["invoice"])
    events = [
        _event(stripe_on, "checkout.session.completed", completed),
        _event(stripe_on, "invoice.paid", first_invoice),
    ]

    results = race([lambda e=e: webhooks.stripe_event_receive(event=e) for e in events])

    # One of them confirmed the payment, the other found it recorded.
    assert sorted(results) == ["paid: seat confirmed", "payment recorded already"], results
    order.refresh_from_db()
    enrolment.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert order.instalments_paid == 1
    # What each event taught us about the order is kept: none overwrote the other.
    assert order.checkout_session == completed["id"]
    assert order.subscription == completed["subscription"]
    payments = list(Payment.objects.filter(order=order).values_list("amount", "provider_reference"))
    assert payments == [(16_500, completed["invoice"])]
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert WebhookEvent.objects.filter(order=order).count() == 2


def test_a_refund_in_stripe_and_the_next_instalment_at_once_leave_money_and_seat_consistent(
    stripe_on, paid_cohort
):
    enrolment, order = _start(paid_cohort, instalments=3)
    completed = stripe_on.complete_checkout(order.checkout_session)
    webhooks.stripe_event_receive(event=_event(stripe_on, "checkout.session.completed", completed))
    order.refresh_from_db()
    assert (order.status, order.instalments_paid) == (OrderStatus.PAID, 1)
    second = _next_invoice(stripe_on.get(completed["invoice"]), 2, 16_500)
    events = [
        _event(stripe_on, "charge.refunded", _refunded_charge(order, 16_500)),
        _event(stripe_on, "invoice.paid", second),
    ]

    refunded, paid = race([lambda e=e: webhooks.stripe_event_receive(event=e) for e in events])

    order.refresh_from_db()
    enrolment.refresh_from_db()
    # Both events are recorded whichever came first: two instalments in, the first out.
    assert paid == "instalment 2 of 3 paid", paid
    references = Payment.objects.filter(order=order).values_list("provider_reference", flat=True)
    assert sorted(references) == sorted([completed["invoice"], second["id"]])
    assert order.instalments_paid == 2
    assert list(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [16_500]
    assert order.refunded_amount == 16_500
    if refunded == "refunded in full: seat released":
        # The refund came first: all that was paid then went back, the seat with it.
        assert order.status == OrderStatus.REFUNDED
        assert enrolment.status == EnrolmentStatus.CANCELLED
    else:
        # The instalment came first: half of what was paid went back, the seat stays.
        assert refunded == "partly refunded", refunded
        assert order.status == OrderStatus.PAID
        assert enrolment.status == EnrolmentStatus.ACTIVE
