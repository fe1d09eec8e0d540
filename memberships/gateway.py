"""Memberships' calls to Stripe, through the payments app's client (one SDK, one
error type). Every create or change carries an idempotency key derived from our own
rows, so a retried request (a timeout, a double click, a task run twice) changes
nothing twice. Subscriptions are read back as plain JSON for ``services.sync``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from payments import stripe_gateway
from payments.stripe_gateway import call, client

Json = dict[str, Any]

INTERVALS = {"month": ("month", 1), "quarter": ("month", 3), "year": ("year", 1)}
PAGE = 100  # Stripe's largest page


def _json(obj: Any) -> Json:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _ts(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def configured() -> bool:
    return stripe_gateway.configured()


def price_create(
    *, price_id: int, tier_name: str, amount: int, currency: str, interval: str
) -> str:
    """The Stripe Price behind one of our tier prices (created once, on first use)."""
    product = call(
        client().v1.products.create,
        params={"name": tier_name, "metadata": {"tier_price_id": str(price_id)}},
        options={"idempotency_key": f"tier-price-{price_id}-product"},
    )
    every, count = INTERVALS[interval]
    price = call(
        client().v1.prices.create,
        params={
            "product": product.id,
            "unit_amount": amount,
            "currency": currency.lower(),
            "recurring": {"interval": every, "interval_count": count},
            "metadata": {"tier_price_id": str(price_id)},
        },
        options={"idempotency_key": f"tier-price-{price_id}-price"},
    )
    return price.id


def checkout_create(
    *,
    membership_id: int,
    customer: str,
    price: str,
    trial_days: int,
    card_required: bool,
    coupon: str | None,
    success_url: str,
    cancel_url: str,
    locale: str,
) -> Any:
    metadata = {"membership_id": str(membership_id)}
    subscription_data: Json = {"metadata": metadata}
    if trial_days:
        subscription_data["trial_period_days"] = trial_days
        if not card_required:
            subscription_data["trial_settings"] = {
                "end_behavior": {"missing_payment_method": "cancel"}
            }
    params: Json = {
        "mode": "subscription",
        "customer": customer,
        "client_reference_id": f"membership-{membership_id}",
        "metadata": metadata,
        "line_items": [{"price": price, "quantity": 1}],
        "subscription_data": subscription_data,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": locale,
        "payment_method_collection": "always" if card_required or not trial_days else "if_required",
    }
    if coupon:
        params["discounts"] = [{"coupon": coupon}]
    return call(
        client().v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": f"membership-{membership_id}-checkout"},
    )


def subscription_get(subscription_id: str) -> Json:
    return _json(call(client().v1.subscriptions.retrieve, subscription_id))


def subscriptions_page(*, starting_after: str | None = None) -> tuple[list[Json], bool]:
    """One page of every subscription of the account, newest first (reconciliation)."""
    params: Json = {"status": "all", "limit": PAGE}
    if starting_after:
        params["starting_after"] = starting_after
    page = call(client().v1.subscriptions.list, params=params)
    return [_json(s) for s in page.data], bool(page.has_more)


def _items(subscription: Json, price: str) -> list[Json]:
    item = subscription["items"]["data"][0]
    return [{"id": item["id"], "price": price}]


def change_preview(*, subscription: Json, price: str, at: dt.datetime) -> Json:
    """What changing to ``price`` now would charge at once (Stripe's own proration)."""
    return _json(
        call(
            client().v1.invoices.create_preview,
            params={
                "customer": subscription["customer"],
                "subscription": subscription["id"],
                "subscription_details": {
                    "items": _items(subscription, price),
                    "proration_behavior": "always_invoice",
                    "proration_date": _ts(at),
                },
            },
        )
    )


def change_now(
    *, subscription: Json, price: str, at: dt.datetime, key: str, proration: str = "always_invoice"
) -> Json:
    """Change the price at once, invoicing the prorated difference now (or, with
    proration "none", billing the new price from the next renewal)."""
    return _json(
        call(
            client().v1.subscriptions.update,
            subscription["id"],
            params={
                "items": _items(subscription, price),
                "proration_behavior": proration,
                "proration_date": _ts(at),
            },
            options={"idempotency_key": key},
        )
    )


def change_at_period_end(*, subscription: Json, price: str, key: str) -> str:
    """Schedule the price change for the end of the paid period (no proration): a
    subscription schedule with the current phase and the next one. Returns its id."""
    schedules = client().v1.subscription_schedules
    schedule_id = subscription.get("schedule")
    if isinstance(schedule_id, dict):
        schedule_id = schedule_id.get("id")
    if not schedule_id:
        schedule = call(
            schedules.create,
            params={"from_subscription": subscription["id"]},
            options={"idempotency_key": f"{key}-schedule"},
        )
        schedule_id = schedule.id
    item = subscription["items"]["data"][0]
    current = item["price"]["id"] if isinstance(item["price"], dict) else item["price"]
    start = item.get("current_period_start") or subscription.get("current_period_start")
    end = item.get("current_period_end") or subscription.get("current_period_end")
    call(
        schedules.update,
        schedule_id,
        params={
            "end_behavior": "release",
            "phases": [
                {
                    "items": [{"price": current, "quantity": 1}],
                    "start_date": start,
                    "end_date": end,
                },
                {"items": [{"price": price, "quantity": 1}]},
            ],
        },
        options={"idempotency_key": f"{key}-phases"},
    )
    return schedule_id


def schedule_release(schedule_id: str) -> None:
    call(client().v1.subscription_schedules.release, schedule_id)


def update(*, subscription_id: str, params: Json, key: str) -> Json:
    """Any other change (cancel at period end or not, pause, a retention coupon)."""
    return _json(
        call(
            client().v1.subscriptions.update,
            subscription_id,
            params=params,
            options={"idempotency_key": key},
        )
    )


def retention_coupon_create(*, tier_id: int, percent_off: int, months: int) -> str:
    coupon = call(
        client().v1.coupons.create,
        params={
            "percent_off": percent_off,
            "duration": "repeating",
            "duration_in_months": months,
            "metadata": {"tier_id": str(tier_id), "purpose": "retention"},
        },
        options={"idempotency_key": f"tier-{tier_id}-retention-{percent_off}-{months}"},
    )
    return coupon.id


def coupon_mirror(*, coupon: Any) -> str:
    """Our sign-up code as a Stripe coupon for the first invoice (created once per
    version of the code)."""
    params: Json = {"duration": "once", "metadata": {"coupon_id": str(coupon.pk)}}
    if coupon.percent_off is not None:
        params["percent_off"] = coupon.percent_off
    else:
        params["amount_off"] = coupon.amount_off
        params["currency"] = coupon.currency.lower()
    version = int(coupon.updated_at.timestamp())
    mirrored = call(
        client().v1.coupons.create,
        params=params,
        options={"idempotency_key": f"coupon-{coupon.pk}-{version}"},
    )
    return mirrored.id


def cancel_now(subscription_id: str) -> None:
    stripe_gateway.subscription_cancel(subscription_id)


def portal_url(*, customer: str, return_url: str, locale: str) -> str:
    return stripe_gateway.portal_session_create(
        customer=customer, return_url=return_url, locale=locale
    )
