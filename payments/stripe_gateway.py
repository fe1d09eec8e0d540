"""The only code that talks to Stripe, through the official SDK.

Every create call carries an idempotency key derived from our own rows (the order, the
amount already refunded), so a retried request (a timeout, a double click, a task run
twice) never charges or refunds twice. Stripe's errors become a ``PaymentServiceDown``
with a message for the person waiting.
"""

from __future__ import annotations

import json
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from lms.errors import ServiceUnavailable


class PaymentServiceDown(ServiceUnavailable):
    """Stripe could not be reached or refused the call; nothing was changed here."""

    status_code = 503
    default_code = "payment_service_unavailable"


def configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    kwargs: dict[str, Any] = {"max_network_retries": 2}
    if settings.STRIPE_API_BASE:
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **kwargs)


def call(fn, *args, **kwargs):
    """Make one SDK call; Stripe's errors become PaymentServiceDown."""
    return _call(fn, *args, **kwargs)


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        raise PaymentServiceDown(
            _(
                "The payment service did not answer as expected (%(error)s). Nothing was "
                "charged; please try again in a minute."
            )
            % {"error": exc.user_message or exc.__class__.__name__},
        ) from exc


def customer_create(*, user_id: int, email: str, name: str) -> str:
    customer = _call(
        client().v1.customers.create,
        params={"email": email, "name": name, "metadata": {"user_id": str(user_id)}},
        options={"idempotency_key": f"user-{user_id}-customer"},
    )
    return customer.id


def checkout_session_create(
    *,
    order_id: int,
    customer: str,
    currency: str,
    name: str,
    amounts: list[int],
    success_url: str,
    cancel_url: str,
    locale: str,
) -> Any:
    """A Checkout Session for the order: one payment, or a monthly subscription whose
    first invoice also carries the odd cents. Payment methods are the account's own
    (card, iDEAL, SEPA Direct Debit as enabled in Stripe).

    The parameters depend on the order only, so a retry with the same idempotency key
    is the same request. No ``expires_at``: a moment computed at call time would differ
    between a request and its retry; the hold's end is enforced by expiring the session
    at Stripe (``payment_holds_expire``) before the seat is released."""
    metadata = {"order_id": str(order_id)}
    params: dict[str, Any] = {
        "customer": customer,
        "client_reference_id": f"order-{order_id}",
        "metadata": metadata,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": locale,
    }
    product = {"name": name}
    if len(amounts) == 1:
        params["mode"] = "payment"
        params["line_items"] = [
            {
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amounts[0],
                    "product_data": product,
                },
                "quantity": 1,
            }
        ]
        params["payment_intent_data"] = {"metadata": metadata, "description": name}
    else:
        first, rest = amounts[0], amounts[1]
        params["mode"] = "subscription"
        params["line_items"] = [
            {
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": rest,
                    "recurring": {"interval": "month"},
                    "product_data": product,
                },
                "quantity": 1,
            }
        ]
        if first > rest:
            params["line_items"].append(
                {
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": first - rest,
                        "product_data": {"name": _("Rounding, first instalment")},
                    },
                    "quantity": 1,
                }
            )
        params["subscription_data"] = {"metadata": metadata}
    return _call(
        client().v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": f"order-{order_id}-checkout"},
    )


def checkout_session_expire(session_id: str) -> Any:
    """Close an open session so it can no longer be paid. Returns the session as Stripe
    has it now (``complete`` when the student paid just before)."""
    sessions = client().v1.checkout.sessions
    try:
        return sessions.expire(session_id)
    except stripe.InvalidRequestError:
        return _call(sessions.retrieve, session_id)
    except stripe.StripeError as exc:
        raise PaymentServiceDown(str(exc)) from exc


def refund_create(*, order_id: int, payment_intent: str, amount: int, already_refunded: int) -> Any:
    # The key names the order's refunded total before this refund: a retry of the same
    # refund reuses it, the next refund (a new total) gets a new one.
    return _call(
        client().v1.refunds.create,
        params={
            "payment_intent": payment_intent,
            "amount": amount,
            "metadata": {"order_id": str(order_id)},
        },
        options={"idempotency_key": f"order-{order_id}-refund-{already_refunded}-{amount}"},
    )


def subscription_cancel(subscription_id: str) -> None:
    try:
        client().v1.subscriptions.cancel(subscription_id)
    except stripe.InvalidRequestError:
        pass  # cancelled already: Stripe answers as if it were gone
    except stripe.StripeError as exc:
        raise PaymentServiceDown(str(exc)) from exc


def portal_session_create(*, customer: str, return_url: str, locale: str) -> str:
    portal = _call(
        client().v1.billing_portal.sessions.create,
        params={"customer": customer, "return_url": return_url, "locale": locale},
    )
    return portal.url


def webhook_event_parse(payload: bytes, signature: str) -> dict:
    """The event as plain JSON, if the signature is Stripe's (and recent); ValueError
    otherwise."""
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(str(exc)) from exc
    if not isinstance(event, dict):
        raise ValueError("not an event")
    return event
