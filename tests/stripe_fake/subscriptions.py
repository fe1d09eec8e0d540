"""Subscriptions and their invoices, as :class:`~tests.stripe_fake.server.StripeFake` serves
them."""

from __future__ import annotations

import copy
import secrets

from tests.stripe_fake.wire import INVOICE_URL, Json, _add_interval, fixture, new_id


class SubscriptionsMixin:
    """Subscriptions and invoices."""

    def _complete_subscription(self, session: Json, extra: Json, *, paid: bool, now: int) -> None:
        subscription_id, invoice_id = new_id("sub"), new_id("in")
        trial_days = extra["trial_period_days"]
        trial_end = now + trial_days * 86400 if trial_days else None
        total = 0 if trial_days else session["amount_total"]
        template = fixture("subscription")
        item_template = template["items"]["data"][0]
        items = []
        invoice_lines = []
        for line in extra["lines"]:
            price, quantity = line["price"], line["quantity"]
            recurring = price["recurring"] or {"interval": "month", "interval_count": 1}
            period_start = now
            period_end = trial_end or _add_interval(
                now, recurring["interval"], recurring["interval_count"]
            )
            item_id = new_id("si", 14)
            if price["type"] == "recurring":
                item = copy.deepcopy(item_template)
                plan = item["plan"]
                plan.update(
                    id=price["id"],
                    active=True,
                    amount=price["unit_amount"],
                    amount_decimal=price["unit_amount_decimal"],
                    billing_scheme="per_unit",
                    created=price["created"],
                    currency=price["currency"],
                    interval=recurring["interval"],
                    interval_count=recurring["interval_count"],
                    livemode=False,
                    metadata=price["metadata"],
                    product=price["product"],
                    transform_usage=None,
                )
                item.update(
                    id=item_id,
                    billing_thresholds=None,
                    created=now,
                    current_period_end=period_end,
                    current_period_start=period_start,
                    discounts=[],
                    metadata={},
                    plan=plan,
                    price=copy.deepcopy(price),
                    quantity=quantity,
                    subscription=subscription_id,
                )
                items.append(item)
            product = self._store["product"].get(price["product"], {})
            invoice_lines.append(
                self._invoice_line(
                    invoice_id,
                    subscription_id,
                    item_id if price["type"] == "recurring" else None,
                    price,
                    quantity,
                    product.get("name"),
                    (period_start, period_end),
                    free=bool(trial_days),
                )
            )
        status = "active" if paid or total == 0 else "incomplete"
        if trial_days:
            status = "trialing"
        template.update(
            id=subscription_id,
            billing_cycle_anchor=trial_end or now,
            billing_cycle_anchor_config=None,
            billing_schedules=[],
            billing_thresholds=None,
            cancel_at=None,
            cancel_at_period_end=False,
            canceled_at=None,
            created=now,
            currency=session["currency"],
            customer=session["customer"],
            discounts=[],
            ended_at=None,
            items={
                "object": "list",
                "data": items,
                "has_more": False,
                "total_count": len(items),
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
            latest_invoice=invoice_id,
            managed_payments={"enabled": False},
            metadata=dict(extra["subscription_metadata"]),
            next_pending_invoice_item_invoice=None,
            pause_collection=None,
            pending_invoice_item_interval=None,
            pending_update=None,
            start_date=now,
            status=status,
            transfer_data=None,
            trial_end=trial_end,
            trial_settings={"end_behavior": {"missing_payment_method": "create_invoice"}},
            trial_start=now if trial_days else None,
        )
        invoice_paid = paid or total == 0
        discount_amount = 0 if trial_days else session["total_details"]["amount_discount"]
        subtotal = 0 if trial_days else session["amount_subtotal"]
        invoice = fixture("invoice")
        invoice["automatic_tax"]["liability"] = None
        invoice.update(
            id=invoice_id,
            amount_due=total,
            amount_overpaid=0,
            amount_paid=total if invoice_paid else 0,
            amount_remaining=0 if invoice_paid else total,
            attempt_count=1 if total else 0,
            attempted=bool(total),
            auto_advance=not invoice_paid,
            billing_reason="subscription_create",
            created=now,
            currency=session["currency"],
            customer=session["customer"],
            customer_email=session["customer_details"]["email"],
            discounts=[],
            due_date=None,
            effective_at=now,
            from_invoice=None,
            hosted_invoice_url=INVOICE_URL.format(token=secrets.token_urlsafe(24)),
            invoice_pdf=INVOICE_URL.format(token=secrets.token_urlsafe(24)) + "/pdf",
            issuer={"type": "self"},
            last_finalization_error=None,
            lines={
                "object": "list",
                "data": invoice_lines,
                "has_more": False,
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            metadata={},
            next_payment_attempt=None,
            number=f"{secrets.token_hex(4).upper()}-0001",
            parent={
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(extra["subscription_metadata"]),
                    "subscription": subscription_id,
                },
                "type": "subscription_details",
            },
            period_end=now,
            period_start=now,
            shipping_cost=None,
            shipping_details=None,
            status="paid" if invoice_paid else "open",
            status_transitions={
                "finalized_at": now,
                "marked_uncollectible_at": None,
                "paid_at": now if invoice_paid else None,
                "voided_at": None,
            },
            subscription=subscription_id,
            subtotal=subtotal,
            subtotal_excluding_tax=subtotal,
            total=total,
            total_discount_amounts=[{"amount": discount_amount, "discount": new_id("di")}]
            if discount_amount
            else [],
            total_excluding_tax=total,
            webhooks_delivered_at=None,
        )
        self._save(template)
        self._save(invoice)
        if trial_days or total == 0:
            payment_status = "no_payment_required"
        else:
            payment_status = "paid" if paid else "unpaid"
        session.update(
            subscription=subscription_id, invoice=invoice_id, payment_status=payment_status
        )

    def _invoice_line(
        self,
        invoice_id: str,
        subscription_id: str,
        item_id: str | None,
        price: Json,
        quantity: int,
        name: str | None,
        period: tuple[int, int],
        *,
        free: bool,
    ) -> Json:
        template = fixture("invoice")["lines"]["data"][0]
        amount = 0 if free else price["unit_amount"] * quantity
        description = f"{quantity} × {name or price['product']}"  # noqa: RUF001 (Stripe's sign)
        if free:
            description = f"Trial period for {name or price['product']}"
        details = template["parent"]["subscription_item_details"]
        details.update(
            invoice_item=None,
            proration=False,
            proration_details={"credited_items": None},
            subscription=subscription_id,
            subscription_item=item_id,
        )
        template.update(
            id=new_id("il"),
            amount=amount,
            currency=price["currency"],
            description=description,
            discount_amounts=[],
            discounts=[],
            invoice=invoice_id,
            metadata={},
            parent={
                "invoice_item_details": None,
                "subscription_item_details": details,
                "type": "subscription_item_details",
            },
            period={"end": period[1], "start": period[0]},
            pricing={
                "price_details": {"price": price["id"], "product": price["product"]},
                "type": "price_details",
                "unit_amount_decimal": price["unit_amount_decimal"],
            },
            quantity=quantity,
            subscription=subscription_id,
            subtotal=amount,
        )
        return template
