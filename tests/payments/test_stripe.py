"""Paying through Stripe, with the real SDK against the local Stripe server: Checkout,
the webhook (signatures, exactly once, any order), instalments with their grace period,
refunds, late payments, and Stripe being unreachable."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from cohorts.models import Enrolment, EnrolmentStatus
from lms.errors import Conflict, ValidationFailed
from payments import selectors, services
from payments.models import (
    Order,
    OrderStatus,
    Payment,
    Provider,
    Refund,
    StripeCustomer,
    WebhookEvent,
)
from payments.stripe_gateway import PaymentServiceDown
from tests.assertions import without_welcomes
from tests.factories import UserFactory
from tests.payments.conftest import deliver

pytestmark = pytest.mark.django_db


def start(cohort, user=None, **kwargs):
    user = user or UserFactory()
    enrolment, order = services.paid_enrolment_start(cohort=cohort, user=user, **kwargs)
    url = services.checkout_start(order=order, base_url="https://lms.example")
    order.refresh_from_db()
    return enrolment, order, url


def paid_session(fake, order, *, paid=True):
    return fake.complete_checkout(order.checkout_session, paid=paid)


# --- Checkout --------------------------------------------------------------------------


def test_a_paid_seat_is_held_and_the_student_sent_to_stripe_checkout(stripe_on, paid_cohort):
    student = UserFactory(email="sam@example.com", language="nl")
    enrolment, order, url = start(paid_cohort, student)
    assert enrolment.status == EnrolmentStatus.PENDING_PAYMENT
    assert order.provider == Provider.STRIPE and order.status == OrderStatus.PENDING
    assert url == order.checkout_url and url.startswith("https://checkout.stripe")
    session = stripe_on.get(order.checkout_session)
    assert session["mode"] == "payment" and session["amount_total"] == 49_500
    assert session["metadata"] == {"order_id": str(order.pk)}
    assert session["customer"] == StripeCustomer.objects.get(user=student).customer_id
    assert session["success_url"].endswith(f"/payments/orders/{order.pk}/?paid=1")
    # The hold is at least Stripe's 30 minutes; the session is closed at Stripe when it
    # ends (see the hold tests below).
    assert order.hold_expires_at - order.created_at > dt.timedelta(minutes=29, seconds=59)
    posts = stripe_on.requests_to("POST", "/v1/checkout/sessions")
    assert [r.idempotency_key for r in posts] == [f"order-{order.pk}-checkout"]


def test_asking_for_the_payment_page_again_reuses_the_session(stripe_on, paid_cohort):
    _, order, url = start(paid_cohort)
    order.checkout_url = ""  # as if the first answer was lost on the way back
    order.save()
    again = services.checkout_start(order=order, base_url="https://lms.example")
    assert again == url
    posts = stripe_on.requests_to("POST", "/v1/checkout/sessions")
    assert len(posts) == 2 and len({r.idempotency_key for r in posts}) == 1
    assert len(stripe_on.all("checkout.session")) == 1


def test_the_coupon_is_applied_in_checkout(stripe_on, paid_cohort):
    from payments.models import Coupon

    Coupon.objects.create(code="FRIENDS", percent_off=20)
    _, order, _ = start(paid_cohort, coupon_code="friends")
    session = stripe_on.get(order.checkout_session)
    assert order.total_amount == session["amount_total"] == 39_600


def test_stripe_unreachable_keeps_the_hold_and_says_try_again(settings, paid_cohort):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    _, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    with pytest.raises(PaymentServiceDown, match="try again"):
        services.checkout_start(order=order, base_url="https://lms.example")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not order.checkout_session
    assert Enrolment.objects.get().status == EnrolmentStatus.PENDING_PAYMENT


# --- The webhook -----------------------------------------------------------------------


def test_a_completed_checkout_activates_the_seat_and_sends_a_receipt(
    stripe_on, paid_cohort, client, django_capture_on_commit_callbacks
):
    enrolment, order, _ = start(paid_cohort)
    session = paid_session(stripe_on, order)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, stripe_on, "checkout.session.completed", session)
    assert response.status_code == 200
    assert response.json()["outcome"] == "paid: seat confirmed"
    order.refresh_from_db()
    enrolment.refresh_from_db()
    assert order.status == OrderStatus.PAID and enrolment.status == EnrolmentStatus.ACTIVE
    assert order.payment_intent == session["payment_intent"]
    payment = Payment.objects.get()
    assert payment.amount == 49_500 and payment.recorded_by.startswith("Stripe event evt_")
    assert "received" in without_welcomes(mail.outbox)[-1].subject.lower()
    assert order.history.first().history_change_reason.startswith("paid (Stripe event")


def test_a_duplicate_event_gets_200_and_changes_nothing(stripe_on, paid_cohort, client):
    _, order, _ = start(paid_cohort)
    event = stripe_on.event("checkout.session.completed", paid_session(stripe_on, order))
    first = deliver(client, stripe_on, "", None, event=event)
    second = deliver(client, stripe_on, "", None, event=event)
    assert first.status_code == second.status_code == 200
    assert second.json()["outcome"] == "duplicate"
    assert WebhookEvent.objects.count() == 1 and Payment.objects.count() == 1
    assert Order.objects.get().history.count() == 4  # opened, checkout started, ids, paid


@pytest.mark.parametrize("signature", ["", "t=1,v1=deadbeef", "wrong secret"])
def test_a_bad_or_missing_signature_gets_400_and_changes_nothing(
    stripe_on, paid_cohort, client, signature
):
    _, order, _ = start(paid_cohort)
    session = paid_session(stripe_on, order)
    if signature == "wrong secret":
        response = deliver(client, stripe_on, "checkout.session.completed", session, secret="x")
    else:
        import json

        payload = json.dumps(stripe_on.event("checkout.session.completed", session))
        response = client.post(
            "/payments/stripe/webhook/",
            payload,
            content_type="application/json",
            **({"HTTP_STRIPE_SIGNATURE": signature} if signature else {}),
        )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert Order.objects.get().status == OrderStatus.PENDING


def test_an_event_we_do_not_handle_is_acknowledged(stripe_on, client, db):
    response = deliver(client, stripe_on, "customer.updated", {"id": "cus_1", "object": "customer"})
    assert response.status_code == 200 and response.json()["outcome"] == "not handled"
    response = deliver(
        client, stripe_on, "checkout.session.completed", {"id": "cs_1", "metadata": {}}
    )
    assert response.status_code == 200 and response.json()["outcome"] == "no order of ours"


def test_an_expired_checkout_releases_the_seat_to_the_waitlist(
    stripe_on, paid_cohort, client, django_capture_on_commit_callbacks
):
    paid_cohort.capacity = 1
    paid_cohort.save()
    _, order, _ = start(paid_cohort)
    waiting, _ = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    assert waiting.status == EnrolmentStatus.WAITLISTED
    session = stripe_on.expire_checkout(order.checkout_session)
    deliver(client, stripe_on, "checkout.session.expired", session)
    order.refresh_from_db()
    waiting.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert waiting.status == EnrolmentStatus.PENDING_PAYMENT  # their turn to pay
    assert Order.objects.get(enrolment=waiting).status == OrderStatus.PENDING


def test_a_bank_debit_holds_the_seat_until_it_clears_or_fails(stripe_on, paid_cohort, client):
    enrolment, order, _ = start(paid_cohort)
    session = paid_session(stripe_on, order, paid=False)
    response = deliver(client, stripe_on, "checkout.session.completed", session)
    assert response.json()["outcome"] == "payment processing: seat held"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert order.hold_expires_at > timezone.now() + dt.timedelta(days=6)
    succeeded = stripe_on.settle_async_payment(session["id"])
    deliver(client, stripe_on, "checkout.session.async_payment_succeeded", succeeded)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE

    other_enrolment, other, _ = start(paid_cohort)
    failed = paid_session(stripe_on, other, paid=False)
    deliver(client, stripe_on, "checkout.session.completed", failed)
    failed = stripe_on.settle_async_payment(failed["id"], succeeded=False)
    deliver(client, stripe_on, "checkout.session.async_payment_failed", failed)
    other.refresh_from_db()
    other_enrolment.refresh_from_db()
    assert other.status == OrderStatus.CANCELLED
    assert other_enrolment.status == EnrolmentStatus.CANCELLED


# --- Holds and late payments -----------------------------------------------------------


def test_a_hold_that_runs_out_closes_the_session_at_stripe_first(stripe_on, paid_cohort):
    enrolment, order, _ = start(paid_cohort)
    later = order.hold_expires_at + dt.timedelta(seconds=1)
    assert services.payment_holds_expire(now=later) == 1
    assert stripe_on.get(order.checkout_session)["status"] == "expired"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED


def test_a_session_paid_just_before_the_hold_ran_out_counts(stripe_on, paid_cohort):
    enrolment, order, _ = start(paid_cohort)
    paid_session(stripe_on, order)  # the webhook is still on its way
    later = order.hold_expires_at + dt.timedelta(seconds=1)
    assert services.payment_holds_expire(now=later) == 0
    enrolment.refresh_from_db()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and enrolment.status == EnrolmentStatus.ACTIVE


def test_money_after_the_hold_takes_a_free_seat_or_goes_back(
    stripe_on, paid_cohort, client, django_capture_on_commit_callbacks
):
    paid_cohort.capacity = 1
    paid_cohort.save()
    _, late, _ = start(paid_cohort)
    session = paid_session(stripe_on, late, paid=False)  # a slow bank debit
    with transaction.atomic():  # its hold ends before the bank confirms
        locked = Order.objects.select_for_update().get(pk=late.pk)
        services.order_expire(order=locked, reason="hold ended", now=timezone.now())
    _, other, _ = start(paid_cohort)  # the seat went to someone else
    deliver(client, stripe_on, "checkout.session.completed", paid_session(stripe_on, other))
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            client,
            stripe_on,
            "checkout.session.async_payment_succeeded",
            stripe_on.settle_async_payment(session["id"]),
        )
    assert response.json()["outcome"] == "paid late: cohort full, refund started"
    late.refresh_from_db()
    assert late.status == OrderStatus.REFUNDED and late.refunded_amount == 49_500
    refund = Refund.objects.get(order=late)
    assert refund.recorded_by == "automatic"
    assert stripe_on.get(refund.provider_reference)["amount"] == 49_500
    # Seats add up: one paid seat, the late payer is not enrolled.
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() == 1


# --- Instalments -----------------------------------------------------------------------


def _next_invoice(fake, first: dict, number: int, *, paid: bool = True) -> dict:
    invoice = copy.deepcopy(first)
    invoice.update(
        id=f"{first['id']}_{number}",
        billing_reason="subscription_cycle",
        amount_paid=first["amount_due"] if paid else 0,
        status="paid" if paid else "open",
    )
    return invoice


def test_instalments_run_through_a_subscription_and_stop_when_paid(
    stripe_on, paid_cohort, client, django_capture_on_commit_callbacks
):
    paid_cohort.price.early_bird_amount = None
    paid_cohort.price.amount = 50_000  # 3 parts: 166,68 + 166,66 + 166,66
    paid_cohort.price.save()
    enrolment, order, _ = start(paid_cohort, instalments=3)
    session = stripe_on.get(order.checkout_session)
    assert session["mode"] == "subscription" and session["amount_total"] == 16_668
    completed = paid_session(stripe_on, order)
    first = stripe_on.get(completed["invoice"])
    # invoice.paid may arrive before checkout.session.completed: it confirms just the same.
    assert deliver(client, stripe_on, "invoice.paid", first).json()["outcome"] == (
        "paid: seat confirmed"
    )
    assert deliver(client, stripe_on, "checkout.session.completed", completed).json()[
        "outcome"
    ] == ("payment recorded already")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    second = _next_invoice(stripe_on, first, 2)
    second["amount_paid"] = 16_666
    deliver(client, stripe_on, "invoice.paid", second)
    third = _next_invoice(stripe_on, first, 3)
    third["amount_paid"] = 16_666
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, stripe_on, "invoice.paid", third)
    assert response.json()["outcome"] == "instalment 3 of 3 paid"
    order.refresh_from_db()
    assert order.instalments_paid == 3
    assert sum(p.amount for p in order.payments.all()) == order.total_amount == 50_000
    assert stripe_on.get(order.subscription)["status"] == "canceled"


def test_a_plan_whose_stop_was_lost_is_stopped_by_the_sweep(stripe_on, paid_cohort, client):
    """The task that stops the subscription after the last instalment never runs (its
    message lost with a worker): the order says a call is due, and the minute sweep
    makes it, once."""
    paid_cohort.price.early_bird_amount = None
    paid_cohort.price.amount = 50_000  # 3 parts: 166,68 + 166,66 + 166,66
    paid_cohort.price.save()
    _enrolment, order, _ = start(paid_cohort, instalments=3)
    completed = paid_session(stripe_on, order)
    first = stripe_on.get(completed["invoice"])
    deliver(client, stripe_on, "invoice.paid", first)
    for number in (2, 3):
        later = _next_invoice(stripe_on, first, number)
        later["amount_paid"] = 16_666
        deliver(client, stripe_on, "invoice.paid", later)  # no on-commit callback runs
    order.refresh_from_db()
    assert order.instalments_paid == 3 and order.provider_action == "end_plan"
    assert stripe_on.get(order.subscription)["status"] != "canceled"
    assert services.provider_actions_resume() == 0  # not stale yet: its task may still run
    later = timezone.now() + dt.timedelta(minutes=5)
    assert services.provider_actions_resume(now=later) == 1  # eager here: runs at once
    order.refresh_from_db()
    assert stripe_on.get(order.subscription)["status"] == "canceled"
    assert order.provider_action == ""
    assert services.provider_actions_resume(now=later) == 0


def test_a_failed_instalment_pauses_access_after_the_grace_period_and_payment_restores_it(
    stripe_on, paid_cohort, client, settings, django_capture_on_commit_callbacks
):
    settings.LMS_PAYMENT_GRACE_DAYS = 7
    enrolment, order, _ = start(paid_cohort, instalments=3)
    completed = paid_session(stripe_on, order)
    deliver(client, stripe_on, "checkout.session.completed", completed)
    first = stripe_on.get(completed["invoice"])
    failed = _next_invoice(stripe_on, first, 2, paid=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, stripe_on, "invoice.payment_failed", failed)
    assert response.json()["outcome"] == "instalment failed: grace period"
    assert "did not go through" in without_welcomes(mail.outbox)[-1].subject
    now = timezone.now()
    assert services.instalments_suspend_overdue(now=now + dt.timedelta(days=6)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.instalments_suspend_overdue(now=now + dt.timedelta(days=8)) == 1
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.SUSPENDED and not enrolment.gives_access
    assert "paused" in without_welcomes(mail.outbox)[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, stripe_on, "invoice.paid", dict(failed, amount_paid=16_500))
    enrolment.refresh_from_db()
    order.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE and order.failing_since is None
    assert "back" in without_welcomes(mail.outbox)[-1].subject


def test_a_plan_stripe_gave_up_on_pauses_access(stripe_on, paid_cohort, client):
    enrolment, order, _ = start(paid_cohort, instalments=3)
    completed = paid_session(stripe_on, order)
    deliver(client, stripe_on, "checkout.session.completed", completed)
    subscription = stripe_on.get(completed["subscription"])
    response = deliver(client, stripe_on, "customer.subscription.deleted", subscription)
    assert response.json()["outcome"] == "plan ended unpaid: access paused"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.SUSPENDED


# --- Refunds ---------------------------------------------------------------------------


def _paid(stripe_on, client, cohort, user=None):
    enrolment, order, _ = start(cohort, user)
    deliver(client, stripe_on, "checkout.session.completed", paid_session(stripe_on, order))
    order.refresh_from_db()
    return enrolment, order


def test_staff_refund_in_full_cancels_the_enrolment_and_frees_the_seat(
    stripe_on, paid_cohort, client, staff, django_capture_on_commit_callbacks
):
    paid_cohort.capacity = 1
    paid_cohort.save()
    enrolment, order = _paid(stripe_on, client, paid_cohort)
    waiting, _ = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        refund = services.order_refund(order=order, by=staff, reason="Changed jobs")
    order.refresh_from_db()
    enrolment.refresh_from_db()
    waiting.refresh_from_db()
    assert refund.amount == 49_500 and refund.by == staff
    assert order.status == OrderStatus.REFUNDED and order.refunded_amount == 49_500
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert waiting.status == EnrolmentStatus.PENDING_PAYMENT
    post = stripe_on.requests_to("POST", "/v1/refunds")[0]
    assert post.idempotency_key == f"order-{order.pk}-refund-0-49500"
    assert "Refund" in without_welcomes(mail.outbox)[-1].subject
    # Stripe echoes the refund back as charge.refunded: recorded once only.
    charge = stripe_on.get(stripe_on.get(order.payment_intent)["latest_charge"])
    response = deliver(client, stripe_on, "charge.refunded", charge)
    assert response.json()["outcome"] == "refund recorded already"
    assert Refund.objects.count() == 1


def test_a_partial_refund_and_the_refund_policy(stripe_on, paid_cohort, client, staff):
    _, order = _paid(stripe_on, client, paid_cohort)
    with pytest.raises(ValidationFailed, match="reason"):
        services.order_refund(order=order, by=staff, reason=" ")
    with pytest.raises(ValidationFailed, match="between"):
        services.order_refund(order=order, by=staff, reason="x", amount=60_000)
    late = selectors.refund_policy_ends_at(cohort=order.enrolment.cohort) + dt.timedelta(days=1)
    with pytest.raises(Conflict, match="refund period"):
        services.order_refund(order=order, by=staff, reason="x", now=late)
    assert not Refund.objects.exists() and not stripe_on.requests_to("POST", "/v1/refunds")
    refund = services.order_refund(
        order=order, by=staff, reason="Goodwill", amount=10_000, outside_policy=True, now=late
    )
    order.refresh_from_db()
    assert refund.outside_policy and order.refunded_amount == 10_000
    assert order.status == OrderStatus.PAID  # part of the money went back


def test_a_pending_order_cannot_be_refunded(stripe_on, paid_cohort, staff):
    _, order, _ = start(paid_cohort)
    with pytest.raises(Conflict, match="Only a paid order"):
        services.order_refund(order=order, by=staff, reason="x")


def test_a_refund_made_in_stripe_is_recorded_and_releases_the_seat(stripe_on, paid_cohort, client):
    import stripe

    enrolment, order = _paid(stripe_on, client, paid_cohort)
    stripe.Refund.create(payment_intent=order.payment_intent)  # in Stripe's dashboard
    charge = stripe_on.get(stripe_on.get(order.payment_intent)["latest_charge"])
    response = deliver(client, stripe_on, "charge.refunded", charge)
    assert response.json()["outcome"] == "refunded in full: seat released"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert Refund.objects.get().recorded_by == "Stripe"


# --- Webhook cost ----------------------------------------------------------------------


@pytest.mark.parametrize("orders", [1, 12])
def test_the_webhook_costs_a_fixed_number_of_queries(
    stripe_on, paid_cohort, client, orders, django_assert_max_num_queries
):
    paid_cohort.capacity = 40
    paid_cohort.save()
    for _ in range(orders - 1):
        _paid(stripe_on, client, paid_cohort)
    _, order, _ = start(paid_cohort)
    session = paid_session(stripe_on, order)
    event = stripe_on.event("checkout.session.completed", session)
    with django_assert_max_num_queries(24):
        assert deliver(client, stripe_on, "", None, event=event).status_code == 200
    with django_assert_max_num_queries(6):
        assert deliver(client, stripe_on, "", None, event=event).json()["outcome"] == "duplicate"


def test_paying_for_a_seat_given_up_meanwhile_takes_it_back_if_free(stripe_on, paid_cohort, client):
    from cohorts.services import enrolment_leave

    enrolment, order, _ = start(paid_cohort)
    session = paid_session(stripe_on, order)
    enrolment_leave(enrolment=enrolment, by=order.user)  # left in another tab
    response = deliver(client, stripe_on, "checkout.session.completed", session)
    assert response.json()["outcome"] == "paid late: seat still free, confirmed"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.enrolment.status == EnrolmentStatus.ACTIVE
