"""Stripe events that are not about an order of ours reach the handlers an app above
payments registered (a membership's subscription, a Checkout Session that names a
membership), inside the transaction that records the event: a duplicate delivery is
still a no-op, a handler that fails leaves nothing recorded, and a signed event of a
shape the app did not declare is refused with 400."""

from __future__ import annotations

import itertools
import json

import pytest

from payments import services, webhooks
from payments.models import Coupon, OrderStatus, WebhookEvent
from tests.factories import UserFactory
from tests.payments.conftest import WEBHOOK_SECRET, deliver
from tests.stripe_fake.server import sign_webhook

pytestmark = pytest.mark.django_db


class Handler:
    """A stand-in for the memberships app: records what it saw, writes a row (so a
    rollback shows), and answers with an outcome (or None: not mine)."""

    rows = itertools.count(1)

    def __init__(self, outcome: str | None = "membership renewed", fail: bool = False):
        self.calls: list[dict] = []
        self.outcome, self.fail = outcome, fail

    def __call__(self, *, obj, source, now):
        self.calls.append({"obj": obj, "source": source, "now": now})
        Coupon.objects.create(code=f"SEEN-{next(self.rows)}", percent_off=1)
        if self.fail:
            raise RuntimeError("membership store unavailable")
        return self.outcome


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def registered():
    """Register handlers for the test only; every one is unregistered afterwards."""
    added: list[tuple[str, object]] = []

    def register(event_type, handler, shape=None):
        webhooks.register_event_handler(event_type, handler, shape)
        added.append((event_type, handler))
        return handler

    yield register
    for event_type, handler in added:
        webhooks.unregister_event_handler(event_type, handler)


def event(event_type: str, obj: dict, event_id: str = "evt_membership_1") -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}


def post(client, payload: dict):
    body = json.dumps(payload)
    return client.post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_webhook(body, WEBHOOK_SECRET),
    )


SUBSCRIPTION = {
    "id": "sub_membership_1",
    "object": "subscription",
    "status": "active",
    "metadata": {"membership_id": "12"},
}


def test_an_event_type_payments_does_not_handle_reaches_the_registered_handler_once(
    client, webhook_secret, registered
):
    handler = registered("customer.subscription.updated", Handler())
    payload = event("customer.subscription.updated", SUBSCRIPTION)
    first = post(client, payload)
    assert first.status_code == 200 and first.json()["outcome"] == "membership renewed"
    assert handler.calls[0]["obj"]["metadata"] == {"membership_id": "12"}
    assert handler.calls[0]["source"] == "Stripe event evt_membership_1"
    recorded = WebhookEvent.objects.get()
    assert (recorded.outcome, recorded.order) == ("membership renewed", None)
    again = post(client, payload)
    assert again.json()["outcome"] == "duplicate"
    assert len(handler.calls) == 1 and Coupon.objects.count() == 1


def test_without_a_registered_handler_the_event_is_acknowledged_as_before(client, webhook_secret):
    response = post(client, event("customer.subscription.paused", SUBSCRIPTION))
    assert response.json()["outcome"] == "not handled"


def test_the_first_handler_that_answers_gives_the_outcome(client, webhook_secret, registered):
    not_mine = registered("customer.updated", Handler(outcome=None))
    mine = registered("customer.updated", Handler(outcome="billing email changed"))
    response = post(client, event("customer.updated", {"id": "cus_1", "object": "customer"}))
    assert response.json()["outcome"] == "billing email changed"
    assert len(not_mine.calls) == len(mine.calls) == 1


def test_handlers_that_all_pass_leave_the_usual_outcome(client, webhook_secret, registered):
    registered("invoice.paid", Handler(outcome=None))
    invoice = {"id": "in_elsewhere", "amount_paid": 900, "currency": "eur", "subscription": None}
    assert post(client, event("invoice.paid", invoice)).json()["outcome"] == "no order of ours"


def test_a_failing_handler_rolls_the_event_back_and_stripe_may_deliver_it_again(
    client, webhook_secret, registered
):
    failing = registered("customer.subscription.resumed", Handler(fail=True))
    payload = event("customer.subscription.resumed", SUBSCRIPTION)
    with pytest.raises(RuntimeError):
        post(client, payload)
    assert not WebhookEvent.objects.exists() and not Coupon.objects.exists()
    failing.fail = False
    assert post(client, payload).json()["outcome"] == "membership renewed"
    assert WebhookEvent.objects.count() == 1 and Coupon.objects.count() == 1


def test_a_checkout_for_a_membership_reaches_the_handler_and_ours_do_not(
    stripe_on, paid_cohort, client, registered
):
    handler = registered("checkout.session.completed", Handler(outcome="membership paid"))
    membership_session = {
        "id": "cs_membership_1",
        "object": "checkout.session",
        "metadata": {"membership_id": "12"},
        "payment_status": "paid",
        "amount_total": 9_900,
        "currency": "eur",
        "invoice": None,
        "payment_intent": "pi_membership_1",
        "subscription": None,
    }
    response = post(client, event("checkout.session.completed", membership_session))
    assert response.json()["outcome"] == "membership paid"
    assert handler.calls[0]["obj"]["id"] == "cs_membership_1"
    # A seat's Checkout Session is ours: the handler is not asked.
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    services.checkout_start(order=order, base_url="https://lms.example")
    order.refresh_from_db()
    session = stripe_on.complete_checkout(order.checkout_session)
    ours = deliver(client, stripe_on, "checkout.session.completed", session)
    assert ours.json()["outcome"] == "paid: seat confirmed"
    assert len(handler.calls) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_subscription_that_is_not_an_instalment_plan_reaches_the_handler(
    client, webhook_secret, registered
):
    handler = registered("customer.subscription.deleted", Handler(outcome="membership ended"))
    response = post(client, event("customer.subscription.deleted", SUBSCRIPTION))
    assert response.json()["outcome"] == "membership ended"
    assert len(handler.calls) == 1


SHAPE = {"id": str, "metadata": dict, "status": str, "pause_collection": (dict, type(None))}


@pytest.mark.parametrize(
    "obj",
    [
        {"id": "sub_1", "metadata": {}},  # no status
        {"id": "sub_1", "metadata": {}, "status": 3},
        {"id": "sub_1", "metadata": "x", "status": "active"},
        {"id": "sub_1", "metadata": {}, "status": "active", "pause_collection": "soon"},
    ],
)
def test_a_signed_event_of_a_shape_the_app_did_not_declare_is_refused_and_nothing_recorded(
    client, webhook_secret, registered, obj
):
    handler = registered("customer.subscription.updated", Handler(), shape=SHAPE)
    response = post(client, event("customer.subscription.updated", obj))
    assert response.status_code == 400 and b"data.object." in response.content
    assert not WebhookEvent.objects.exists() and not handler.calls


def test_the_declared_shape_accepts_what_it_allows(client, webhook_secret, registered):
    registered("customer.subscription.updated", Handler(), shape=SHAPE)
    ok = {"id": "sub_1", "metadata": {}, "status": "active"}
    assert post(client, event("customer.subscription.updated", ok)).status_code == 200


def test_a_shape_declared_for_a_type_we_handle_is_not_imposed_on_our_orders(
    stripe_on, paid_cohort, client, registered
):
    handler = registered(
        "checkout.session.completed",
        Handler(),
        shape={"metadata": dict, "client_reference_id": str, "membership_level": str},
    )
    _enrolment, order = services.paid_enrolment_start(cohort=paid_cohort, user=UserFactory())
    services.checkout_start(order=order, base_url="https://lms.example")
    order.refresh_from_db()
    session = stripe_on.complete_checkout(order.checkout_session)
    assert deliver(client, stripe_on, "checkout.session.completed", session).status_code == 200
    stranger = {**session, "id": "cs_other", "metadata": {"membership_id": "3"}}
    refused = post(client, event("checkout.session.completed", stranger, "evt_other"))
    assert refused.status_code == 400 and b"membership_level" in refused.content
    assert not handler.calls


def test_registering_the_same_handler_twice_runs_it_once(client, webhook_secret, registered):
    handler = Handler()
    registered("customer.subscription.trial_will_end", handler)
    registered("customer.subscription.trial_will_end", handler)
    post(client, event("customer.subscription.trial_will_end", SUBSCRIPTION))
    assert len(handler.calls) == 1
