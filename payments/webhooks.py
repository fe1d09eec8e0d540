"""Stripe's webhook events, each handled exactly once.

The event id is recorded in the same transaction as its effects: a second delivery
(Stripe retries, two deliveries racing on two workers) finds the row and changes
nothing. Handlers look at the state Stripe reports, not at the order events arrive in:
``invoice.paid`` before ``checkout.session.completed`` confirms the order just the same,
and the later event finds the payment recorded. Events we do not handle are recorded and
acknowledged.

Apps above payments (memberships) register handlers for events that are not about an
order of ours (``register_event_handler``): an event of a type payments does not handle,
or one of a handled type that matches no order (a Checkout Session whose metadata names
a ``membership_id``, a subscription that is not an instalment plan). They run inside the
transaction that records the event, so a duplicate delivery is still a no-op and a
handler that fails rolls the record back (Stripe delivers the event again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import services
from payments.models import Order, OrderStatus, WebhookEvent

Json = dict[str, Any]


# What each handled type needs, checked before anything is written: a correctly signed
# event of an unexpected shape (another API version, a test sent by hand) is refused
# with 400 rather than failing half-way. Keys map to the types they may hold (None:
# may be absent or null).
_STR, _INT, _DICT, _LIST = (str,), (int,), (dict,), (list,)
_SHAPES: dict[str, dict[str, tuple[type, ...]]] = {
    "checkout.session": {
        "id": _STR,
        "metadata": _DICT,
        "payment_status": (str, type(None)),
        "amount_total": (int, type(None)),
        "currency": (str, type(None)),
        "invoice": (str, type(None)),
        "payment_intent": (str, type(None)),
        "subscription": (str, type(None)),
    },
    "invoice": {
        "id": _STR,
        "amount_paid": (int, type(None)),
        "amount_due": (int, type(None)),
        "currency": (str, type(None)),
        "subscription": (str, type(None)),
        "parent": (dict, type(None)),
        "metadata": (dict, type(None)),
    },
    "charge": {
        "id": _STR,
        "metadata": _DICT,
        "amount_refunded": (int, type(None)),
        "payment_intent": (str, type(None)),
        "refunds": (dict, type(None)),
    },
    "customer.subscription": {"id": _STR, "metadata": _DICT},
}


class EventHandler(Protocol):
    def __call__(self, *, obj: Json, source: str, now: dt.datetime) -> str | None: ...


@dataclass(frozen=True)
class _Registered:
    handler: EventHandler
    shape: dict[str, tuple[type, ...]]


_REGISTERED: dict[str, list[_Registered]] = {}


def register_event_handler(
    event_type: str, handler: EventHandler, shape: dict[str, Any] | None = None
) -> None:
    """Run ``handler(*, obj, source, now) -> str | None`` for Stripe events of
    ``event_type`` that are not about an order of ours; the first handler that returns
    a string gives the outcome recorded with the event. ``shape`` maps keys of
    ``data.object`` to the type, or tuple of types, each must have (``type(None)`` in
    the tuple: may be absent or null); a signed event of another shape is refused with
    400 before anything is recorded. For a type payments handles itself, the shape is
    checked on events whose metadata names no order of ours. Registered in the
    registering app's AppConfig.ready()."""
    if not event_type or len(event_type) > 100:
        raise ValueError("A Stripe event type has 1 to 100 characters.")
    normalised = {
        key: types if isinstance(types, tuple) else (types,) for key, types in (shape or {}).items()
    }
    registered = _REGISTERED.setdefault(event_type, [])
    if all(entry.handler is not handler for entry in registered):
        registered.append(_Registered(handler=handler, shape=normalised))


def unregister_event_handler(event_type: str, handler: EventHandler) -> None:
    registered = [e for e in _REGISTERED.get(event_type, []) if e.handler is not handler]
    if registered:
        _REGISTERED[event_type] = registered
    else:
        _REGISTERED.pop(event_type, None)


def _shape_problem(obj: Json, shape: dict[str, tuple[type, ...]]) -> str | None:
    for key, types in shape.items():
        value = obj.get(key)
        required = type(None) not in types
        if (required and key not in obj) or (
            not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
        ):
            return f"data.object.{key} is missing or of the wrong type."
    return None


def _names_our_order(event_type: str, obj: Json) -> bool:
    if (obj.get("metadata") or {}).get("order_id"):
        return True
    if event_type.startswith("invoice."):
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        return bool((details.get("metadata") or {}).get("order_id"))
    return False


def event_problem(event: Any) -> str | None:
    """Why a verified payload cannot be handled, or None when it has the shape we rely
    on. The types we handle are checked in depth, and the types apps above payments
    registered as they declared them."""
    if not isinstance(event, dict):
        return "The payload is not a Stripe event."
    if not isinstance(event.get("id"), str) or not 0 < len(event["id"]) <= 255:
        return "The event has no id."
    if not isinstance(event.get("type"), str) or len(event["type"]) > 100:
        return "The event has no type."
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "The event has no data.object."
    obj = data["object"]
    problem = _own_shape_problem(event["type"], obj) if event["type"] in HANDLERS else None
    if problem is None and not (event["type"] in HANDLERS and _names_our_order(event["type"], obj)):
        for entry in _REGISTERED.get(event["type"], []):
            problem = problem or _shape_problem(obj, entry.shape)
    return problem


def _own_shape_problem(event_type: str, obj: Json) -> str | None:
    kind = event_type.rsplit(".", 1)[0]
    problem = _shape_problem(obj, _SHAPES[kind])
    if problem is not None:
        return problem
    for value in (obj.get("metadata") or {}).values():
        if not isinstance(value, str):
            return "data.object.metadata holds something other than text."
    if kind == "invoice":
        details = (obj.get("parent") or {}).get("subscription_details")
        if details is not None and not (
            isinstance(details, dict)
            and isinstance(details.get("metadata") or {}, dict)
            and isinstance(details.get("subscription"), (str, type(None)))
        ):
            return "data.object.parent.subscription_details is of the wrong type."
    if kind == "charge":
        refunds = (obj.get("refunds") or {}).get("data", [])
        if not isinstance(refunds, list) or not all(
            isinstance(r, dict) and isinstance(r.get("id"), str) for r in refunds
        ):
            return "data.object.refunds is of the wrong type."
    return None


def stripe_event_receive(*, event: Json, now: dt.datetime | None = None) -> str:
    """Handle one verified event; returns what happened (also stored on the event)."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    event_id=event["id"],
                    type=event.get("type", ""),
                    received_at=now,
                    payload=event,
                )
        except IntegrityError:
            return "duplicate"
        handler = HANDLERS.get(record.type)
        obj = (event.get("data") or {}).get("object") or {}
        order = _order_for(record.type, obj) if handler else None
        source = f"Stripe event {record.event_id}"
        if order is not None and handler is not None:
            outcome = handler(order, obj, source, now)
        else:
            outcome = _registered_outcome(record.type, obj, source, now) or (
                "not handled" if handler is None else "no order of ours"
            )
        record.order, record.outcome = order, outcome[:255]
        fields = ["order", "outcome"]
        if order is not None and order.user.erased_at is not None:
            # The member was erased: keep what the books need, not Stripe's copy of them.
            record.payload, fields = (
                {"id": record.event_id, "type": record.type},
                [*fields, "payload"],
            )
        record.save(update_fields=fields)
        return outcome


def _registered_outcome(event_type: str, obj: Json, source: str, now: dt.datetime) -> str | None:
    for entry in list(_REGISTERED.get(event_type, [])):
        outcome = entry.handler(obj=obj, source=source, now=now)
        if isinstance(outcome, str):
            return outcome
    return None


def _order_for(event_type: str, obj: Json) -> Order | None:
    """Our order behind a Stripe object, locked: the metadata we set, else the ids we
    stored."""
    order_id = (obj.get("metadata") or {}).get("order_id")
    if not order_id and event_type.startswith("invoice."):
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        order_id = (details.get("metadata") or {}).get("order_id")
    orders = Order.objects.select_for_update()
    if order_id and str(order_id).isdigit() and len(str(order_id)) < 19:
        return orders.filter(pk=int(order_id)).first()
    if event_type.startswith("invoice."):
        subscription = obj.get("subscription") or (
            ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        )
        return orders.filter(subscription=subscription).first() if subscription else None
    if event_type.startswith("charge.") and obj.get("payment_intent"):
        return orders.filter(payment_intent=obj["payment_intent"]).first()
    if event_type.startswith("customer.subscription."):
        return orders.filter(subscription=obj.get("id")).first()
    return None


def _remember_ids(order: Order, session: Json) -> None:
    services.order_stripe_ids_remember(
        order=order,
        checkout_session=session.get("id"),
        payment_intent=session.get("payment_intent"),
        subscription=session.get("subscription"),
    )


def _checkout_completed(order: Order, session: Json, source: str, now) -> str:
    _remember_ids(order, session)
    if session.get("payment_status") in ("paid", "no_payment_required"):
        return services.payment_confirm(
            order=order,
            amount=session.get("amount_total") or 0,
            currency=session.get("currency") or "",
            reference=session.get("invoice") or session.get("payment_intent") or session["id"],
            source=source,
            now=now,
        )
    if order.status == OrderStatus.PENDING:  # a bank debit: keep the seat while it clears
        services.order_hold_for_bank_debit(order=order, now=now)
        return "payment processing: seat held"
    return "nothing to do"


def _async_succeeded(order: Order, session: Json, source: str, now) -> str:
    _remember_ids(order, session)
    return services.payment_confirm(
        order=order,
        amount=session.get("amount_total") or 0,
        currency=session.get("currency") or "",
        reference=session.get("invoice") or session.get("payment_intent") or session["id"],
        source=source,
        now=now,
    )


def _async_failed(order: Order, session: Json, source: str, now) -> str:
    if order.status != OrderStatus.PENDING:
        return "nothing to do"
    services.order_expire(
        order=order, reason="bank payment failed", now=now, to=OrderStatus.CANCELLED
    )
    return "bank payment failed: seat released"


def _checkout_expired(order: Order, session: Json, source: str, now) -> str:
    if order.status != OrderStatus.PENDING or order.checkout_session not in ("", session["id"]):
        return "nothing to do"
    services.order_expire(order=order, reason="checkout expired", now=now)
    return "checkout expired: seat released"


def _invoice_paid(order: Order, invoice: Json, source: str, now) -> str:
    subscription = invoice.get("subscription") or (
        ((invoice.get("parent") or {}).get("subscription_details") or {}).get("subscription")
    )
    services.order_stripe_ids_remember(order=order, subscription=subscription)
    if not invoice.get("amount_paid") and invoice.get("amount_due"):
        return "nothing paid"
    return services.payment_confirm(
        order=order,
        amount=invoice.get("amount_paid") or 0,
        currency=invoice.get("currency") or "",
        reference=invoice["id"],
        source=source,
        now=now,
    )


def _invoice_failed(order: Order, invoice: Json, source: str, now) -> str:
    return services.instalment_failed(order=order, reference=invoice["id"], now=now)


def _charge_refunded(order: Order, charge: Json, source: str, now) -> str:
    refunds = (charge.get("refunds") or {}).get("data") or []
    reference = refunds[0]["id"] if refunds else f"{charge['id']}:{charge.get('amount_refunded')}"
    return services.refund_recorded_by_stripe(
        order=order,
        refunded_total=charge.get("amount_refunded") or 0,
        reference=reference,
        now=now,
    )


def _subscription_deleted(order: Order, subscription: Json, source: str, now) -> str:
    return services.instalment_plan_ended_unpaid(order=order, now=now)


HANDLERS: dict[str, Callable[[Order, Json, str, dt.datetime], str]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _async_succeeded,
    "checkout.session.async_payment_failed": _async_failed,
    "checkout.session.expired": _checkout_expired,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_failed,
    "charge.refunded": _charge_refunded,
    "customer.subscription.deleted": _subscription_deleted,
}
