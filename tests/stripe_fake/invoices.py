"""Subscription invoices: built from line specs (a period's price, a proration), with the
subscription's discount and the customer's credit balance; finalized, charged to the
customer's card, voided; listed and paid over HTTP.

A *line spec* is the fake's own plain description of one invoice line (:func:`line_spec`);
the same specs make the invoice an update charges and the preview of that update, which is
why the two agree to the cent."""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.stripe_fake.wire import (
    INVOICE_URL,
    Json,
    StripeApiError,
    _add_interval,
    _bool,
    _choice,
    _declined,
    _list,
    _missing,
    _no_payment_method,
    _only_one,
    _str,
    clone,
    fixture,
    new_id,
)

RETRY_DELAY = 3 * 86400  # when a failed renewal's next smart retry is announced
INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")


def rounded(value: Decimal) -> int:
    """Minor units, rounded half up as Stripe rounds prorations and percentages."""
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def line_spec(
    price: Json,
    quantity: int,
    period: tuple[int, int],
    *,
    description: str,
    item: str | None = None,
    amount: int | None = None,
    proration: bool = False,
) -> Json:
    """One invoice line as the fake plans it; ``amount`` defaults to price x quantity."""
    return {
        "price": price,
        "quantity": quantity,
        "period": period,
        "description": description,
        "item": item,
        "amount": price["unit_amount"] * quantity if amount is None else amount,
        "proration": proration,
    }


def coupon_amount(coupon: Json, base: int) -> int:
    """What a coupon takes off ``base`` (minor units)."""
    if coupon["percent_off"] is not None:
        return min(base, rounded(Decimal(base) * Decimal(str(coupon["percent_off"])) / 100))
    return min(base, coupon["amount_off"])


class InvoicesMixin:
    """Invoices of subscriptions, and the ``/v1/invoices`` routes."""

    # -- discounts

    def _coupon_param(self, value: Any, currency: str, param: str = "discounts") -> Any:
        """The coupon of a ``discounts`` param as ``(coupon, promotion_code id)``; ``None``
        when none is given."""
        entries = _list(value, param)
        if not entries:
            return None
        if len(entries) > 1:
            raise StripeApiError(400, "You may only specify one discount.", param=param)
        entry = entries[0] if isinstance(entries[0], dict) else {}
        prefix = f"{param}[0]"
        if entry.get("coupon") and entry.get("promotion_code"):
            raise _only_one(f"{prefix}[coupon]", f"{prefix}[promotion_code]")
        promo_id = None
        if entry.get("promotion_code"):
            promo = self._find(
                "promotion_code",
                entry["promotion_code"],
                status=400,
                param=f"{prefix}[promotion_code]",
            )
            if not promo["active"]:
                raise StripeApiError(
                    400,
                    f"This promotion code is not active: '{promo['code']}'",
                    param=f"{prefix}[promotion_code]",
                )
            promo_id, coupon = promo["id"], self._store["coupon"][promo["promotion"]["coupon"]]
        elif entry.get("coupon"):
            coupon = self._find("coupon", entry["coupon"], status=400, param=f"{prefix}[coupon]")
        else:
            raise _missing(f"{prefix}[coupon]")
        if coupon["amount_off"] is not None and coupon["currency"] != currency:
            raise StripeApiError(
                400,
                f"The coupon's currency ({coupon['currency']}) does not match the "
                f"subscription's currency ({currency}).",
                param=f"{prefix}[coupon]",
            )
        return coupon, promo_id

    def _new_discount(
        self,
        coupon: Json,
        promo_id: str | None,
        *,
        customer: str,
        subscription: str,
        at: int,
        checkout_session: str | None = None,
        redeem: bool = True,
    ) -> Json:
        discount = fixture("discount")
        end = None
        if coupon["duration"] == "repeating":
            end = _add_interval(at, "month", coupon["duration_in_months"])
        discount.update(
            id=new_id("di"),
            checkout_session=checkout_session,
            customer=customer,
            customer_account=None,
            end=end,
            invoice=None,
            invoice_item=None,
            promotion_code=promo_id,
            source={"coupon": coupon["id"], "type": "coupon"},
            start=at,
            subscription=subscription,
            subscription_item=None,
        )
        if redeem:
            coupon["times_redeemed"] += 1
            if promo_id:
                self._store["promotion_code"][promo_id]["times_redeemed"] += 1
        self._keep(discount)
        return discount

    def _applicable_discounts(
        self, sub: Json, specs: list[Json], at: int, *, consume: bool
    ) -> list[Json]:
        """The subscription's discounts that apply to an invoice made at ``at`` of ``specs``.
        A ``once`` coupon waits for an invoice with something to discount (prorations are
        not), then is used up; a ``repeating`` one lasts until its ``end``. ``consume``
        removes used-up and ended discounts from the subscription (not for a preview)."""
        discountable = any(not s["proration"] and s["amount"] > 0 for s in specs)
        result = []
        for discount_id in list(sub["discounts"]):
            discount = self._store["discount"][discount_id]
            coupon = self._store["coupon"][discount["source"]["coupon"]]
            if discount["end"] is not None and at >= discount["end"]:
                if consume:
                    sub["discounts"].remove(discount_id)
                continue
            if not discountable:
                continue
            result.append(discount)
            if coupon["duration"] == "once" and consume:
                sub["discounts"].remove(discount_id)
        return result

    # -- building

    def _build_invoice(
        self,
        sub: Json,
        specs: list[Json],
        *,
        reason: str,
        at: int,
        period: tuple[int, int],
        preview: bool = False,
    ) -> Json:
        """An invoice of ``specs`` for ``sub`` (a draft; a preview when ``preview``: nothing is
        saved and no discount is used up)."""
        specs = [dict(spec, discount_amounts=[]) for spec in specs]
        customer = self._store["customer"][sub["customer"]]
        invoice_id = new_id("upcoming_in") if preview else new_id("in")
        discountable = [s for s in specs if not s["proration"] and s["amount"] > 0]
        base = sum(s["amount"] for s in discountable)
        total_discounts = []
        left = base
        for discount in self._applicable_discounts(sub, specs, at, consume=not preview):
            coupon = self._store["coupon"][discount["source"]["coupon"]]
            amount = min(left, coupon_amount(coupon, base))
            if amount <= 0:
                continue
            left -= amount
            total_discounts.append({"amount": amount, "discount": discount["id"]})
            remaining = amount
            for n, spec in enumerate(discountable):
                share = remaining if n == len(discountable) - 1 else amount * spec["amount"] // base
                remaining -= share
                spec["discount_amounts"].append({"amount": share, "discount": discount["id"]})
        subtotal = sum(s["amount"] for s in specs)
        total = subtotal - sum(d["amount"] for d in total_discounts)
        starting = customer["balance"]
        due = max(0, total + starting)
        invoice = fixture("invoice")
        invoice["automatic_tax"]["liability"] = None
        invoice.update(
            id=invoice_id,
            amount_due=due,
            amount_overpaid=0,
            amount_paid=0,
            amount_remaining=due,
            amount_shipping=0,
            attempt_count=0,
            attempted=False,
            auto_advance=not preview,
            automatically_finalizes_at=None,
            billing_reason=reason,
            collection_method="charge_automatically",
            created=at,
            currency=sub["currency"],
            customer=sub["customer"],
            customer_email=customer["email"],
            customer_name=customer["name"],
            default_payment_method=None,
            discounts=[d["discount"] for d in total_discounts],
            due_date=None,
            effective_at=None,
            ending_balance=None,
            from_invoice=None,
            hosted_invoice_url=None,
            invoice_pdf=None,
            issuer={"type": "self"},
            last_finalization_error=None,
            lines={
                "object": "list",
                "data": [self._line_object(invoice_id, sub["id"], s, preview) for s in specs],
                "has_more": False,
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            metadata={},
            next_payment_attempt=None,
            number=None,
            parent={
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(sub["metadata"]),
                    "subscription": sub["id"],
                },
                "type": "subscription_details",
            },
            period_end=period[1],
            period_start=period[0],
            shipping_cost=None,
            shipping_details=None,
            starting_balance=starting,
            status="draft",
            status_transitions={
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            subscription=sub["id"],
            subtotal=subtotal,
            subtotal_excluding_tax=subtotal,
            total=total,
            total_discount_amounts=total_discounts,
            total_excluding_tax=total,
            webhooks_delivered_at=None,
        )
        return invoice

    def _line_object(self, invoice_id: str, sub_id: str, spec: Json, preview: bool) -> Json:
        line = fixture("invoice", "lines", "data", 0)
        price = spec["price"]
        details = line["parent"]["subscription_item_details"]
        details.update(
            invoice_item=None,
            proration=spec["proration"],
            proration_details={"credited_items": None},
            subscription=sub_id,
            subscription_item=spec["item"],
        )
        line.update(
            id=new_id("il_tmp" if preview else "il"),
            amount=spec["amount"],
            currency=price["currency"],
            description=spec["description"],
            discount_amounts=spec["discount_amounts"],
            discountable=not spec["proration"],
            discounts=[],
            invoice=invoice_id,
            metadata={},
            parent={
                "invoice_item_details": None,
                "subscription_item_details": details,
                "type": "subscription_item_details",
            },
            period={"end": spec["period"][1], "start": spec["period"][0]},
            pricing={
                "price_details": {"price": price["id"], "product": price["product"]},
                "type": "price_details",
                "unit_amount_decimal": price["unit_amount_decimal"],
            },
            quantity=spec["quantity"],
            subscription=sub_id,
            subtotal=spec["amount"],
        )
        return line

    # -- an invoice's life

    def _issue(
        self, sub: Json, specs: list[Json], *, reason: str, at: int, period: tuple[int, int]
    ) -> Json:
        """A draft invoice of ``specs``, saved as ``sub``'s latest invoice."""
        invoice = self._build_invoice(sub, specs, reason=reason, at=at, period=period)
        self._keep(invoice)
        sub["latest_invoice"] = invoice["id"]
        self._emit("invoice.created", invoice, at=at)
        return invoice

    def _finalize(self, invoice: Json, at: int) -> None:
        """Draft -> open (the customer's credit balance taken into account); an invoice with
        nothing due is paid at once."""
        customer = self._store["customer"][invoice["customer"]]
        ending = min(0, invoice["total"] + invoice["starting_balance"])
        number = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
        customer["next_invoice_sequence"] += 1
        invoice.update(
            status="open",
            number=number,
            effective_at=at,
            ending_balance=ending,
            hosted_invoice_url=INVOICE_URL.format(token=secrets.token_urlsafe(24)),
            invoice_pdf=INVOICE_URL.format(token=secrets.token_urlsafe(24)) + "/pdf",
        )
        invoice["status_transitions"]["finalized_at"] = at
        if customer["balance"] != ending:
            with self._changing(customer, at):
                customer["balance"] = ending
        self._emit("invoice.finalized", invoice, at=at)
        if invoice["amount_due"] == 0:
            self._mark_paid(invoice, at)

    def _mark_paid(self, invoice: Json, at: int) -> None:
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            auto_advance=False,
            next_payment_attempt=None,
        )
        invoice["status_transitions"]["paid_at"] = at
        self._emit("invoice.paid", invoice, at=at)

    def _collect(self, invoice: Json, at: int, *, pay: bool = True) -> bool:
        """One attempt to charge an open invoice to the customer's card: paid, or
        ``invoice.payment_failed``. Returns whether it was paid."""
        if invoice["status"] == "paid":
            return True
        if invoice["amount_due"] == 0:
            self._mark_paid(invoice, at)
            return True
        sub = self._store["subscription"].get(invoice["subscription"] or "")
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        if pay and self._card(invoice["customer"], sub) is True:
            self._mark_paid(invoice, at)
            return True
        retried = sub is not None and sub["status"] not in ("incomplete", "canceled")
        invoice["next_payment_attempt"] = at + RETRY_DELAY if retried else None
        self._emit("invoice.payment_failed", invoice, at=at)
        return False

    def _void(self, invoice: Json, at: int) -> None:
        invoice.update(
            status="void", amount_remaining=0, auto_advance=False, next_payment_attempt=None
        )
        invoice["status_transitions"]["voided_at"] = at
        self._emit("invoice.voided", invoice, at=at)

    def _mark_uncollectible(self, invoice: Json, at: int) -> None:
        invoice.update(status="uncollectible", auto_advance=False, next_payment_attempt=None)
        invoice["status_transitions"]["marked_uncollectible_at"] = at
        self._emit("invoice.marked_uncollectible", invoice, at=at)

    # -- routes

    def _list_invoices(self, params: Json) -> Json:
        subscription = _str(params, "subscription")
        customer = _str(params, "customer")
        status = _choice(params, "status", INVOICE_STATUSES)
        if subscription:
            self._find("subscription", subscription, status=400, param="subscription")
            ids = self._index.get(("invoice", "subscription", subscription), [])
        elif customer:
            self._find("customer", customer, status=400, param="customer")
            ids = self._index.get(("invoice", "customer", customer), [])
        else:
            ids = self._order["invoice"]

        def wanted(invoice: Json) -> bool:
            return (not customer or invoice["customer"] == customer) and (
                not status or invoice["status"] == status
            )

        return self._page("invoice", ids, params, wanted, "/v1/invoices")

    def _pay_invoice(self, params: Json, obj_id: str) -> Json:
        """Charge an open (or draft) invoice now: paid, or a 402 ``card_declined`` that
        leaves it open with one more attempt and ``invoice.payment_failed``."""
        invoice = self._find("invoice", obj_id)
        if invoice["status"] == "paid":
            raise StripeApiError(400, "Invoice is already paid", code="invoice_already_paid")
        if invoice["status"] == "void":
            raise StripeApiError(
                400, "This invoice can no longer be paid: it is void.", code="invoice_not_editable"
            )
        out_of_band = _bool(params.get("paid_out_of_band"), "paid_out_of_band")
        sub = self._store["subscription"].get(invoice["subscription"] or "")
        card = self._card(invoice["customer"], sub)
        if not out_of_band and card is None and invoice["amount_due"] > 0:
            raise _no_payment_method(invoice["customer"])
        at = self._sub_now(sub)
        with self._changing(sub, at):
            if invoice["status"] == "draft":
                self._finalize(invoice, at)
            if out_of_band and invoice["status"] != "paid":
                self._mark_paid(invoice, at)
            paid = self._collect(invoice, at)
            self._settle(sub, invoice, paid, at)
        if not paid:
            raise _declined()
        return clone(invoice)
