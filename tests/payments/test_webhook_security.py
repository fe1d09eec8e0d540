"""The webhook refuses what Stripe did not send or cannot mean: no signing secret, a
payload signed with an empty key, money that does not match the order, and events of
a shape we do not understand. Nothing is written on a refusal."""

from __future__ import annotations

import datetime as dt
import json
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from cohorts.models import EnrolmentStatus
from payments import services
from payments.models import CohortPrice, OrderStatus, Payment, WebhookEvent
from tests.factories import UserFactory
from tests.payments.conftest import WEBHOOK_SECRET, deliver
from tests.stripe_fake.server import sign_webhook

pytestmark = pytest.mark.django_db

SETTINGS = Path(__file__).resolve().parents[2] / "lms" / "settings.py"


def start(cohort, user=None, **kwargs):
    enrolment, order = services.paid_enrolment_start(
        cohort=cohort, user=user or UserFactory(), **kwargs
    )
    services.checkout_start(order=order, base_url="https://lms.example")
    order.refresh_from_db()
    return enrolment, order


def post_raw(client, payload: str, secret: str):
    return client.post(
        "/payments/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_webhook(payload, secret),
    )


def assert_nothing_paid(order, enrolment):
    order.refresh_from_db()
    enrolment.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert enrolment.status == EnrolmentStatus.PENDING_PAYMENT
    assert not Payment.objects.exists()


# --- No secret, empty keys -------------------------------------------------------------


def test_stripe_keys_without_a_webhook_secret_refuse_to_start(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_something")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "")
    with pytest.raises(ImproperlyConfigured, match="set STRIPE_WEBHOOK_SECRET"):
        runpy.run_path(str(SETTINGS))
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    assert runpy.run_path(str(SETTINGS))["STRIPE_WEBHOOK_SECRET"] == "whsec_x"


def test_without_a_webhook_secret_every_event_is_refused(stripe_on, paid_cohort, client, settings):
    enrolment, order = start(paid_cohort)
    session = stripe_on.complete_checkout(order.checkout_session)
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = json.dumps(stripe_on.event("checkout.session.completed", session))
    response = post_raw(client, payload, "")
    assert response.status_code == 400
    assert "STRIPE_WEBHOOK_SECRET" in response.content.decode()
    assert not WebhookEvent.objects.exists()
    assert_nothing_paid(order, enrolment)


def test_a_payload_signed_with_an_empty_key_is_refused(stripe_on, paid_cohort, client):
    enrolment, order = start(paid_cohort)
    session = stripe_on.complete_checkout(order.checkout_session)
    session["amount_total"] = 1
    payload = json.dumps(stripe_on.event("checkout.session.completed", session))
    response = post_raw(client, payload, "")
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert_nothing_paid(order, enrolment)


# --- Money that does not match the order -----------------------------------------------


def test_a_forged_amount_does_not_pay_the_order_and_is_shown_to_staff(
    stripe_on, paid_cohort, client, staff
):
    enrolment, order = start(paid_cohort)
    session = stripe_on.complete_checkout(order.checkout_session)
    session["amount_total"] = 1
    response = deliver(client, stripe_on, "checkout.session.completed", session)
    assert response.status_code == 200
    assert response.json()["outcome"].startswith("payment did not match, left for staff")
    assert_nothing_paid(order, enrolment)
    assert "0.01 EUR" in order.payment_problem and "495.00 EUR" in order.payment_problem
    assert WebhookEvent.objects.get().outcome.startswith("payment did not match")
    # Real money came in: the seat is not released behind staff's back when the hold ends.
    later = order.hold_expires_at + dt.timedelta(seconds=1)
    assert services.payment_holds_expire(now=later) == 0
    assert_nothing_paid(order, enrolment)
    client.force_login(staff)
    html = client.get(reverse("payments:staff_cohort", args=[paid_cohort.pk])).content.decode()
    assert "A payment needs checking" in html and "this order expects 495.00 EUR" in html
    html = client.get(reverse("payments:staff_overview")).content.decode()
    assert "this order expects 495.00 EUR" in html


def test_a_stripe_event_cannot_pay_an_order_invoiced_by_transfer(stripe_on, paid_cohort, client):
    CohortPrice.objects.filter(cohort=paid_cohort).update(payment_method="invoice")
    enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    assert order.provider == "manual"
    forged = {
        "id": "cs_forged",
        "object": "checkout.session",
        "metadata": {"order_id": str(order.pk)},
        "payment_status": "paid",
        "amount_total": order.total_amount,
        "currency": "eur",
        "payment_intent": "pi_forged",
    }
    response = deliver(client, stripe_on, "checkout.session.completed", forged)
    assert response.status_code == 200
    assert "paid through “Invoice”" in response.json()["outcome"]
    assert_nothing_paid(order, enrolment)


def test_a_payment_in_another_currency_does_not_pay_the_order(stripe_on, paid_cohort, client):
    enrolment, order = start(paid_cohort)
    session = stripe_on.complete_checkout(order.checkout_session)
    session["currency"] = "usd"
    response = deliver(client, stripe_on, "checkout.session.completed", session)
    assert "in USD; the order is in EUR" in response.json()["outcome"]
    assert_nothing_paid(order, enrolment)


def test_an_instalment_of_the_wrong_amount_is_not_counted(stripe_on, paid_cohort, client):
    _, order = start(paid_cohort, instalments=3)
    completed = stripe_on.complete_checkout(order.checkout_session)
    assert deliver(client, stripe_on, "checkout.session.completed", completed).json()[
        "outcome"
    ] == ("paid: seat confirmed")
    first = stripe_on.get(completed["invoice"])
    second = dict(first, id=f"{first['id']}_2", amount_paid=100, amount_due=100)
    response = deliver(client, stripe_on, "invoice.paid", second)
    assert "this order expects 165.00 EUR" in response.json()["outcome"]
    order.refresh_from_db()
    assert order.instalments_paid == 1 and Payment.objects.count() == 1
    third = dict(first, id=f"{first['id']}_3", amount_paid=16_500)
    assert deliver(client, stripe_on, "invoice.paid", third).json()["outcome"] == (
        "instalment 2 of 3 paid"
    )


# --- Malformed events ------------------------------------------------------------------


def _malformed(order_id: int) -> dict[str, object]:
    session = {
        "id": "cs_1",
        "metadata": {"order_id": str(order_id)},
        "payment_status": "paid",
        "amount_total": 49_500,
        "currency": "eur",
    }
    return {
        "no data.object": {"id": "evt_1", "type": "checkout.session.completed", "data": {}},
        "data is a list": {"id": "evt_1", "type": "checkout.session.completed", "data": []},
        "no object id": {
            "id": "evt_1",
            "type": "checkout.session.completed",
            "data": {"object": {k: v for k, v in session.items() if k != "id"}},
        },
        "no metadata": {
            "id": "evt_1",
            "type": "checkout.session.completed",
            "data": {"object": {k: v for k, v in session.items() if k != "metadata"}},
        },
        "metadata is a list": {
            "id": "evt_1",
            "type": "checkout.session.completed",
            "data": {"object": dict(session, metadata=["order_id"])},
        },
        "amount is text": {
            "id": "evt_1",
            "type": "checkout.session.completed",
            "data": {"object": dict(session, amount_total="49500")},
        },
        "order id is a number": {
            "id": "evt_1",
            "type": "checkout.session.completed",
            "data": {"object": dict(session, metadata={"order_id": order_id})},
        },
        "charge without id": {
            "id": "evt_1",
            "type": "charge.refunded",
            "data": {"object": {"metadata": {}, "amount_refunded": 5, "refunds": {"data": [{}]}}},
        },
        "invoice parent is text": {
            "id": "evt_1",
            "type": "invoice.paid",
            "data": {"object": {"id": "in_1", "amount_paid": 1, "parent": "sub_1"}},
        },
        "event id is a number": {"id": 7, "type": "x", "data": {"object": {}}},
        "not an object": ["evt_1"],
    }


@pytest.mark.parametrize(
    "case",
    [
        "no data.object",
        "data is a list",
        "no object id",
        "no metadata",
        "metadata is a list",
        "amount is text",
        "order id is a number",
        "charge without id",
        "invoice parent is text",
        "event id is a number",
        "not an object",
        "not JSON",
    ],
)
def test_a_signed_but_malformed_event_gets_400_and_changes_nothing(
    stripe_on, paid_cohort, client, case
):
    enrolment, order = start(paid_cohort)
    if case == "not JSON":
        payload = '{"id": "evt_1", "type": '
    else:
        payload = json.dumps(_malformed(order.pk)[case])
    response = post_raw(client, payload, WEBHOOK_SECRET)
    assert response.status_code == 400
    assert response.content  # says what is wrong
    assert not WebhookEvent.objects.exists()
    assert_nothing_paid(order, enrolment)
