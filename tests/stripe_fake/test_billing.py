"""Subscriptions through the real SDK against the fake: create, trials, renewals, failed
payments and retries, cancelling, pausing, upgrades with prorations (and their preview),
interval switches, schedules, coupons, lists, idempotency and Stripe's 400s."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
import stripe

from tests.stripe_fake.server import fixture

DAY = 86400
T0 = int(dt.datetime(2026, 1, 31, tzinfo=dt.UTC).timestamp())  # a month's last day


def at(year, month, day, hour=0):
    return int(dt.datetime(year, month, day, hour, tzinfo=dt.UTC).timestamp())


@pytest.fixture
def fake(stripe_fake):
    stripe_fake.set_now(T0)
    return stripe_fake


@pytest.fixture
def client(fake):
    return fake.client()


@pytest.fixture
def prices(client):
    product = client.v1.products.create(params={"name": "Membership"})

    def price(amount, interval="month", count=1):
        return client.v1.prices.create(
            params={
                "currency": "eur",
                "unit_amount": amount,
                "product": product.id,
                "recurring": {"interval": interval, "interval_count": count},
            }
        ).id

    return {
        "monthly": price(1000),
        "plus": price(2500),
        "quarterly": price(2700, count=3),
        "yearly": price(10000, "year"),
    }


def customer(client, fake, card=True):
    cus = client.v1.customers.create(params={"email": "sam@example.com", "name": "Sam"})
    if card is not None:
        fake.set_card(cus.id, card)
    fake.drain_events()
    return cus.id


def subscribe(client, customer_id, price, **params):
    return client.v1.subscriptions.create(
        params={"customer": customer_id, "items": [{"price": price}], **params}
    )


def types(events):
    return [e["type"] for e in events]


def period(sub):
    item = sub["items"]["data"][0] if isinstance(sub, dict) else sub["items"].data[0]
    return item["current_period_start"], item["current_period_end"]


def prorated(amount, remaining, total):
    return int((Decimal(amount) * remaining / total).quantize(Decimal(1), ROUND_HALF_UP))


# --- create ------------------------------------------------------------------------------


def test_a_customer_with_a_card_gets_an_active_subscription_and_a_paid_invoice(
    fake, client, prices
):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"], metadata={"membership_id": "7"})
    assert sub.id.startswith("sub_")
    assert (sub.status, sub.customer, sub.currency) == ("active", cus, "eur")
    assert sub.metadata.to_dict() == {"membership_id": "7"}
    assert period(sub) == (T0, at(2026, 2, 28))
    assert sub["items"].data[0].price.id == prices["monthly"]
    assert set(fixture("subscription")) <= set(sub.to_dict())
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.amount_due, invoice.amount_paid) == ("paid", 1000, 1000)
    assert invoice.billing_reason == "subscription_create"
    assert invoice.parent.subscription_details.subscription == sub.id
    events = fake.drain_events()
    assert types(events) == [
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
    ]
    created = events[0]
    assert set(fixture("event")) <= set(created)
    assert (created["api_version"], created["created"]) == (stripe.api_version, T0)
    assert created["data"]["object"]["status"] == "active"
    assert created["request"]["id"] == fake.requests_to("POST", "/v1/subscriptions")[0].request_id
    assert [e["data"]["object"]["status"] for e in events[1:]] == ["draft", "open", "paid"]
    assert fake.drain_events() == []


def test_without_a_payment_method_the_subscription_is_incomplete_until_its_invoice_is_paid(
    fake, client, prices
):
    cus = customer(client, fake, card=None)
    sub = subscribe(client, cus, prices["monthly"])
    assert sub.status == "incomplete"
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.amount_remaining) == ("open", 1000)
    with pytest.raises(stripe.InvalidRequestError, match="no attached payment source"):
        client.v1.invoices.pay(invoice.id)
    fake.set_card(cus, True)
    fake.drain_events()
    paid = client.v1.invoices.pay(invoice.id)
    assert paid.status == "paid"
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    events = fake.drain_events()
    assert types(events) == ["invoice.paid", "customer.subscription.updated"]
    assert events[1]["data"]["previous_attributes"] == {"status": "incomplete"}


def test_an_unpaid_first_invoice_expires_the_subscription_after_23_hours(fake, client, prices):
    cus = customer(client, fake, card=None)
    sub = subscribe(client, cus, prices["monthly"])
    fake.drain_events()
    events = fake.advance(sub.id)
    assert fake.clock(sub.id) == T0 + 23 * 3600
    assert types(events) == ["invoice.voided", "customer.subscription.updated"]
    assert client.v1.subscriptions.retrieve(sub.id).status == "incomplete_expired"
    assert client.v1.invoices.retrieve(sub.latest_invoice).status == "void"


def test_error_if_incomplete_refuses_a_declined_card_and_makes_nothing(fake, client, prices):
    cus = customer(client, fake, card=False)
    with pytest.raises(stripe.CardError) as declined:
        subscribe(client, cus, prices["monthly"], payment_behavior="error_if_incomplete")
    assert (declined.value.http_status, declined.value.code) == (402, "card_declined")
    assert fake.all("subscription") == []
    assert fake.drain_events() == []


# --- trials ------------------------------------------------------------------------------


def test_a_trial_starts_with_a_free_invoice_and_ends_with_the_first_charge(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"], trial_period_days=14)
    trial_end = T0 + 14 * DAY
    assert (sub.status, sub.trial_start, sub.trial_end) == ("trialing", T0, trial_end)
    assert period(sub) == (T0, trial_end)
    first = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (first.status, first.total) == ("paid", 0)
    assert first.lines.data[0].description == "Trial period for Membership"
    fake.drain_events()

    events = fake.advance(sub.id)
    assert types(events) == [
        "customer.subscription.trial_will_end",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "customer.subscription.updated",
    ]
    assert events[0]["created"] == trial_end - 3 * DAY
    renewed = client.v1.subscriptions.retrieve(sub.id)
    assert renewed.status == "active"
    assert period(renewed) == (trial_end, at(2026, 3, 14))
    invoice = client.v1.invoices.retrieve(renewed.latest_invoice)
    assert (invoice.billing_reason, invoice.amount_paid) == ("subscription_cycle", 1000)
    assert events[-1]["data"]["previous_attributes"]["status"] == "trialing"


@pytest.mark.parametrize(
    ("behavior", "status", "last_event"),
    [
        ("cancel", "canceled", "customer.subscription.deleted"),
        ("pause", "paused", "customer.subscription.paused"),
        ("create_invoice", "past_due", "customer.subscription.updated"),
    ],
)
def test_a_trial_ending_without_a_card_follows_its_end_behavior(
    fake, client, prices, behavior, status, last_event
):
    cus = customer(client, fake, card=None)
    sub = subscribe(
        client,
        cus,
        prices["monthly"],
        trial_period_days=7,
        trial_settings={"end_behavior": {"missing_payment_method": behavior}},
    )
    assert sub.trial_settings.end_behavior.missing_payment_method == behavior
    events = fake.advance(sub.id)
    assert types(events)[-1] == last_event
    assert client.v1.subscriptions.retrieve(sub.id).status == status
    invoices = client.v1.invoices.list(params={"subscription": sub.id})
    assert len(invoices.data) == (2 if behavior == "create_invoice" else 1)


def test_a_paused_subscription_resumes_with_a_new_period_once_it_has_a_card(fake, client, prices):
    cus = customer(client, fake, card=None)
    sub = subscribe(
        client,
        cus,
        prices["monthly"],
        trial_period_days=7,
        trial_settings={"end_behavior": {"missing_payment_method": "pause"}},
    )
    fake.advance(sub.id, to=T0 + 10 * DAY)
    fake.set_card(cus, True)
    fake.drain_events()
    resumed = client.v1.subscriptions.resume(sub.id)
    assert resumed.status == "active"
    assert period(resumed) == (T0 + 10 * DAY, at(2026, 3, 10))
    assert "customer.subscription.resumed" in types(fake.drain_events())
    assert client.v1.invoices.retrieve(resumed.latest_invoice).amount_paid == 1000


# --- renewals, failed payments, retries --------------------------------------------------


def test_renewals_follow_the_billing_anchor_through_short_months(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.advance(sub.id)
    assert period(client.v1.subscriptions.retrieve(sub.id)) == (at(2026, 2, 28), at(2026, 3, 31))
    fake.advance(sub.id)
    assert period(client.v1.subscriptions.retrieve(sub.id)) == (at(2026, 3, 31), at(2026, 4, 30))
    invoices = client.v1.invoices.list(params={"subscription": sub.id, "status": "paid"})
    assert [i.billing_reason for i in invoices.data] == [
        "subscription_cycle",
        "subscription_cycle",
        "subscription_create",
    ]
    assert [i.period_end for i in invoices.data] == [at(2026, 3, 31), at(2026, 2, 28), T0]


def test_advancing_over_several_periods_renews_each(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["quarterly"])
    events = fake.advance(sub.id, to=T0 + 365 * DAY)
    assert types(events).count("invoice.paid") == 4
    assert period(client.v1.subscriptions.retrieve(sub.id)) == (at(2027, 1, 31), at(2027, 4, 30))


def test_a_failed_renewal_is_past_due_and_a_working_card_brings_it_back(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.drain_events()
    events = fake.advance(sub.id, pay=False)
    assert types(events)[-2:] == ["invoice.payment_failed", "customer.subscription.updated"]
    failed = events[-2]["data"]["object"]
    assert (failed["status"], failed["attempt_count"], failed["attempted"]) == ("open", 1, True)
    assert failed["next_payment_attempt"] == at(2026, 2, 28) + 3 * DAY
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    events = fake.retry(failed["id"])
    assert types(events) == ["invoice.paid", "customer.subscription.updated"]
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_the_fourth_failed_attempt_cancels_the_subscription(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.set_card(cus, False)
    events = fake.advance(sub.id)
    invoice_id = events[-2]["data"]["object"]["id"]
    for attempt in (2, 3):
        events = fake.retry(invoice_id)
        assert types(events) == ["invoice.payment_failed"]
        assert events[0]["data"]["object"]["attempt_count"] == attempt
    events = fake.retry(invoice_id)
    assert types(events) == ["invoice.payment_failed", "customer.subscription.deleted"]
    ended = client.v1.subscriptions.retrieve(sub.id)
    assert (ended.status, ended.cancellation_details.reason) == ("canceled", "payment_failed")
    assert client.v1.invoices.retrieve(invoice_id).next_payment_attempt is None


def test_paying_an_invoice_with_a_declined_card_is_a_402_that_counts_an_attempt(
    fake, client, prices
):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.set_card(cus, False)
    invoice_id = fake.advance(sub.id)[-2]["data"]["object"]["id"]
    with pytest.raises(stripe.CardError):
        client.v1.invoices.pay(invoice_id, options={"idempotency_key": "pay-1"})
    with pytest.raises(stripe.CardError):  # the same key replays the decline
        client.v1.invoices.pay(invoice_id, options={"idempotency_key": "pay-1"})
    assert client.v1.invoices.retrieve(invoice_id).attempt_count == 2


# --- cancelling --------------------------------------------------------------------------


def test_cancel_at_period_end_keeps_the_subscription_until_the_period_is_over(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.advance(sub.id, to=T0 + 5 * DAY)
    fake.drain_events()
    updated = client.v1.subscriptions.update(
        sub.id,
        params={
            "cancel_at_period_end": True,
            "cancellation_details": {"comment": "Moving abroad", "feedback": "unused"},
        },
    )
    assert (updated.status, updated.cancel_at_period_end) == ("active", True)
    assert (updated.cancel_at, updated.canceled_at) == (at(2026, 2, 28), T0 + 5 * DAY)
    assert updated.cancellation_details.to_dict() == {
        "comment": "Moving abroad",
        "feedback": "unused",
        "reason": "cancellation_requested",
    }
    [event] = fake.drain_events()
    assert event["type"] == "customer.subscription.updated"
    assert event["data"]["previous_attributes"]["cancel_at_period_end"] is False

    events = fake.advance(sub.id)
    assert types(events) == ["customer.subscription.deleted"]
    ended = client.v1.subscriptions.retrieve(sub.id)
    assert (ended.status, ended.ended_at) == ("canceled", at(2026, 2, 28))
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1


def test_cancel_at_period_end_can_be_taken_back(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    kept = client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": False})
    assert (kept.cancel_at_period_end, kept.cancel_at, kept.canceled_at) == (False, None, None)
    fake.advance(sub.id)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_cancel_now_ends_the_subscription_and_logs_deleted(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.advance(sub.id, to=T0 + DAY)
    fake.drain_events()
    ended = client.v1.subscriptions.cancel(
        sub.id, params={"cancellation_details": {"feedback": "too_expensive"}}
    )
    assert (ended.status, ended.canceled_at, ended.ended_at) == ("canceled", T0 + DAY, T0 + DAY)
    assert ended.cancellation_details.feedback == "too_expensive"
    [event] = fake.drain_events()
    assert event["type"] == "customer.subscription.deleted"
    assert event["data"]["object"]["status"] == "canceled"


# --- pausing collection ------------------------------------------------------------------


def test_paused_collection_voids_renewals_until_it_resumes(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    resumes_at = at(2026, 3, 15)
    paused = client.v1.subscriptions.update(
        sub.id, params={"pause_collection": {"behavior": "void", "resumes_at": resumes_at}}
    )
    assert paused.pause_collection.to_dict() == {"behavior": "void", "resumes_at": resumes_at}
    fake.drain_events()
    events = fake.advance(sub.id)
    assert types(events) == ["invoice.created", "invoice.voided", "customer.subscription.updated"]
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    events = fake.advance(sub.id)
    assert types(events)[0] == "customer.subscription.updated"
    assert events[0]["data"]["previous_attributes"]["pause_collection"]["behavior"] == "void"
    assert types(events)[1:] == [
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "customer.subscription.updated",
    ]
    statuses = [i.status for i in client.v1.invoices.list(params={"subscription": sub.id}).data]
    assert statuses == ["paid", "void", "paid"]


def test_pause_collection_can_be_cleared(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    client.v1.subscriptions.update(
        sub.id, params={"pause_collection": {"behavior": "keep_as_draft"}}
    )
    cleared = client.v1.subscriptions.update(sub.id, params={"pause_collection": ""})
    assert cleared.pause_collection is None
    fake.advance(sub.id)
    assert client.v1.invoices.retrieve(
        client.v1.subscriptions.retrieve(sub.id).latest_invoice
    ).status == ("paid")


# --- upgrades, prorations and their preview ----------------------------------------------


def test_an_upgrade_with_always_invoice_charges_exactly_what_the_preview_showed(
    fake, client, prices
):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.advance(sub.id, to=T0 + 10 * DAY)
    item = sub["items"].data[0].id
    proration_date = T0 + 10 * DAY + 3600
    change = {
        "items": [{"id": item, "price": prices["plus"]}],
        "proration_behavior": "always_invoice",
        "proration_date": proration_date,
    }
    preview = client.v1.invoices.create_preview(
        params={"customer": cus, "subscription": sub.id, "subscription_details": change}
    )
    assert preview.id.startswith("upcoming_in_")
    start, end = T0, at(2026, 2, 28)
    credit = prorated(1000, end - proration_date, end - start)
    charge = prorated(2500, end - proration_date, end - start)
    assert [line.amount for line in preview.lines.data] == [-credit, charge]
    assert all(line.parent.subscription_item_details.proration for line in preview.lines.data)
    assert preview.lines.data[0].description.startswith("Unused time on Membership after")
    assert preview.amount_due == charge - credit
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.retrieve(preview.id)
    fake.drain_events()

    upgraded = client.v1.subscriptions.update(sub.id, params=change)
    assert upgraded["items"].data[0].price.id == prices["plus"]
    assert period(upgraded) == (start, end)
    invoice = client.v1.invoices.retrieve(upgraded.latest_invoice)
    assert invoice.billing_reason == "subscription_update"
    assert (invoice.status, invoice.amount_paid) == ("paid", preview.amount_due)
    assert invoice.total == preview.total
    assert [
        (line.amount, line.description, line.period.start, line.period.end)
        for line in invoice.lines.data
    ] == [
        (line.amount, line.description, line.period.start, line.period.end)
        for line in preview.lines.data
    ]
    events = fake.drain_events()
    assert types(events) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "customer.subscription.updated",
    ]
    assert set(events[-1]["data"]["previous_attributes"]) == {"items", "latest_invoice"}


def test_create_prorations_carries_the_difference_to_the_next_invoice(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    item = sub["items"].data[0].id
    change_at = T0 + 14 * DAY
    fake.advance(sub.id, to=change_at)
    params = {"items": [{"id": item, "price": prices["plus"]}]}
    preview = client.v1.invoices.create_preview(
        params={"subscription": sub.id, "subscription_details": params}
    )
    updated = client.v1.subscriptions.update(sub.id, params=params)
    assert updated.latest_invoice == sub.latest_invoice  # nothing invoiced yet
    next_invoice = client.v1.invoices.create_preview(params={"subscription": sub.id})
    assert next_invoice.amount_due == preview.amount_due
    fake.advance(sub.id)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    end = at(2026, 2, 28)
    difference = prorated(2500, end - change_at, end - T0) - prorated(
        1000, end - change_at, end - T0
    )
    assert renewal.amount_paid == 2500 + difference == preview.amount_due
    assert [line.amount for line in renewal.lines.data] == [
        line.amount for line in preview.lines.data
    ]


def test_a_switch_from_monthly_to_yearly_starts_a_new_year_now(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    now = T0 + 7 * DAY
    fake.advance(sub.id, to=now)
    item = sub["items"].data[0].id
    params = {"items": [{"id": item, "price": prices["yearly"]}]}
    preview = client.v1.invoices.create_preview(
        params={"subscription": sub.id, "subscription_details": params}
    )
    yearly = client.v1.subscriptions.update(sub.id, params=params)
    assert yearly.billing_cycle_anchor == now
    assert period(yearly) == (now, at(2027, 2, 7))
    invoice = client.v1.invoices.retrieve(yearly.latest_invoice)
    end = at(2026, 2, 28)
    credit = prorated(1000, end - now, end - T0)
    assert invoice.amount_paid == 10000 - credit == preview.amount_due
    assert [line.amount for line in invoice.lines.data] == [-credit, 10000]
    fake.advance(sub.id)
    assert period(client.v1.subscriptions.retrieve(sub.id)) == (at(2027, 2, 7), at(2028, 2, 7))


def test_a_downgrade_with_always_invoice_leaves_a_credit_for_the_next_renewal(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["plus"])
    fake.advance(sub.id, to=T0 + 14 * DAY)
    item = sub["items"].data[0].id
    down = client.v1.subscriptions.update(
        sub.id,
        params={
            "items": [{"id": item, "price": prices["monthly"]}],
            "proration_behavior": "always_invoice",
        },
    )
    invoice = client.v1.invoices.retrieve(down.latest_invoice)
    assert invoice.total < 0
    assert (invoice.amount_due, invoice.status, invoice.ending_balance) == (
        0,
        "paid",
        invoice.total,
    )
    assert client.v1.customers.retrieve(cus).balance == invoice.total
    fake.advance(sub.id)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert renewal.starting_balance == invoice.total
    assert renewal.amount_paid == 1000 + invoice.total
    assert client.v1.customers.retrieve(cus).balance == 0


# --- schedules ---------------------------------------------------------------------------


def test_a_schedule_downgrades_at_the_period_end_without_proration(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["plus"])
    schedule = client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    assert (schedule.status, schedule.subscription, schedule.end_behavior) == (
        "active",
        sub.id,
        "release",
    )
    assert client.v1.subscriptions.retrieve(sub.id).schedule == schedule.id
    phase = schedule.phases[0]
    end = at(2026, 2, 28)
    assert (phase.start_date, phase.end_date) == (T0, end)
    updated = client.v1.subscription_schedules.update(
        schedule.id,
        params={
            "end_behavior": "release",
            "phases": [
                {
                    "items": [{"price": prices["plus"]}],
                    "start_date": phase.start_date,
                    "end_date": phase.end_date,
                },
                {"items": [{"price": prices["monthly"]}]},
            ],
        },
    )
    assert [p.end_date for p in updated.phases] == [end, at(2026, 3, 28)]
    with pytest.raises(stripe.InvalidRequestError, match="managed by the subscription schedule"):
        client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    preview = client.v1.invoices.create_preview(params={"subscription": sub.id})
    assert (preview.amount_due, preview.created) == (1000, end)
    fake.drain_events()

    fake.advance(sub.id)
    moved = client.v1.subscriptions.retrieve(sub.id)
    assert moved["items"].data[0].price.id == prices["monthly"]
    renewal = client.v1.invoices.retrieve(moved.latest_invoice)
    assert [line.amount for line in renewal.lines.data] == [1000]
    assert not renewal.lines.data[0].parent.subscription_item_details.proration
    current = client.v1.subscription_schedules.retrieve(schedule.id)
    assert current.current_phase.start_date == end

    events = fake.advance(sub.id)
    assert "subscription_schedule.released" in types(events)
    released = client.v1.subscription_schedules.retrieve(schedule.id)
    assert (released.status, released.released_subscription) == ("released", sub.id)
    assert client.v1.subscriptions.retrieve(sub.id).schedule is None


def test_releasing_or_cancelling_a_schedule(fake, client, prices):
    cus = customer(client, fake)
    first = subscribe(client, cus, prices["monthly"])
    schedule = client.v1.subscription_schedules.create(params={"from_subscription": first.id})
    released = client.v1.subscription_schedules.release(schedule.id)
    assert (released.status, released.released_at) == ("released", T0)
    assert client.v1.subscriptions.retrieve(first.id).status == "active"
    with pytest.raises(stripe.InvalidRequestError, match="`released` status"):
        client.v1.subscription_schedules.release(schedule.id)

    second = subscribe(client, cus, prices["monthly"])
    other = client.v1.subscription_schedules.create(params={"from_subscription": second.id})
    cancelled = client.v1.subscription_schedules.cancel(other.id)
    assert cancelled.status == "canceled"
    assert client.v1.subscriptions.retrieve(second.id).status == "canceled"


# --- coupons -----------------------------------------------------------------------------


def test_a_repeating_coupon_discounts_the_next_invoices_while_it_lasts(fake, client, prices):
    client.v1.coupons.create(
        params={
            "id": "LOYAL20",
            "percent_off": 20,
            "duration": "repeating",
            "duration_in_months": 2,
        }
    )
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    with_coupon = client.v1.subscriptions.update(
        sub.id, params={"discounts": [{"coupon": "LOYAL20"}]}
    )
    [discount_id] = with_coupon.discounts
    assert client.v1.invoices.retrieve(sub.latest_invoice).total == 1000  # not this one
    preview = client.v1.invoices.create_preview(params={"subscription": sub.id})
    assert (preview.subtotal, preview.total) == (1000, 800)
    assert preview.total_discount_amounts[0].discount == discount_id

    fake.advance(sub.id)
    first = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert (first.amount_paid, first.discounts) == (800, [discount_id])
    assert first.lines.data[0].discount_amounts[0].amount == 200
    fake.advance(sub.id)
    fake.advance(sub.id)
    third = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert third.amount_paid == 1000
    assert client.v1.subscriptions.retrieve(sub.id).discounts == []
    assert client.v1.coupons.retrieve("LOYAL20").times_redeemed == 1


def test_a_once_coupon_waits_out_the_trial(fake, client, prices):
    client.v1.coupons.create(
        params={"id": "WELCOME", "amount_off": 500, "currency": "eur", "duration": "once"}
    )
    cus = customer(client, fake)
    sub = subscribe(
        client, cus, prices["monthly"], trial_period_days=7, discounts=[{"coupon": "WELCOME"}]
    )
    fake.advance(sub.id)
    fake.advance(sub.id)
    invoices = client.v1.invoices.list(params={"subscription": sub.id})
    assert [i.amount_paid for i in invoices.data] == [1000, 500, 0]


# --- lists -------------------------------------------------------------------------------


def test_lists_page_newest_first_over_many_subscriptions(fake, client, prices):
    fake.record_events = False
    owners = [customer(client, fake) for _ in range(2)]
    made = [subscribe(client, owners[n % 2], prices["monthly"]).id for n in range(250)]
    client.v1.subscriptions.cancel(made[10])
    first = client.v1.subscriptions.list(params={"limit": 100})
    assert first.has_more is True
    assert [s.id for s in first.data] == made[::-1][:100]
    everything = [
        s.id for s in client.v1.subscriptions.list(params={"limit": 100}).auto_paging_iter()
    ]
    assert everything == [i for i in made[::-1] if i != made[10]]
    assert len(fake.requests_to("GET", "/v1/subscriptions")) == 1 + 3

    after = client.v1.subscriptions.list(
        params={"status": "all", "limit": 3, "starting_after": made[5]}
    )
    assert [s.id for s in after.data] == [made[4], made[3], made[2]]
    before = client.v1.subscriptions.list(
        params={"status": "all", "limit": 3, "ending_before": made[5]}
    )
    assert ([s.id for s in before.data], before.has_more) == ([made[8], made[7], made[6]], True)
    mine = client.v1.subscriptions.list(
        params={"customer": owners[1], "status": "active", "limit": 100}
    )
    assert [s.id for s in mine.data] == made[1::2][::-1][:100]
    cancelled = client.v1.subscriptions.list(params={"status": "canceled"})
    assert ([s.id for s in cancelled.data], cancelled.has_more) == ([made[10]], False)


def test_invoices_list_by_customer_and_status(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.set_card(cus, False)
    fake.advance(sub.id)
    open_ones = client.v1.invoices.list(params={"customer": cus, "status": "open"})
    assert [i.billing_reason for i in open_ones.data] == ["subscription_cycle"]
    assert len(client.v1.invoices.list(params={"customer": cus}).data) == 2
    page = client.v1.invoices.list(params={"subscription": sub.id, "limit": 1})
    assert page.has_more is True
    rest = client.v1.invoices.list(
        params={"subscription": sub.id, "starting_after": page.data[0].id}
    )
    assert [i.id for i in rest.data] == [sub.latest_invoice]


# --- customers ---------------------------------------------------------------------------


def test_a_customer_update_logs_what_changed(fake, client):
    cus = customer(client, fake, card=None)
    updated = client.v1.customers.update(
        cus, params={"email": "new@example.com", "metadata": {"user_id": "9"}}
    )
    assert (updated.email, updated.name, updated.metadata.to_dict()) == (
        "new@example.com",
        "Sam",
        {"user_id": "9"},
    )
    [event] = fake.drain_events()
    assert event["type"] == "customer.updated"
    assert event["data"]["previous_attributes"] == {"email": "sam@example.com", "metadata": {}}
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.update("cus_missing", params={"name": "X"})
    assert missing.value.http_status == 404


# --- checkout ----------------------------------------------------------------------------


def test_checkout_with_a_trial_and_no_card_makes_the_same_subscription(fake, client, prices):
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": prices["monthly"], "quantity": 1}],
            "customer_email": "sam@example.com",
            "payment_method_collection": "if_required",
            "subscription_data": {
                "trial_period_days": 14,
                "metadata": {"membership_id": "7"},
                "trial_settings": {"end_behavior": {"missing_payment_method": "cancel"}},
            },
        }
    )
    assert session.payment_method_collection == "if_required"
    done = fake.complete_checkout(session.id)
    assert done["payment_status"] == "no_payment_required"
    sub = client.v1.subscriptions.retrieve(done["subscription"])
    assert (sub.status, sub.default_payment_method, sub.metadata["membership_id"]) == (
        "trialing",
        None,
        "7",
    )
    assert sub.latest_invoice == done["invoice"]
    assert types(fake.drain_events()) == [
        "customer.created",
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "checkout.session.completed",
    ]
    assert types(fake.advance(sub.id))[-1] == "customer.subscription.deleted"


def test_checkout_collects_a_card_that_pays_the_renewals(fake, client, prices):
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": prices["yearly"], "quantity": 1}],
        }
    )
    done = fake.complete_checkout(session.id)
    sub = client.v1.subscriptions.retrieve(done["subscription"])
    assert sub.status == "active"
    assert sub.default_payment_method.startswith("pm_")
    fake.advance(sub.id)
    assert client.v1.invoices.retrieve(
        client.v1.subscriptions.retrieve(sub.id).latest_invoice
    ).amount_paid == (10000)


# --- idempotency and errors --------------------------------------------------------------


def test_a_replayed_update_changes_nothing_twice(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    fake.drain_events()
    params = {
        "items": [{"id": sub["items"].data[0].id, "price": prices["plus"]}],
        "proration_behavior": "always_invoice",
    }
    options = {"idempotency_key": "upgrade-7"}
    first = client.v1.subscriptions.update(sub.id, params=params, options=options)
    again = client.v1.subscriptions.update(sub.id, params=params, options=options)
    assert again.latest_invoice == first.latest_invoice
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 2
    assert types(fake.drain_events()).count("customer.subscription.updated") == 1


def test_bad_params_are_400s_naming_the_param(fake, client, prices):
    cus = customer(client, fake)
    cases = [
        (lambda: subscribe(client, cus, "price_missing"), "items[0][price]"),
        (lambda: subscribe(client, "cus_missing", prices["monthly"]), "customer"),
        (
            lambda: subscribe(client, cus, prices["monthly"], payment_behavior="maybe"),
            "payment_behavior",
        ),
        (lambda: client.v1.subscriptions.list(params={"limit": 0}), "limit"),
        (lambda: client.v1.subscriptions.list(params={"limit": 101}), "limit"),
        (lambda: client.v1.subscriptions.list(params={"status": "gone"}), "status"),
    ]
    sub = subscribe(client, cus, prices["monthly"])
    item = sub["items"].data[0].id
    cases += [
        (
            lambda: client.v1.subscriptions.update(
                sub.id, params={"pause_collection": {"resumes_at": T0 + DAY}}
            ),
            "pause_collection[behavior]",
        ),
        (
            lambda: client.v1.subscriptions.update(
                sub.id, params={"cancellation_details": {"feedback": "meh"}}
            ),
            "cancellation_details[feedback]",
        ),
        (
            lambda: client.v1.subscriptions.update(
                sub.id, params={"items": [{"id": item, "price": "price_missing"}]}
            ),
            "items[0][price]",
        ),
        (
            lambda: client.v1.subscriptions.update(
                sub.id, params={"items": [{"id": "si_missing", "price": prices["plus"]}]}
            ),
            "items[0][id]",
        ),
        (
            lambda: client.v1.subscriptions.update(
                sub.id,
                params={
                    "items": [{"id": item, "price": prices["plus"]}],
                    "proration_date": T0 - DAY,
                },
            ),
            "proration_date",
        ),
        (
            lambda: client.v1.subscriptions.update(
                sub.id, params={"discounts": [{"coupon": "NOPE"}]}
            ),
            "discounts[0][coupon]",
        ),
    ]
    for call, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as error:
            call()
        assert (error.value.http_status, error.value.param) == (400, param)
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.subscriptions.retrieve("sub_missing")
    assert unknown.value.http_status == 404
    assert client.v1.subscriptions.retrieve(sub.id)["items"].data[0].price.id == prices["monthly"]


def test_a_canceled_subscription_only_takes_metadata_and_cancellation_details(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"])
    client.v1.subscriptions.cancel(sub.id)
    with pytest.raises(stripe.InvalidRequestError, match="canceled subscription can only"):
        client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    with pytest.raises(stripe.InvalidRequestError, match="canceled subscription can only"):
        client.v1.subscriptions.update(
            sub.id, params={"items": [{"id": sub["items"].data[0].id, "price": prices["plus"]}]}
        )
    noted = client.v1.subscriptions.update(sub.id, params={"metadata": {"note": "refunded"}})
    assert noted.metadata["note"] == "refunded"


def test_events_tell_which_request_caused_them(fake, client, prices):
    cus = customer(client, fake)
    sub = subscribe(client, cus, prices["monthly"], idempotency_key="join-7")
    [request] = fake.requests_to("POST", "/v1/subscriptions")
    assert {e["request"]["id"] for e in fake.drain_events()} == {request.request_id}
    renewal = fake.advance(sub.id)
    assert {e["request"]["id"] for e in renewal} == {None}


def test_a_page_reads_only_the_subscriptions_it_returns(fake, client, prices):
    fake.record_events = False
    cus = customer(client, fake)
    made = [subscribe(client, cus, prices["monthly"]).id for _ in range(250)]

    class Counting(dict):
        reads = 0

        def __getitem__(self, key):
            Counting.reads += 1
            return super().__getitem__(key)

    fake._store["subscription"] = Counting(fake._store["subscription"])
    page = client.v1.subscriptions.list(params={"limit": 100, "starting_after": made[200]})
    assert [s.id for s in page.data] == made[199:99:-1]
    assert Counting.reads <= 101 + 1  # the page, the look-ahead for has_more, the cursor


def test_advance_all_renews_every_running_subscription(fake, client, prices):
    cus = customer(client, fake)
    monthly = subscribe(client, cus, prices["monthly"])
    yearly = subscribe(client, cus, prices["yearly"])
    client.v1.subscriptions.cancel(subscribe(client, cus, prices["monthly"]).id)
    events = fake.advance_all(to=at(2026, 3, 1))
    paid = [e["data"]["object"]["subscription"] for e in events if e["type"] == "invoice.paid"]
    assert paid == [monthly.id]
    assert fake.clock(yearly.id) == at(2026, 3, 1)
