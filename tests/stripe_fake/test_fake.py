"""The real ``stripe`` SDK against the local fake: requests, errors, idempotency, webhooks."""

import hashlib
import hmac
import json
import threading
import time
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest
import stripe

from tests.stripe_fake.fixtures import sdk_pointed_at
from tests.stripe_fake.server import (
    TEST_API_KEY,
    StripeFake,
    decode_params,
    fixture,
    sign_webhook,
)

WEBHOOK_SECRET = "whsec_test_secret"


def _line(amount=25000, currency="eur", name="Cohort: Data Engineering, spring"):
    return {
        "price_data": {
            "currency": currency,
            "unit_amount": amount,
            "product_data": {"name": name},
        },
        "quantity": 1,
    }


def _session(stripe_fake, **overrides):
    params = {
        "mode": "payment",
        "line_items": [_line()],
        "metadata": {"order_id": "42"},
        "success_url": "https://lms.example/pay/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://lms.example/pay/cancelled",
        **overrides,
    }
    return stripe.checkout.Session.create(**params)


def _raw(fake, method, path, headers=None):
    """A request outside the SDK: (status, decoded JSON body)."""
    address = urlsplit(fake.url)
    connection = HTTPConnection(address.hostname, address.port, timeout=5)
    try:
        connection.request(
            method, path, body=b"" if method == "POST" else None, headers=headers or {}
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _paid_intent(stripe_fake, amount=25000):
    session = _session(stripe_fake, line_items=[_line(amount)])
    completed = stripe_fake.complete_checkout(session.id)
    return completed["payment_intent"]


# --- pointing the SDK at the fake --------------------------------------------------------


def test_the_sdk_settings_are_restored_afterwards():
    before = (stripe.api_base, stripe.api_key)
    with StripeFake() as fake:
        with sdk_pointed_at(fake):
            assert stripe.api_base == fake.url
            assert stripe.api_key == TEST_API_KEY
            assert stripe.Customer.create(email="a@example.com").id.startswith("cus_")
        assert (stripe.api_base, stripe.api_key) == before


def test_a_stripe_client_reaches_the_fake_through_base_addresses(stripe_fake):
    client = stripe.StripeClient(TEST_API_KEY, base_addresses={"api": stripe_fake.url})
    customer = client.v1.customers.create(params={"email": "sam@example.com"})
    assert client.v1.customers.retrieve(customer.id).email == "sam@example.com"
    assert stripe_fake.client().v1.customers.retrieve(customer.id).id == customer.id


def test_a_live_or_missing_key_is_refused(stripe_fake):
    with pytest.raises(stripe.error.AuthenticationError):
        stripe_fake.client(api_key="sk_live_abcdefgh1234").v1.customers.create()
    status, body = _raw(stripe_fake, "POST", "/v1/customers")
    assert status == 401
    assert "did not provide an API key" in body["error"]["message"]
    assert stripe_fake.all("customer") == []


# --- customers and checkout sessions -----------------------------------------------------


def test_customer_create_and_retrieve(stripe_fake):
    customer = stripe.Customer.create(
        email="sam@example.com", name="Sam", metadata={"user_id": "7"}
    )
    assert customer.object == "customer"
    assert customer.id.startswith("cus_")
    again = stripe.Customer.retrieve(customer.id)
    assert (again.email, again.name, again.metadata.to_dict()) == (
        "sam@example.com",
        "Sam",
        {"user_id": "7"},
    )
    assert set(fixture("customer")) <= set(again.to_dict())


def test_checkout_session_carries_metadata_discount_and_expiry(stripe_fake):
    stripe.Coupon.create(id="EARLYBIRD", percent_off=20, duration="once")
    customer = stripe.Customer.create(email="sam@example.com")
    expires_at = int(time.time()) + 3600
    session = _session(
        stripe_fake,
        customer=customer.id,
        client_reference_id="enrolment-9",
        discounts=[{"coupon": "EARLYBIRD"}],
        payment_method_types=["card"],
        expires_at=expires_at,
    )
    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert session.amount_subtotal == 25000
    assert session.total_details.amount_discount == 5000
    assert session.amount_total == 20000
    assert session.currency == "eur"
    assert session.metadata.to_dict() == {"order_id": "42"}
    assert session.customer == customer.id
    assert session.client_reference_id == "enrolment-9"
    assert session.discounts[0].coupon == "EARLYBIRD"
    assert session.expires_at == expires_at
    assert session.url == f"https://checkout.stripe.test/c/pay/{session.id}"
    assert session.payment_intent is None
    assert set(fixture("checkout.session")) <= set(session.to_dict())

    items = stripe.checkout.Session.list_line_items(session.id)
    assert [(i.amount_subtotal, i.amount_discount, i.amount_total) for i in items.data] == [
        (25000, 5000, 20000)
    ]


def test_checkout_params_are_checked_like_stripe(stripe_fake):
    with pytest.raises(stripe.error.InvalidRequestError) as missing_mode:
        stripe.checkout.Session.create(line_items=[_line()])
    assert missing_mode.value.param == "mode"
    with pytest.raises(stripe.error.InvalidRequestError) as no_coupon:
        _session(stripe_fake, discounts=[{"coupon": "NOPE"}])
    assert no_coupon.value.code == "resource_missing"
    with pytest.raises(stripe.error.InvalidRequestError) as too_late:
        _session(stripe_fake, expires_at=int(time.time()) + 2 * 24 * 3600)
    assert too_late.value.param == "expires_at"
    with pytest.raises(stripe.error.InvalidRequestError) as long_key:
        _session(stripe_fake, metadata={"k" * 41: "v"})
    assert long_key.value.param.startswith("metadata[")
    assert stripe_fake.all("checkout.session") == []


def test_retrieve_and_expire_a_session(stripe_fake):
    session = _session(stripe_fake)
    assert stripe.checkout.Session.retrieve(session.id).status == "open"
    expired = stripe.checkout.Session.expire(session.id)
    assert (expired.id, expired.status, expired.url) == (session.id, "expired", None)
    assert stripe.checkout.Session.retrieve(session.id).status == "expired"
    with pytest.raises(stripe.error.InvalidRequestError, match="can be expired"):
        stripe.checkout.Session.expire(session.id)


def test_stripe_can_expire_a_session_on_its_own(stripe_fake):
    session = _session(stripe_fake)
    expired = stripe_fake.expire_checkout(session.id)
    assert expired["status"] == "expired"
    assert stripe_fake.requests_to("POST", f"/v1/checkout/sessions/{session.id}/expire") == []


# --- idempotency -------------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_same_session(stripe_fake):
    first = _session(stripe_fake, idempotency_key="order-42-attempt-1")
    retry = _session(stripe_fake, idempotency_key="order-42-attempt-1")
    assert retry.id == first.id
    assert retry.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stripe_fake.all("checkout.session")) == 1
    posts = stripe_fake.requests_to("POST", "/v1/checkout/sessions")
    assert [(r.idempotency_key, r.replayed) for r in posts] == [
        ("order-42-attempt-1", False),
        ("order-42-attempt-1", True),
    ]
    assert len(stripe_fake.requests_to("POST", "/v1/checkout/sessions", replays=False)) == 1
    assert posts[0].params["line_items"][0]["price_data"]["unit_amount"] == "25000"
    assert posts[0].params["metadata"] == {"order_id": "42"}


def test_the_same_key_with_other_params_is_an_idempotency_error(stripe_fake):
    first = _session(stripe_fake, idempotency_key="order-42-attempt-1")
    with pytest.raises(stripe.error.IdempotencyError) as error:
        _session(stripe_fake, line_items=[_line(30000)], idempotency_key="order-42-attempt-1")
    assert error.value.http_status == 400
    assert "same parameters" in error.value.user_message
    assert [s["id"] for s in stripe_fake.all("checkout.session")] == [first.id]


def test_the_same_key_on_another_endpoint_is_an_idempotency_error(stripe_fake):
    stripe.Customer.create(email="sam@example.com", idempotency_key="shared-key")
    with pytest.raises(stripe.error.IdempotencyError, match="same endpoint"):
        _session(stripe_fake, idempotency_key="shared-key")


def test_a_request_that_failed_validation_can_be_retried_with_its_key(stripe_fake):
    with pytest.raises(stripe.error.InvalidRequestError):
        _session(stripe_fake, discounts=[{"coupon": "LATER"}], idempotency_key="k")
    stripe.Coupon.create(id="LATER", amount_off=1000, currency="eur")
    assert (
        _session(stripe_fake, discounts=[{"coupon": "LATER"}], idempotency_key="k").amount_total
        == 24000
    )


def test_stripe_client_idempotency(stripe_fake):
    client = stripe_fake.client()
    params = {"mode": "payment", "line_items": [_line()], "metadata": {"order_id": "43"}}
    options = {"idempotency_key": "order-43"}
    first = client.v1.checkout.sessions.create(params=params, options=options)
    again = client.v1.checkout.sessions.create(params=params, options=options)
    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params={**params, "metadata": {"order_id": "44"}}, options=options
        )
    assert client.v1.checkout.sessions.retrieve(first.id).metadata["order_id"] == "43"


def test_concurrent_requests_with_one_key_create_one_session(stripe_fake):
    ids, errors = [], []

    def create():
        try:
            ids.append(_session(stripe_fake, idempotency_key="double-click").id)
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(ids)) == 1
    assert len(stripe_fake.all("checkout.session")) == 1


# --- completing a checkout, refunds ------------------------------------------------------


def test_completing_a_payment_session_creates_a_payment_intent_and_charge(stripe_fake):
    session = _session(stripe_fake, payment_intent_data={"metadata": {"order_id": "42"}})
    completed = stripe_fake.complete_checkout(session.id)
    assert (completed["status"], completed["payment_status"]) == ("complete", "paid")
    assert completed["url"] is None
    fetched = stripe.checkout.Session.retrieve(session.id, expand=["payment_intent.latest_charge"])
    intent = fetched.payment_intent
    assert intent.id.startswith("pi_")
    assert (intent.status, intent.amount, intent.amount_received) == ("succeeded", 25000, 25000)
    assert intent.metadata.to_dict() == {"order_id": "42"}
    charge = intent.latest_charge
    assert charge.id.startswith("ch_")
    assert (charge.status, charge.paid, charge.amount, charge.payment_intent) == (
        "succeeded",
        True,
        25000,
        intent.id,
    )
    assert set(fixture("payment_intent")) <= set(stripe.PaymentIntent.retrieve(intent.id).to_dict())


def test_an_unpaid_completion_and_a_free_session(stripe_fake):
    pending = stripe_fake.complete_checkout(_session(stripe_fake).id, paid=False)
    assert pending["payment_status"] == "unpaid"
    assert stripe.PaymentIntent.retrieve(pending["payment_intent"]).status == "processing"

    stripe.Coupon.create(id="SCHOLARSHIP", percent_off=100)
    free = _session(stripe_fake, discounts=[{"coupon": "SCHOLARSHIP"}])
    assert free.amount_total == 0
    done = stripe_fake.complete_checkout(free.id)
    assert (done["payment_status"], done["payment_intent"]) == ("no_payment_required", None)


def test_full_refund(stripe_fake):
    intent_id = _paid_intent(stripe_fake)
    refund = stripe.Refund.create(payment_intent=intent_id, idempotency_key="refund-order-42")
    assert refund.id.startswith("re_")
    assert (refund.amount, refund.status, refund.payment_intent) == (25000, "succeeded", intent_id)
    charge = stripe.Charge.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (25000, True)
    assert stripe.Refund.retrieve(refund.id).amount == 25000
    with pytest.raises(stripe.error.InvalidRequestError) as again:
        stripe.Refund.create(payment_intent=intent_id)
    assert again.value.code == "charge_already_refunded"


def test_partial_refunds_up_to_the_amount_paid(stripe_fake):
    intent_id = _paid_intent(stripe_fake)
    part = stripe.Refund.create(
        payment_intent=intent_id, amount=10000, reason="requested_by_customer"
    )
    assert (part.amount, part.reason) == (10000, "requested_by_customer")
    charge = stripe.Charge.retrieve(part.charge)
    assert (charge.amount_refunded, charge.refunded) == (10000, False)
    with pytest.raises(stripe.error.InvalidRequestError) as too_much:
        stripe.Refund.create(charge=charge.id, amount=20000)
    assert too_much.value.code == "amount_too_large"
    rest = stripe.Refund.create(charge=charge.id)
    assert rest.amount == 15000
    assert stripe.Charge.retrieve(charge.id).refunded is True
    assert len(stripe_fake.all("refund")) == 2


# --- subscriptions and the billing portal ------------------------------------------------


def test_subscription_checkout_then_cancel(stripe_fake):
    monthly = _line(9900)
    monthly["price_data"]["recurring"] = {"interval": "month"}
    session = _session(
        stripe_fake,
        mode="subscription",
        line_items=[monthly],
        customer_email="sam@example.com",
        subscription_data={"metadata": {"enrolment_id": "9"}},
    )
    completed = stripe_fake.complete_checkout(session.id)
    assert completed["payment_status"] == "paid"
    subscription = stripe.Subscription.retrieve(completed["subscription"])
    assert subscription.id.startswith("sub_")
    assert (subscription.status, subscription.customer) == ("active", completed["customer"])
    assert subscription.metadata.to_dict() == {"enrolment_id": "9"}
    item = subscription["items"].data[0]
    assert (item.price.unit_amount, item.price.recurring.interval) == (9900, "month")
    assert item.current_period_end > item.current_period_start
    invoice = stripe.Invoice.retrieve(completed["invoice"])
    assert invoice.id.startswith("in_")
    assert (invoice.status, invoice.amount_paid, invoice.billing_reason) == (
        "paid",
        9900,
        "subscription_create",
    )
    assert invoice.parent.subscription_details.subscription == subscription.id
    assert stripe.Customer.retrieve(completed["customer"]).email == "sam@example.com"

    cancelled = stripe.Subscription.cancel(subscription.id)
    assert cancelled.status == "canceled"
    assert cancelled.canceled_at is not None
    assert stripe_fake.requests_to("DELETE", f"/v1/subscriptions/{subscription.id}")
    with pytest.raises(stripe.error.InvalidRequestError) as again:
        stripe.Subscription.cancel(subscription.id)
    assert again.value.code == "resource_missing"


def test_billing_portal_session(stripe_fake):
    customer = stripe.Customer.create(email="sam@example.com")
    portal = stripe.billing_portal.Session.create(
        customer=customer.id, return_url="https://lms.example/account"
    )
    assert portal.object == "billing_portal.session"
    assert portal.id.startswith("bps_")
    assert portal.customer == customer.id
    assert portal.return_url == "https://lms.example/account"
    assert portal.url.startswith("https://billing.stripe.test/")
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.billing_portal.Session.create(customer="cus_missing")


# --- errors ------------------------------------------------------------------------------


def test_an_unknown_id_is_invalid_request_error(stripe_fake):
    with pytest.raises(stripe.error.InvalidRequestError) as error:
        stripe.checkout.Session.retrieve("cs_test_missing")
    assert error.value.http_status == 404
    assert error.value.code == "resource_missing"
    assert "No such checkout.session: 'cs_test_missing'" in error.value.user_message
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.PaymentIntent.retrieve("pi_missing")
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe.Refund.create(payment_intent="pi_missing")


def test_an_unknown_route_is_a_stripe_shaped_404(stripe_fake):
    status, body = _raw(
        stripe_fake, "GET", "/v1/nothing_here", {"Authorization": f"Bearer {TEST_API_KEY}"}
    )
    assert status == 404
    assert body["error"]["type"] == "invalid_request_error"
    assert "Unrecognized request URL (GET: /v1/nothing_here)" in body["error"]["message"]
    with pytest.raises(stripe.error.InvalidRequestError):
        stripe_fake.client().raw_request("get", "/v1/nothing_here")


# --- events and webhook signatures -------------------------------------------------------


def test_event_is_shaped_like_stripes(stripe_fake):
    session = stripe_fake.complete_checkout(_session(stripe_fake).id)
    event = stripe_fake.event("checkout.session.completed", session)
    assert set(fixture("event")) <= set(event)
    assert event["id"].startswith("evt_")
    assert (event["object"], event["type"], event["livemode"]) == (
        "event",
        "checkout.session.completed",
        False,
    )
    assert event["api_version"] == stripe.api_version
    assert event["data"]["object"]["id"] == session["id"]
    assert stripe.Event.retrieve(event["id"]).data.object.id == session["id"]


def test_signed_webhook_is_accepted_by_the_sdk(stripe_fake):
    session = stripe_fake.complete_checkout(_session(stripe_fake).id)
    payload = json.dumps(stripe_fake.event("checkout.session.completed", session))
    header = sign_webhook(payload, WEBHOOK_SECRET)

    event = stripe.Webhook.construct_event(payload, header, WEBHOOK_SECRET)
    assert event.type == "checkout.session.completed"
    assert event.data.object.metadata["order_id"] == "42"
    assert stripe.WebhookSignature.verify_header(payload, header, WEBHOOK_SECRET) is True
    assert stripe_fake.client().construct_event(payload, header, WEBHOOK_SECRET).id == event.id


def test_signature_is_stripes_scheme():
    payload = '{"id": "evt_1", "object": "event"}'
    header = sign_webhook(payload, WEBHOOK_SECRET, timestamp=1700000000)
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), f"1700000000.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_tampered_or_stale_webhooks_are_rejected(stripe_fake):
    payload = json.dumps(stripe_fake.event("charge.refunded", {"id": "ch_1", "object": "charge"}))
    header = sign_webhook(payload, WEBHOOK_SECRET)
    with pytest.raises(stripe.error.SignatureVerificationError):
        stripe.Webhook.construct_event(payload.replace("ch_1", "ch_2"), header, WEBHOOK_SECRET)
    with pytest.raises(stripe.error.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")
    stale = sign_webhook(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 3600)
    with pytest.raises(stripe.error.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, stale, WEBHOOK_SECRET)


# --- the wire format ---------------------------------------------------------------------


def test_form_params_decode_into_nested_values():
    pairs = [
        ("mode", "payment"),
        ("line_items[0][price_data][unit_amount]", "100"),
        ("line_items[0][price_data][product_data][name]", "Course"),
        ("line_items[0][quantity]", "1"),
        ("line_items[1][price]", "price_1"),
        ("metadata[0]", "numeric key"),
        ("discounts[0][coupon]", "C"),
        ("expand[]", "payment_intent"),
        ("expand[]", "customer"),
        ("subscription_data[metadata][enrolment_id]", "9"),
    ]
    assert decode_params(pairs) == {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"unit_amount": "100", "product_data": {"name": "Course"}},
                "quantity": "1",
            },
            {"price": "price_1"},
        ],
        "metadata": {"0": "numeric key"},
        "discounts": [{"coupon": "C"}],
        "expand": ["payment_intent", "customer"],
        "subscription_data": {"metadata": {"enrolment_id": "9"}},
    }
