"""Subscriptions: create (also from a completed Checkout Session), list, update (prices with
prorations, interval switches, coupons, pausing collection, cancelling at the period's end),
cancel, resume, and the invoice preview that prices an update exactly as the update will.

The current period lives on the items (``items.data[].current_period_start/end``), as in API
versions since 2025-03-31; the subscription itself carries no period, like Stripe's example
object. Periods are counted from the billing cycle anchor (a subscription started on the 31st
renews on the last day of shorter months and on the 31st again after them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.stripe_fake.clock import TRIAL_WILL_END
from tests.stripe_fake.invoices import coupon_amount, line_spec, rounded
from tests.stripe_fake.wire import (
    Json,
    StripeApiError,
    _add_interval,
    _bool,
    _choice,
    _day,
    _declined,
    _dict,
    _int,
    _list,
    _merged_metadata,
    _metadata,
    _missing,
    _no_payment_method,
    _no_such,
    _str,
    clone,
    fixture,
    new_id,
)

PRORATION_BEHAVIORS = ("always_invoice", "create_prorations", "none")
PAYMENT_BEHAVIORS = (
    "allow_incomplete",
    "default_incomplete",
    "error_if_incomplete",
    "pending_if_incomplete",
)
TRIAL_END_BEHAVIORS = ("cancel", "create_invoice", "pause")
PAUSE_BEHAVIORS = ("keep_as_draft", "mark_uncollectible", "void")
FEEDBACK = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)
LIST_STATUSES = (
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
)
ENDED = ("canceled", "incomplete_expired")
_KEEP = object()  # "this param was not given"


@dataclass
class Billing:
    """What the fake keeps about a subscription besides its Stripe object."""

    clock: int  # the subscription's own time
    anchor: int  # the billing cycle anchor
    cycle: int  # the current period ends ``cycle`` intervals after the anchor
    pending: list[Json] = field(default_factory=list)  # prorations for the next invoice
    trial_will_end_sent: bool = False


@dataclass
class Change:
    """A planned change of a subscription's items (an update, a preview, a schedule phase)."""

    entries: list[tuple[str | None, Json, int]]  # (item id or None for a new one, price, qty)
    prorations: list[Json]
    invoice_now: bool  # an invoice is issued at once (always_invoice, or a new interval)
    new_interval: bool  # the billing period changes length: the anchor moves to now


def recurring(price: Json) -> tuple[str, int]:
    return price["recurring"]["interval"], price["recurring"]["interval_count"]


def plan_of(price: Json) -> Json:
    """The legacy ``plan`` Stripe still shows beside a subscription item's price."""
    plan = fixture("subscription", "items", "data", 0, "plan")
    interval, count = recurring(price)
    plan.update(
        id=price["id"],
        active=True,
        amount=price["unit_amount"],
        amount_decimal=price["unit_amount_decimal"],
        billing_scheme="per_unit",
        created=price["created"],
        currency=price["currency"],
        interval=interval,
        interval_count=count,
        livemode=False,
        metadata=price["metadata"],
        nickname=price["nickname"],
        product=price["product"],
        tiers_mode=None,
        transform_usage=None,
    )
    return plan


class SubscriptionsMixin:
    """The ``/v1/subscriptions`` routes and ``POST /v1/invoices/create_preview``."""

    # -- reading a subscription

    def _period(self, sub: Json) -> tuple[int, int]:
        item = sub["items"]["data"][0]
        return item["current_period_start"], item["current_period_end"]

    def _set_period(self, sub: Json, start: int, end: int) -> None:
        for item in sub["items"]["data"]:
            item.update(current_period_start=start, current_period_end=end)

    def _interval(self, sub: Json) -> tuple[str, int]:
        return recurring(sub["items"]["data"][0]["price"])

    def _bound(self, sub: Json, cycle: int, interval: tuple[str, int] | None = None) -> int:
        """The end of the ``cycle``-th period after the billing cycle anchor."""
        name, count = interval or self._interval(sub)
        return _add_interval(self._billing[sub["id"]].anchor, name, count * cycle)

    def _entries(self, sub: Json) -> list[tuple[str | None, Json, int]]:
        return [(i["id"], i["price"], i["quantity"]) for i in sub["items"]["data"]]

    def _name(self, price: Json) -> str:
        return self._store["product"].get(price["product"], {}).get("name") or price["product"]

    def _renewal_specs(self, entries: list, period: tuple[int, int]) -> list[Json]:
        return [
            line_spec(price, qty, period, item=item_id, description=f"{qty} × {self._name(price)}")  # noqa: RUF001
            for item_id, price, qty in entries
        ]

    def _item(self, price: Json, quantity: int, sub_id: str, period: tuple, at: int) -> Json:
        item = fixture("subscription", "items", "data", 0)
        item.update(
            id=new_id("si", 14),
            billing_thresholds=None,
            created=at,
            current_period_end=period[1],
            current_period_start=period[0],
            discounts=[],
            metadata={},
            plan=plan_of(price),
            price=clone(price),
            quantity=quantity,
            subscription=sub_id,
        )
        return item

    def _recurring_price(self, price_id: str | None, param: str, currency: str | None) -> Json:
        if not price_id:
            raise _missing(param)
        price = self._find("price", price_id, status=400, param=param)
        if price["type"] != "recurring":
            raise StripeApiError(
                400,
                "The price specified is set to `type=one_time` but this field only accepts "
                "prices with `type=recurring`.",
                param=param,
            )
        if currency and price["currency"] != currency:
            raise StripeApiError(
                400,
                f"The price specified ({price_id}) is in {price['currency']}, but the "
                f"subscription is in {currency}. Currencies must match.",
                param=param,
            )
        return price

    @staticmethod
    def _same_interval(prices: list[Json], param: str) -> tuple[str, int]:
        intervals = {recurring(price) for price in prices}
        if len(intervals) > 1:
            raise StripeApiError(
                400,
                "Currency and interval fields must match across all plans on a subscription. "
                "Found mismatch in interval field.",
                param=param,
            )
        return intervals.pop()

    # -- create

    def _create_subscription(self, params: Json) -> Json:
        customer_id = _str(params, "customer", required=True)
        self._find("customer", customer_id, status=400, param="customer")
        items = _list(params.get("items"), "items")
        if not items:
            raise _missing("items")
        lines, currency = [], None
        for i, item in enumerate(items):
            prefix = f"items[{i}]"
            item = _dict(item, prefix)
            price = self._recurring_price(item.get("price"), f"{prefix}[price]", currency)
            currency = price["currency"]
            quantity = _int(item.get("quantity"), f"{prefix}[quantity]", minimum=1) or 1
            lines.append({"price": price, "quantity": quantity})
        self._same_interval([line["price"] for line in lines], "items")
        settings = _dict(params.get("trial_settings"), "trial_settings")
        end = _dict(settings.get("end_behavior"), "trial_settings[end_behavior]")
        subscription = self._subscription_start(
            customer_id=customer_id,
            lines=lines,
            trial_days=_int(params.get("trial_period_days"), "trial_period_days", minimum=0),
            end_behavior=_choice(
                end,
                "missing_payment_method",
                TRIAL_END_BEHAVIORS,
                default="create_invoice",
                prefix="trial_settings[end_behavior]",
            ),
            metadata=_metadata(params.get("metadata")),
            payment_behavior=_choice(
                params, "payment_behavior", PAYMENT_BEHAVIORS, default="allow_incomplete"
            ),
            payment_method=self._payment_method_param(params),
            coupon=self._coupon_param(params.get("discounts"), currency),
            at=self.now(),
        )
        return clone(subscription)

    def _payment_method_param(self, params: Json) -> str | None:
        value = _str(params, "default_payment_method")
        if value and not value.startswith(("pm_", "card_", "src_")):
            raise _no_such("PaymentMethod", value, status=400, param="default_payment_method")
        return value

    def _subscription_start(
        self,
        *,
        customer_id: str,
        lines: list[Json],
        trial_days: int | None,
        end_behavior: str,
        metadata: dict[str, str],
        payment_behavior: str,
        payment_method: str | None,
        coupon: Any,
        at: int,
        checkout_session: str | None = None,
        pay: bool = True,
    ) -> Json:
        """A new subscription and its first invoice, for ``POST /v1/subscriptions`` and for
        a completed Checkout Session alike. ``lines`` are ``{"price", "quantity"}``; the
        recurring ones become the items, one-time ones are billed on the first invoice."""
        recurring_lines = [line for line in lines if line["price"]["type"] == "recurring"]
        interval, count = recurring(recurring_lines[0]["price"])
        trial_end = at + trial_days * 86400 if trial_days else None
        if payment_behavior == "error_if_incomplete" and not trial_end:
            base = sum(line["price"]["unit_amount"] * line["quantity"] for line in lines)
            due = base - (coupon_amount(coupon[0], base) if coupon else 0)
            card = self._card(customer_id, {"default_payment_method": payment_method})
            if due > 0 and card is None:
                raise _no_payment_method(customer_id)
            if due > 0 and not (card and pay):
                raise _declined()
        sub_id = new_id("sub")
        period = (at, trial_end or _add_interval(at, interval, count))
        items = [
            self._item(ln["price"], ln["quantity"], sub_id, period, at) for ln in recurring_lines
        ]
        sub = fixture("subscription")
        sub.update(
            id=sub_id,
            billing_cycle_anchor=trial_end or at,
            billing_cycle_anchor_config=None,
            billing_mode={"type": "classic", "flexible": None},
            billing_schedules=[],
            billing_thresholds=None,
            cancel_at=None,
            cancel_at_period_end=False,
            canceled_at=None,
            cancellation_details={"comment": None, "feedback": None, "reason": None},
            created=at,
            currency=recurring_lines[0]["price"]["currency"],
            customer=customer_id,
            default_payment_method=payment_method,
            discounts=[],
            ended_at=None,
            items={
                "object": "list",
                "data": items,
                "has_more": False,
                "total_count": len(items),
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
            latest_invoice=None,
            managed_payments={"enabled": False},
            metadata=metadata,
            next_pending_invoice_item_invoice=None,
            pause_collection=None,
            pending_invoice_item_interval=None,
            pending_update=None,
            schedule=None,
            start_date=at,
            status="incomplete",
            transfer_data=None,
            trial_end=trial_end,
            trial_settings={"end_behavior": {"missing_payment_method": end_behavior}},
            trial_start=at if trial_end else None,
        )
        state = self._billing[sub_id] = Billing(
            clock=at, anchor=trial_end or at, cycle=0 if trial_end else 1
        )
        mark = len(self._event_log)
        self._keep(sub)
        if coupon:
            discount = self._new_discount(
                *coupon,
                customer=customer_id,
                subscription=sub_id,
                at=at,
                checkout_session=checkout_session,
                redeem=checkout_session is None,
            )
            sub["discounts"] = [discount["id"]]
        item_ids = iter(item["id"] for item in items)
        specs = []
        for line in lines:
            price, quantity = line["price"], line["quantity"]
            item_id = next(item_ids) if price["type"] == "recurring" else None
            name = self._name(price)
            if trial_end:
                description, amount = f"Trial period for {name}", 0
            else:
                description, amount = f"{quantity} × {name}", None  # noqa: RUF001 (Stripe's sign)
            specs.append(
                line_spec(
                    price, quantity, period, item=item_id, amount=amount, description=description
                )
            )
        invoice = self._issue(sub, specs, reason="subscription_create", at=at, period=(at, at))
        self._finalize(invoice, at)
        if invoice["status"] == "open" and payment_behavior != "default_incomplete":
            self._collect(invoice, at, pay=pay)
        if trial_end:
            sub["status"] = "trialing"
        else:
            sub["status"] = "active" if invoice["status"] == "paid" else "incomplete"
        self._emit("customer.subscription.created", sub, at=at)
        if self.record_events:  # Stripe tells of the subscription before its invoice
            self._event_log.insert(mark, self._event_log.pop())
        if trial_end and trial_end - TRIAL_WILL_END <= at:
            state.trial_will_end_sent = True
            self._emit("customer.subscription.trial_will_end", sub, at=at)
        return sub

    # -- list

    def _list_subscriptions(self, params: Json) -> Json:
        status = _choice(params, "status", LIST_STATUSES)
        customer = _str(params, "customer")
        if customer:
            self._find("customer", customer, status=400, param="customer")
            ids = self._index.get(("subscription", "customer", customer), [])
        else:
            ids = self._order["subscription"]

        def wanted(sub: Json) -> bool:
            if status is None:
                return sub["status"] != "canceled"
            if status == "all":
                return True
            if status == "ended":
                return sub["status"] in ENDED
            return sub["status"] == status

        return self._page("subscription", ids, params, wanted, "/v1/subscriptions")

    # -- update

    def _update_subscription(self, params: Json, obj_id: str) -> Json:
        sub = self._find("subscription", obj_id)
        at = self._billing[obj_id].clock
        if sub["status"] == "incomplete_expired":
            raise StripeApiError(
                400, "You cannot update a subscription that is `canceled` or `incomplete_expired`."
            )
        if sub["status"] == "canceled" and set(params) - {
            "metadata",
            "cancellation_details",
            "expand",
        }:
            raise StripeApiError(
                400,
                "A canceled subscription can only update its cancellation_details and metadata.",
            )
        metadata = params.get("metadata", _KEEP)
        if metadata is not _KEEP:
            metadata = _merged_metadata(sub["metadata"], metadata)
        details = self._cancellation_details(params)
        cancel = _bool(params.get("cancel_at_period_end"), "cancel_at_period_end")
        if cancel is not None and sub["schedule"]:
            raise StripeApiError(
                400,
                f"The subscription is managed by the subscription schedule `{sub['schedule']}`, "
                "and updating any cancelation behavior directly is not allowed. Please update "
                "the schedule instead.",
                param="cancel_at_period_end",
            )
        pause = self._pause_param(params, at)
        coupon = _KEEP
        if "discounts" in params:
            coupon = self._coupon_param(params["discounts"], sub["currency"])
        payment_method = _KEEP
        if "default_payment_method" in params:
            payment_method = self._payment_method_param(params)
        behavior = _choice(
            params, "proration_behavior", PRORATION_BEHAVIORS, default="create_prorations"
        )
        proration_date = _int(params.get("proration_date"), "proration_date")
        payment_behavior = _choice(
            params, "payment_behavior", PAYMENT_BEHAVIORS, default="allow_incomplete"
        )
        change = None
        if params.get("items"):
            change = self._plan_change(sub, params["items"], "items", behavior, proration_date, at)
            if change.invoice_now and payment_behavior == "error_if_incomplete":
                self._refuse_unpayable(sub, change, at)
        with self._changing(sub, at):
            if metadata is not _KEEP:
                sub["metadata"] = metadata
            if payment_method is not _KEEP:
                sub["default_payment_method"] = payment_method
            if details:
                sub["cancellation_details"] = {**sub["cancellation_details"], **details}
            if cancel is True:
                sub.update(
                    cancel_at_period_end=True, cancel_at=self._period(sub)[1], canceled_at=at
                )
                sub["cancellation_details"] = {
                    **sub["cancellation_details"],
                    "reason": "cancellation_requested",
                }
            elif cancel is False:
                sub.update(cancel_at_period_end=False, cancel_at=None, canceled_at=None)
                sub["cancellation_details"] = {**sub["cancellation_details"], "reason": None}
            if pause is not _KEEP:
                sub["pause_collection"] = pause
            if coupon is not _KEEP:
                sub["discounts"] = []
                if coupon:
                    discount = self._new_discount(
                        *coupon, customer=sub["customer"], subscription=sub["id"], at=at
                    )
                    sub["discounts"] = [discount["id"]]
            if change is not None:
                self._apply_change(sub, change, at)
        return clone(sub)

    def _cancellation_details(self, params: Json) -> Json:
        details = _dict(params.get("cancellation_details"), "cancellation_details")
        result: Json = {}
        if "comment" in details:
            comment = _str(details, "comment", prefix="cancellation_details")
            if comment and len(comment) > 5000:
                raise StripeApiError(
                    400, "The comment is too long.", param="cancellation_details[comment]"
                )
            result["comment"] = comment
        if "feedback" in details:
            result["feedback"] = _choice(
                details, "feedback", FEEDBACK, prefix="cancellation_details"
            )
        return result

    def _pause_param(self, params: Json, at: int) -> Any:
        if "pause_collection" not in params:
            return _KEEP
        if params["pause_collection"] == "":
            return None
        pause = _dict(params["pause_collection"], "pause_collection")
        behavior = _str(pause, "behavior", required=True, prefix="pause_collection")
        if behavior not in PAUSE_BEHAVIORS:
            raise StripeApiError(
                400,
                f"Invalid pause_collection[behavior]: must be one of {', '.join(PAUSE_BEHAVIORS)}",
                param="pause_collection[behavior]",
            )
        resumes_at = _int(pause.get("resumes_at"), "pause_collection[resumes_at]")
        if resumes_at is not None and resumes_at <= at:
            raise StripeApiError(
                400,
                "The `resumes_at` timestamp must be in the future.",
                param="pause_collection[resumes_at]",
            )
        return {"behavior": behavior, "resumes_at": resumes_at}

    def _plan_change(
        self,
        sub: Json,
        items: Any,
        prefix: str,
        behavior: str,
        proration_date: int | None,
        at: int,
        *,
        date_param: str = "proration_date",
    ) -> Change:
        """What changing ``sub``'s items as the ``items`` param says would do, at ``at``:
        the new items, the proration lines (credit for the unused time on the old price and
        charge for the remaining time on the new one, to the second, from ``proration_date``
        or now), and whether it is invoiced at once."""
        entries = self._entries(sub)
        position = {item_id: n for n, (item_id, _, _) in enumerate(entries)}
        for i, item in enumerate(_list(items, prefix)):
            p = f"{prefix}[{i}]"
            item = _dict(item, p)
            if _bool(item.get("deleted"), f"{p}[deleted]"):
                raise StripeApiError(
                    400, "This server does not remove subscription items.", param=f"{p}[deleted]"
                )
            item_id = _str(item, "id", prefix=p)
            quantity = _int(item.get("quantity"), f"{p}[quantity]", minimum=1)
            if item_id:
                if item_id not in position:
                    raise _no_such("subscription_item", item_id, status=400, param=f"{p}[id]")
                n = position[item_id]
                _, old_price, old_quantity = entries[n]
                price = old_price
                if item.get("price"):
                    price = self._recurring_price(item["price"], f"{p}[price]", sub["currency"])
                entries[n] = (item_id, price, quantity or old_quantity)
            else:
                price = self._recurring_price(item.get("price"), f"{p}[price]", sub["currency"])
                entries.append((None, price, quantity or 1))
        interval = self._same_interval([price for _, price, _ in entries], prefix)
        trialing = sub["status"] == "trialing"
        new_interval = interval != self._interval(sub) and not trialing
        start, end = self._period(sub)
        when = at if proration_date is None else proration_date
        if proration_date is not None and not start <= proration_date <= end:
            raise StripeApiError(
                400,
                "The proration date must be within the subscription's current billing period "
                f"({start} to {end}).",
                param=date_param,
            )
        prorations = []
        if behavior != "none" and not trialing and end > start:
            before = {item_id: (price, qty) for item_id, price, qty in self._entries(sub)}
            for item_id, price, qty in entries:
                old = before.get(item_id)
                if old and old[0]["id"] == price["id"] and old[1] == qty:
                    continue
                if old:
                    prorations += self._proration(*old, item_id, when, (start, end), credit=True)
                if not new_interval:
                    prorations += self._proration(price, qty, item_id, when, (start, end))
        state = self._billing[sub["id"]]
        invoice_now = new_interval or (
            behavior == "always_invoice" and bool(prorations or state.pending)
        )
        return Change(entries, prorations, invoice_now, new_interval)

    def _proration(
        self,
        price: Json,
        quantity: int,
        item_id: str | None,
        when: int,
        period: tuple[int, int],
        *,
        credit: bool = False,
    ) -> list[Json]:
        start, end = period
        full = Decimal(price["unit_amount"] * quantity)
        amount = rounded(full * (end - when) / (end - start))
        if amount == 0:
            return []
        name = self._name(price)
        label = name if quantity == 1 else f"{quantity} × {name}"  # noqa: RUF001
        text = "Unused time on" if credit else "Remaining time on"
        return [
            line_spec(
                price,
                quantity,
                (when, end),
                item=item_id,
                amount=-amount if credit else amount,
                description=f"{text} {label} after {_day(when)}",
                proration=True,
            )
        ]

    def _immediate_specs(self, sub: Json, change: Change, entries: list, at: int) -> list[Json]:
        """The lines of the invoice a change issues at once: prorations waiting for the next
        invoice, the change's own, and with a new interval the first new period in full."""
        specs = [*self._billing[sub["id"]].pending, *change.prorations]
        if change.new_interval:
            name, count = recurring(entries[0][1])
            specs += self._renewal_specs(entries, (at, _add_interval(at, name, count)))
        return specs

    def _refuse_unpayable(self, sub: Json, change: Change, at: int) -> None:
        """``payment_behavior=error_if_incomplete``: refuse a change whose invoice would fail."""
        specs = self._immediate_specs(sub, change, change.entries, at)
        invoice = self._build_invoice(
            sub, specs, reason="subscription_update", at=at, period=(at, at), preview=True
        )
        card = self._card(sub["customer"], sub)
        if invoice["amount_due"] > 0 and card is None:
            raise _no_payment_method(sub["customer"])
        if invoice["amount_due"] > 0 and not card:
            raise _declined()

    def _replace_items(self, sub: Json, entries: list, at: int) -> None:
        old = {item["id"]: item for item in sub["items"]["data"]}
        start, end = self._period(sub)
        items = []
        for item_id, price, quantity in entries:
            if item_id is None:
                items.append(self._item(price, quantity, sub["id"], (start, end), at))
                continue
            item = old[item_id]
            if item["price"]["id"] != price["id"]:
                item.update(price=clone(price), plan=plan_of(price))
            item["quantity"] = quantity
            items.append(item)
        sub["items"]["data"] = items
        sub["items"]["total_count"] = len(items)

    def _apply_change(self, sub: Json, change: Change, at: int, *, pay: bool = True) -> None:
        state = self._billing[sub["id"]]
        self._replace_items(sub, change.entries, at)
        if not change.invoice_now:
            state.pending += change.prorations
            return
        specs = self._immediate_specs(sub, change, self._entries(sub), at)
        if change.new_interval:
            state.anchor, state.cycle = at, 1
            sub["billing_cycle_anchor"] = at
            self._set_period(sub, at, self._bound(sub, 1))
        state.pending = []
        invoice = self._issue(sub, specs, reason="subscription_update", at=at, period=(at, at))
        self._finalize(invoice, at)
        if invoice["status"] == "open":
            self._settle(sub, invoice, self._collect(invoice, at, pay=pay), at)

    # -- preview

    def _preview_invoice(self, params: Json) -> Json:
        """``POST /v1/invoices/create_preview`` for an existing subscription: with
        ``subscription_details[items]`` the invoice the update would issue at once
        (``always_invoice``, or a new interval), else the next renewal's invoice with the
        prorations it will carry. Nothing is stored."""
        sub_id = _str(params, "subscription")
        if not sub_id:
            raise StripeApiError(
                400,
                "This server previews invoices of existing subscriptions: pass `subscription`.",
                param="subscription",
            )
        sub = self._find("subscription", sub_id, status=400, param="subscription")
        customer = _str(params, "customer")
        if customer:
            self._find("customer", customer, status=400, param="customer")
            if customer != sub["customer"]:
                raise StripeApiError(
                    400,
                    f"The subscription {sub_id} does not belong to the customer {customer}.",
                    param="subscription",
                )
        if sub["status"] in ENDED:
            raise StripeApiError(
                400,
                f"No upcoming invoices for customer: {sub['customer']}",
                code="invoice_upcoming_none",
            )
        details = _dict(params.get("subscription_details"), "subscription_details")
        prefix = "subscription_details"
        behavior = _choice(
            details,
            "proration_behavior",
            PRORATION_BEHAVIORS,
            default="create_prorations",
            prefix=prefix,
        )
        proration_date = _int(details.get("proration_date"), f"{prefix}[proration_date]")
        state = self._billing[sub_id]
        at = state.clock
        change = None
        if details.get("items"):
            change = self._plan_change(
                sub,
                details["items"],
                f"{prefix}[items]",
                behavior,
                proration_date,
                at,
                date_param=f"{prefix}[proration_date]",
            )
        if change is not None and change.invoice_now:
            specs = self._immediate_specs(sub, change, change.entries, at)
            return self._build_invoice(
                sub, specs, reason="upcoming", at=at, period=(at, at), preview=True
            )
        start, end = self._period(sub)
        entries = change.entries if change else self._scheduled_entries(sub, end)
        interval = recurring(entries[0][1])
        following = (end, self._bound(sub, state.cycle + 1, interval))
        specs = [
            *state.pending,
            *(change.prorations if change else []),
            *self._renewal_specs(entries, following),
        ]
        invoice = self._build_invoice(
            sub, specs, reason="upcoming", at=end, period=(start, end), preview=True
        )
        invoice["next_payment_attempt"] = end
        return invoice

    # -- cancel and resume

    def _cancel_subscription(self, params: Json, obj_id: str) -> Json:
        sub = self._find("subscription", obj_id)
        if sub["status"] in ENDED:
            # Stripe treats a cancelled subscription as deleted for a second cancel.
            raise _no_such("subscription", obj_id)
        details = self._cancellation_details(params)
        at = self._billing[obj_id].clock
        with self._changing(sub, at):
            sub.update(canceled_at=at, cancel_at=None, cancel_at_period_end=False)
            sub["cancellation_details"] = {
                "comment": details.get("comment"),
                "feedback": details.get("feedback"),
                "reason": "cancellation_requested",
            }
            self._end_subscription(sub, at)
        return clone(sub)

    def _end_subscription(self, sub: Json, at: int, *, reason: str | None = None) -> None:
        """``sub`` ends now: ``canceled``, its schedule cancelled, its open invoices no longer
        retried (voided when the first one was never paid)."""
        first_unpaid = sub["status"] == "incomplete"
        sub.update(status="canceled", ended_at=at)
        if sub["canceled_at"] is None:
            sub["canceled_at"] = at
        if reason:
            sub["cancellation_details"] = {**sub["cancellation_details"], "reason": reason}
        self._billing[sub["id"]].pending = []
        self._schedule_ends_with(sub, at)
        for invoice in self._open_invoices(sub["id"]):
            if first_unpaid:
                self._void(invoice, at)
            else:
                invoice["next_payment_attempt"] = None

    def _resume_subscription(self, params: Json, obj_id: str) -> Json:
        """``POST /v1/subscriptions/{id}/resume`` of a ``paused`` subscription (its trial ended
        without a card): a new period from now, invoiced and charged at once."""
        sub = self._find("subscription", obj_id)
        if sub["status"] != "paused":
            raise StripeApiError(400, "Only subscriptions with status `paused` can be resumed.")
        anchor = _choice(params, "billing_cycle_anchor", ("now", "unchanged"), default="now")
        if anchor != "now":
            raise StripeApiError(
                400,
                "This server resumes subscriptions with billing_cycle_anchor=now only.",
                param="billing_cycle_anchor",
            )
        state = self._billing[obj_id]
        at = state.clock
        with self._changing(sub, at):
            state.anchor, state.cycle = at, 1
            sub.update(billing_cycle_anchor=at, status="active")
            self._set_period(sub, at, self._bound(sub, 1))
            specs = [*state.pending, *self._renewal_specs(self._entries(sub), self._period(sub))]
            state.pending = []
            invoice = self._issue(sub, specs, reason="subscription_cycle", at=at, period=(at, at))
            self._finalize(invoice, at)
            if invoice["status"] == "open":
                self._settle(sub, invoice, self._collect(invoice, at), at)
        return clone(sub)
