"""Checkout Sessions: creating, expiring and completing them (``payment`` and ``subscription``
mode), as :class:`~tests.stripe_fake.server.StripeFake` serves them."""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.stripe_fake.wire import (
    CHECKOUT_URL,
    RECEIPT_URL,
    Json,
    StripeApiError,
    _bool,
    _choice,
    _dict,
    _int,
    _list,
    _metadata,
    _missing,
    _only_one,
    _str,
    clone,
    fixture,
    new_id,
)


class CheckoutMixin:
    """The ``/v1/checkout/sessions`` routes and :meth:`complete_checkout`."""

    # -- what Stripe does on its own

    def complete_checkout(self, session_id: str, *, paid: bool = True) -> Json:
        """The customer finishes an open Checkout Session, as Stripe would record it.

        ``payment`` mode: a payment_intent and its charge, both succeeded when ``paid``,
        ``processing``/``pending`` (``payment_status`` ``unpaid``, as with a bank debit) when not; a
        session whose total is 0 needs no payment (``no_payment_required``, no payment_intent).
        ``subscription`` mode: a customer if the session had none, then the subscription and
        its first invoice made as ``POST /v1/subscriptions`` makes them, with the card
        collected in Checkout as its ``default_payment_method`` (none when
        ``payment_method_collection=if_required`` and nothing is due now); when not ``paid``
        the first charge fails (``incomplete``, invoice open). Logs the events, then
        ``checkout.session.completed``. Returns the session."""
        with self._lock:
            session = self._find("checkout.session", session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}, not open")
            extra = self._sessions[session_id]
            now = self.now()
            customer_id = session["customer"]
            email = session["customer_email"]
            if customer_id is None and (
                session["mode"] == "subscription" or session["customer_creation"] == "always"
            ):
                customer_id = self._new_customer({"email": email or "customer@example.com"})["id"]
            if customer_id and not email:
                email = self._store["customer"][customer_id]["email"]
            details = fixture("checkout.session", "customer_details")
            details.update(email=email or "customer@example.com", tax_ids=[])
            session.update(
                status="complete",
                url=None,
                customer=customer_id,
                customer_details=details,
            )
            for discount in session["discounts"] or []:
                coupon = self._store["coupon"].get(discount["coupon"])
                if coupon is not None:
                    coupon["times_redeemed"] += 1
            if session["mode"] == "payment":
                self._complete_payment(session, extra, paid=paid, now=now)
            else:
                self._complete_subscription(session, extra, paid=paid, now=now)
            self._emit("checkout.session.completed", session, at=now)
            return clone(session)

    def settle_async_payment(self, session_id: str, *, succeeded: bool = True) -> Json:
        """A bank debit started in a completed ``payment`` session clears (or fails), as
        Stripe reports with ``checkout.session.async_payment_succeeded``/``_failed``.
        Returns the session."""
        with self._lock:
            session = self._find("checkout.session", session_id)
            intent = self._find("payment_intent", session["payment_intent"])
            charge = self._find("charge", intent["latest_charge"])
            amount = intent["amount"]
            intent.update(
                status="succeeded" if succeeded else "requires_payment_method",
                amount_received=amount if succeeded else 0,
                processing=None,
            )
            charge.update(
                status="succeeded" if succeeded else "failed",
                paid=succeeded,
                captured=succeeded,
                amount_captured=amount if succeeded else 0,
            )
            session["payment_status"] = "paid" if succeeded else "unpaid"
            return clone(session)

    def expire_checkout(self, session_id: str) -> Json:
        """An open session reaches its ``expires_at`` unpaid. Returns the session."""
        with self._lock:
            session = self._find("checkout.session", session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}, not open")
            session.update(status="expired", url=None)
            return clone(session)

    # -- checkout

    def _line(self, item: Any, index: int, mode: str) -> Json:
        prefix = f"line_items[{index}]"
        if not isinstance(item, dict):
            raise StripeApiError(400, "Invalid object", param=prefix)
        if item.get("price") and item.get("price_data"):
            raise _only_one(f"{prefix}[price]", f"{prefix}[price_data]")
        if item.get("price"):
            price = self._find("price", item["price"], status=400, param=f"{prefix}[price]")
        elif isinstance(item.get("price_data"), dict):
            price = self._new_price(item["price_data"], prefix=f"{prefix}[price_data]")
        else:
            raise _missing(f"{prefix}[price]")
        quantity = _int(item.get("quantity"), f"{prefix}[quantity]", minimum=1)
        if quantity is None:
            raise _missing(f"{prefix}[quantity]")
        if mode == "payment" and price["type"] == "recurring":
            raise StripeApiError(
                400,
                "You specified `payment` mode but passed a recurring price. Either switch to "
                "`subscription` mode or use only one-time prices.",
                param=f"{prefix}[price]",
            )
        return {"price": clone(price), "quantity": quantity}

    def _discount(self, params: Json, subtotal: int, currency: str) -> tuple[Json | None, int]:
        discounts = _list(params.get("discounts"), "discounts")
        if discounts and params.get("allow_promotion_codes") not in (None, ""):
            raise _only_one("allow_promotion_codes", "discounts")
        if not discounts:
            return None, 0
        if len(discounts) > 1:
            raise StripeApiError(400, "You may only specify one discount.", param="discounts")
        entry = discounts[0] if isinstance(discounts[0], dict) else {}
        if entry.get("coupon") and entry.get("promotion_code"):
            raise _only_one("discounts[0][coupon]", "discounts[0][promotion_code]")
        promo_id = None
        if entry.get("promotion_code"):
            promo = self._find(
                "promotion_code",
                entry["promotion_code"],
                status=400,
                param="discounts[0][promotion_code]",
            )
            if not promo["active"]:
                raise StripeApiError(
                    400,
                    f"This promotion code is not active: '{promo['code']}'",
                    param="discounts[0][promotion_code]",
                )
            promo_id, coupon_id = promo["id"], promo["promotion"]["coupon"]
        elif entry.get("coupon"):
            coupon_id = entry["coupon"]
        else:
            raise _missing("discounts[0][coupon]")
        coupon = self._find("coupon", coupon_id, status=400, param="discounts[0][coupon]")
        if coupon["percent_off"] is not None:
            off = Decimal(subtotal) * Decimal(str(coupon["percent_off"])) / 100
            amount = int(off.quantize(Decimal(1), ROUND_HALF_UP))
        else:
            if coupon["currency"] != currency:
                raise StripeApiError(
                    400,
                    f"The coupon's currency ({coupon['currency']}) does not match the "
                    f"currency of the line items ({currency}).",
                    param="discounts[0][coupon]",
                )
            amount = coupon["amount_off"]
        return {"coupon": coupon_id, "promotion_code": promo_id}, min(amount, subtotal)

    def _create_checkout_session(self, params: Json) -> Json:
        mode = _str(params, "mode", required=True)
        if mode not in ("payment", "subscription"):
            raise StripeApiError(
                400, "Invalid mode: this server implements payment and subscription", param="mode"
            )
        items = _list(params.get("line_items"), "line_items")
        if not items:
            raise _missing("line_items")
        lines = [self._line(item, i, mode) for i, item in enumerate(items)]
        currencies = {line["price"]["currency"] for line in lines}
        if len(currencies) > 1:
            raise StripeApiError(
                400, "All line items must use the same currency.", param="line_items"
            )
        if mode == "subscription" and not any(
            line["price"]["type"] == "recurring" for line in lines
        ):
            raise StripeApiError(
                400,
                "You must provide at least one recurring price in `subscription` mode when "
                "using prices.",
                param="line_items",
            )
        currency = currencies.pop()
        subtotal = sum(line["price"]["unit_amount"] * line["quantity"] for line in lines)
        discount, discount_amount = self._discount(params, subtotal, currency)
        if params.get("customer") and params.get("customer_email"):
            raise _only_one("customer", "customer_email")
        customer = _str(params, "customer")
        if customer:
            self._find("customer", customer, status=400, param="customer")
        now = self.now()
        expires_at = _int(params.get("expires_at"), "expires_at")
        if expires_at is None:
            expires_at = now + 24 * 3600
        elif not now + 30 * 60 <= expires_at <= now + 24 * 3600:
            raise StripeApiError(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                "Checkout Session creation.",
                param="expires_at",
            )
        reference = _str(params, "client_reference_id")
        if reference and len(reference) > 200:
            raise StripeApiError(
                400,
                "client_reference_id can be at most 200 characters.",
                param="client_reference_id",
            )
        customer_creation = _choice(params, "customer_creation", ("always", "if_required"))
        if mode == "payment" and customer_creation is None:
            customer_creation = "if_required"
        subscription_data = params.get("subscription_data") or {}
        payment_intent_data = params.get("payment_intent_data") or {}
        if mode != "subscription" and subscription_data:
            raise StripeApiError(
                400,
                "You can not pass `subscription_data` in `payment` mode.",
                param="subscription_data",
            )
        if mode != "payment" and payment_intent_data:
            raise StripeApiError(
                400,
                "You can not pass `payment_intent_data` in `subscription` mode.",
                param="payment_intent_data",
            )
        if mode == "subscription":
            self._same_interval(
                [line["price"] for line in lines if line["price"]["type"] == "recurring"],
                "line_items",
            )
        trial_settings = _dict(
            subscription_data.get("trial_settings"), "subscription_data[trial_settings]"
        )
        end_behavior = _dict(
            trial_settings.get("end_behavior"), "subscription_data[trial_settings][end_behavior]"
        )
        extra = {
            "lines": lines,
            "payment_method_collection": _choice(
                params, "payment_method_collection", ("always", "if_required"), default="always"
            ),
            "trial_end_behavior": _choice(
                end_behavior,
                "missing_payment_method",
                ("cancel", "create_invoice", "pause"),
                default="create_invoice",
                prefix="subscription_data[trial_settings][end_behavior]",
            ),
            "subscription_metadata": _metadata(
                subscription_data.get("metadata"), "subscription_data[metadata]"
            ),
            "trial_period_days": _int(
                subscription_data.get("trial_period_days"),
                "subscription_data[trial_period_days]",
                minimum=1,
            ),
            "payment_intent_metadata": _metadata(
                payment_intent_data.get("metadata"), "payment_intent_data[metadata]"
            ),
            "payment_intent_description": _str(payment_intent_data, "description"),
        }
        session_id = new_id("cs_test", 58)
        session = fixture("checkout.session")
        invoice_creation = session["invoice_creation"]
        invoice_creation["enabled"] = False
        invoice_creation["invoice_data"].update(rendering_options=None, issuer=None)
        session.update(
            id=session_id,
            after_expiration=None,
            adaptive_pricing={"enabled": False},
            allow_promotion_codes=_bool(
                params.get("allow_promotion_codes"), "allow_promotion_codes"
            ),
            amount_subtotal=subtotal,
            amount_total=subtotal - discount_amount,
            billing_address_collection=_str(params, "billing_address_collection"),
            cancel_url=_str(params, "cancel_url"),
            client_reference_id=reference,
            collected_information=None,
            consent=None,
            consent_collection=None,
            created=now,
            currency=currency,
            currency_conversion=None,
            custom_text={
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            customer=customer,
            customer_creation=customer_creation,
            customer_details=None,
            customer_email=_str(params, "customer_email"),
            discounts=[discount] if discount else [],
            expires_at=expires_at,
            invoice=None,
            invoice_creation=invoice_creation if mode == "payment" else None,
            locale=_str(params, "locale"),
            managed_payments={"enabled": False},
            metadata=_metadata(params.get("metadata")),
            mode=mode,
            payment_intent=None,
            payment_method_configuration_details=None,
            payment_method_collection=extra["payment_method_collection"],
            payment_method_types=_list(params.get("payment_method_types"), "payment_method_types")
            or ["card"],
            payment_status="unpaid",
            shipping_address_collection=None,
            shipping_cost=None,
            status="open",
            submit_type=_str(params, "submit_type"),
            subscription=None,
            success_url=_str(params, "success_url"),
            total_details={
                "amount_discount": discount_amount,
                "amount_shipping": 0,
                "amount_tax": 0,
            },
            ui_mode=_str(params, "ui_mode") or "hosted",
            url=CHECKOUT_URL.format(id=session_id),
        )
        self._sessions[session_id] = extra
        return self._save(session)

    def _expire_checkout_session(self, params: Json, obj_id: str) -> Json:
        session = self._find("checkout.session", obj_id)
        if session["status"] != "open":
            raise StripeApiError(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f'Checkout Session has a status of "{session["status"]}".',
            )
        session.update(status="expired", url=None)
        return clone(session)

    def _checkout_line_items(self, params: Json, obj_id: str) -> Json:
        session = self._find("checkout.session", obj_id)
        lines = self._sessions[obj_id]["lines"]
        discount_left = session["total_details"]["amount_discount"]
        subtotal = session["amount_subtotal"] or 1
        data = []
        for i, line in enumerate(lines):
            price, quantity = line["price"], line["quantity"]
            amount = price["unit_amount"] * quantity
            share = (
                discount_left
                if i == len(lines) - 1
                else session["total_details"]["amount_discount"] * amount // subtotal
            )
            discount_left -= share
            product = self._store["product"].get(price["product"], {})
            data.append(
                {
                    "id": new_id("li"),
                    "object": "item",
                    "amount_discount": share,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount - share,
                    "currency": price["currency"],
                    "description": product.get("name"),
                    "price": clone(price),
                    "quantity": quantity,
                }
            )
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "url": f"/v1/checkout/sessions/{obj_id}/line_items",
        }

    def _complete_payment(self, session: Json, extra: Json, *, paid: bool, now: int) -> None:
        if session["amount_total"] == 0:
            session["payment_status"] = "no_payment_required"
            return
        amount, currency = session["amount_total"], session["currency"]
        intent_id, charge_id = new_id("pi"), new_id("ch")
        payment_method = new_id("pm")
        charge = fixture("charge")
        charge["billing_details"]["email"] = session["customer_details"]["email"]
        charge["billing_details"]["name"] = None
        charge.update(
            id=charge_id,
            amount=amount,
            amount_captured=amount if paid else 0,
            amount_refunded=0,
            balance_transaction=new_id("txn") if paid else None,
            captured=paid,
            created=now,
            currency=currency,
            customer=session["customer"],
            description=extra["payment_intent_description"],
            metadata=dict(extra["payment_intent_metadata"]),
            outcome={
                "advice_code": None,
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "seller_message": "Payment complete.",
                "type": "authorized",
            },
            paid=paid,
            payment_intent=intent_id,
            payment_method=payment_method,
            receipt_email=None,
            receipt_url=RECEIPT_URL.format(token=secrets.token_urlsafe(24)),
            refunded=False,
            refunds={
                "object": "list",
                "data": [],
                "has_more": False,
                "url": f"/v1/charges/{charge_id}/refunds",
            },
            source=None,
            status="succeeded" if paid else "pending",
            transfer_data=None,
        )
        intent = fixture("payment_intent")
        intent.update(
            id=intent_id,
            amount=amount,
            amount_capturable=0,
            amount_received=amount if paid else 0,
            automatic_payment_methods=None,
            canceled_at=None,
            client_secret=f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
            created=now,
            currency=currency,
            customer=session["customer"],
            description=extra["payment_intent_description"],
            last_payment_error=None,
            latest_charge=charge_id,
            managed_payments={"enabled": False},
            metadata=dict(extra["payment_intent_metadata"]),
            next_action=None,
            payment_method=payment_method,
            payment_method_configuration_details=None,
            payment_method_types=list(session["payment_method_types"]),
            processing=None if paid else {"type": session["payment_method_types"][0]},
            status="succeeded" if paid else "processing",
            transfer_data=None,
        )
        self._keep(charge)
        self._keep(intent)
        session.update(payment_intent=intent_id, payment_status="paid" if paid else "unpaid")

    def _complete_subscription(self, session: Json, extra: Json, *, paid: bool, now: int) -> None:
        trial_days = extra["trial_period_days"]
        collected = extra["payment_method_collection"] == "always" or (
            session["amount_total"] > 0 and not trial_days
        )
        coupon = None
        if session["discounts"]:
            discount = session["discounts"][0]
            coupon = (self._store["coupon"][discount["coupon"]], discount["promotion_code"])
        subscription = self._subscription_start(
            customer_id=session["customer"],
            lines=extra["lines"],
            trial_days=trial_days,
            end_behavior=extra["trial_end_behavior"],
            metadata=dict(extra["subscription_metadata"]),
            payment_behavior="allow_incomplete",
            payment_method=new_id("pm") if collected else None,
            coupon=coupon,
            at=now,
            checkout_session=session["id"],
            pay=paid,
        )
        invoice = self._store["invoice"][subscription["latest_invoice"]]
        if trial_days or session["amount_total"] == 0:
            payment_status = "no_payment_required"
        else:
            payment_status = "paid" if invoice["status"] == "paid" else "unpaid"
        session.update(
            subscription=subscription["id"], invoice=invoice["id"], payment_status=payment_status
        )
