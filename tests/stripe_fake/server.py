"""Stripe's v1 REST API, in memory, on 127.0.0.1, for driving the real ``stripe`` SDK in tests.

Stripe cannot be reached from the test machines, so the payment code is exercised against
this server instead of mocks: the SDK builds the same requests (form-encoded nested params,
``Idempotency-Key`` headers, ``expand[]``) and parses the same responses and errors it would
against api.stripe.com. Every object is built from Stripe's own published example of that
resource (``fixtures.json``, a subset of Stripe's ``openapi/fixtures3.json``, MIT, see
``LICENSE-stripe-fixtures``), with a fresh id and the request's values laid over it.

Routes (anything else answers a Stripe-shaped 404):

    POST   /v1/customers                     GET  /v1/customers/{id}
    POST   /v1/customers/{id}                (update: email, name, description, phone, metadata)
    POST   /v1/products                      GET  /v1/products/{id}
    POST   /v1/prices                        GET  /v1/prices/{id}
    POST   /v1/coupons                       GET  /v1/coupons/{id}
    POST   /v1/promotion_codes               GET  /v1/promotion_codes/{id}
    POST   /v1/checkout/sessions             GET  /v1/checkout/sessions/{id}
    POST   /v1/checkout/sessions/{id}/expire GET  /v1/checkout/sessions/{id}/line_items
    POST   /v1/refunds                       GET  /v1/refunds/{id}
    GET    /v1/payment_intents/{id}          GET  /v1/charges/{id}
    POST   /v1/subscriptions                 GET  /v1/subscriptions (list)
    GET    /v1/subscriptions/{id}            POST /v1/subscriptions/{id} (update)
    DELETE /v1/subscriptions/{id} (cancel)   POST /v1/subscriptions/{id}/resume
    GET    /v1/invoices (list)               GET  /v1/invoices/{id}
    POST   /v1/invoices/{id}/pay             POST /v1/invoices/create_preview
    POST   /v1/subscription_schedules        GET  /v1/subscription_schedules/{id}
    POST   /v1/subscription_schedules/{id}   (update: phases, end_behavior, metadata)
    POST   /v1/subscription_schedules/{id}/release
    POST   /v1/subscription_schedules/{id}/cancel
    POST   /v1/billing_portal/sessions       GET  /v1/events/{id}

Lists are Stripe list objects, newest first, ``limit`` 1..100 (default 10), paged with
``starting_after`` or ``ending_before``; a page costs what it returns, not the whole list.

What Stripe does on its own is done by the test: :meth:`StripeFake.complete_checkout`,
:meth:`StripeFake.expire_checkout` and :meth:`StripeFake.settle_async_payment` for Checkout;
:meth:`StripeFake.advance` (a subscription's clock: trials, renewals, pauses, schedules,
cancelling at the period's end; :meth:`StripeFake.advance_all` for all of them),
:meth:`StripeFake.retry` (a smart retry of an open invoice) and :meth:`StripeFake.set_card`
(the customer's card works, is declined, or is gone) for billing. :meth:`StripeFake.set_now`
fixes the time new objects are made at (``clock.py`` tells how subscriptions keep time).

Every change the fake makes to a customer, subscription, schedule or invoice is logged as
the Stripe event that reports it (``customer.subscription.updated`` with
``data.previous_attributes``, ``invoice.paid``...), with ``request.id`` set when a request
caused it; :meth:`StripeFake.drain_events` hands them over, oldest first. As at Stripe,
``customer.subscription.paused``/``.resumed`` report the status ``paused`` (a trial that
ended without a card), while setting or clearing ``pause_collection`` is a
``customer.subscription.updated``. Webhook deliveries of any object are built with
:meth:`StripeFake.event` and signed with :func:`sign_webhook`.

The fake is split by concern: ``wire.py`` (fixtures, ids, params, errors), this module (the
server, routing, idempotency, catalogue objects, refunds), ``checkout.py``,
``subscriptions.py``, ``invoices.py``, ``schedules.py`` and ``clock.py`` (events, cards, time).

Idempotency follows Stripe: a POST with an ``Idempotency-Key`` that was seen before with the
same method, path and parameters replays the first response (same object, same id, header
``Idempotent-Replayed: true``) without doing anything; the same key with other parameters or
on another endpoint is a 400 ``idempotency_error``. Keys are scoped by API key. As at Stripe,
requests that fail validation save no result, so they can be retried with the same key,
while a declined card (402) is saved like a success. Requests are handled one at a time, so
concurrent requests with one key also create one object. Every request, replays and errors
included, is appended to ``StripeFake.requests``.

Known simplifications: no tax, no shipping, no currency conversion. Invoices are paid
without a payment_intent or charge of their own (``invoice.payment_succeeded`` is not
logged: ``invoice.paid`` tells the same); a renewal is invoiced, finalized and charged at
the period's end at once (Stripe waits about an hour before finalizing); smart retries
happen only when the test calls :meth:`StripeFake.retry`. Prorations are computed as in
Stripe's ``classic`` billing mode, on list prices: they are not discounted, and a coupon
applies to the other lines of an invoice. A trial's first invoice is 0 on every line (a
one-time price of a Checkout Session too). Subscription items can be changed and added, not
removed; one discount per subscription; no customer-level discounts; coupons are not
checked for redemption limits or expiry. Schedules are made ``from_subscription`` only, end
by ``release`` or ``cancel``, and a phase without ``end_date`` lasts one period of its price
(Stripe's default ``iterations=1``). ``incomplete_expired`` is reported as
``customer.subscription.updated``. ``payment_behavior=pending_if_incomplete`` acts as
``allow_incomplete``; ``resume`` takes ``billing_cycle_anchor=now`` only.
"""

from __future__ import annotations

import bisect
import copy
import functools
import json
import re
import secrets
import string
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from tests.stripe_fake.checkout import CheckoutMixin
from tests.stripe_fake.clock import ClockMixin
from tests.stripe_fake.invoices import InvoicesMixin
from tests.stripe_fake.schedules import SchedulesMixin
from tests.stripe_fake.subscriptions import Billing, SubscriptionsMixin
from tests.stripe_fake.wire import (
    _ALNUM,
    PORTAL_URL,
    TEST_API_KEY,
    Json,
    StripeApiError,
    _bool,
    _choice,
    _int,
    _list,
    _merged_metadata,
    _metadata,
    _missing,
    _money,
    _no_such,
    _only_one,
    _p,
    _str,
    clone,
    decode_params,
    fixture,
    new_id,
    sign_webhook,
)

__all__ = [
    "TEST_API_KEY",
    "RecordedRequest",
    "StripeFake",
    "decode_params",
    "fixture",
    "new_id",
    "sign_webhook",
]

# --- recorded requests and stored idempotent results ------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server answered."""

    method: str
    path: str
    params: Json
    idempotency_key: str | None
    status: int
    replayed: bool
    request_id: str
    api_key: str | None


@dataclass(frozen=True)
class _Saved:
    method: str
    path: str
    fingerprint: str
    status: int
    body: Json
    request_id: str


Route = tuple[str, re.Pattern[str], Callable[..., Json]]


# --- the fake ----------------------------------------------------------------------------


class StripeFake(CheckoutMixin, SubscriptionsMixin, InvoicesMixin, SchedulesMixin, ClockMixin):
    """Stripe's v1 API for one test: in-memory objects, served on 127.0.0.1.

    ``start()`` picks a free port unless one is given; ``url`` is what the SDK's api base is
    set to. Also a context manager."""

    STORED = (
        "customer",
        "product",
        "price",
        "coupon",
        "promotion_code",
        "checkout.session",
        "payment_intent",
        "charge",
        "refund",
        "invoice",
        "subscription",
        "subscription_schedule",
        "discount",
        "billing_portal.session",
        "event",
    )
    # lists answered newest first, by these fields: (resource, field)
    INDEXED = (
        ("subscription", "customer"),
        ("invoice", "customer"),
        ("invoice", "subscription"),
    )

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str = TEST_API_KEY):
        self.host = host
        self.port = port
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._routes = self._build_routes()
        self.reset()

    # -- lifecycle

    def start(self) -> StripeFake:
        if self._server is not None:
            raise RuntimeError("already started")
        server = _Server((self.host, self.port), _Handler)
        server.fake = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StripeFake:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("not started")
        return f"http://{self.host}:{self.port}"

    def client(self, **kwargs: Any) -> stripe.StripeClient:
        """A ``stripe.StripeClient`` that talks to this server."""
        return stripe.StripeClient(
            kwargs.pop("api_key", self.api_key), base_addresses={"api": self.url}, **kwargs
        )

    def reset(self) -> None:
        """Forget every object, request and idempotency key."""
        with self._lock:
            self.requests.clear()
            self._store: dict[str, dict[str, Json]] = {name: {} for name in self.STORED}
            self._saved: dict[tuple[str | None, str], _Saved] = {}
            self._sessions: dict[str, Json] = {}
            self._portal_configuration = new_id("bpc")
            self._seq: dict[str, int] = {}  # id -> creation order, for list cursors
            self._order: dict[str, list[str]] = {name: [] for name in self.STORED}
            self._index: dict[tuple[str, str, str], list[str]] = {}
            self._billing: dict[str, Billing] = {}
            self._cards: dict[str, bool | None] = {}
            self._store["event"] = _Packed()
            self._event_log: list[str] = []  # event ids, for drain_events()
            self._watching: set[str] = set()
            self._request_meta: Json | None = None
            self._fixed_now: int | None = None

    # -- time

    def now(self) -> int:
        """The fake's time (Unix seconds): the wall clock unless :meth:`set_now` fixed it."""
        return self._fixed_now if self._fixed_now is not None else int(time.time())

    def set_now(self, ts: int | None) -> None:
        """Fix the fake's time at ``ts`` (``None``: follow the wall clock again)."""
        with self._lock:
            self._fixed_now = ts

    # -- inspecting state

    def get(self, obj_id: str) -> Json:
        """The current state of any object, by id (a copy)."""
        with self._lock:
            for objects in self._store.values():
                if obj_id in objects:
                    return clone(objects[obj_id])
        raise KeyError(obj_id)

    def all(self, resource: str) -> list[Json]:
        """Every stored object of one kind (``"checkout.session"``, ``"refund"``…), oldest first."""
        with self._lock:
            return clone(list(self._store[resource].values()))

    def requests_to(self, method: str, path: str, *, replays: bool = True) -> list[RecordedRequest]:
        """The recorded requests to one endpoint; ``replays=False`` leaves idempotent
        replays out."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method.upper() and r.path == path and (replays or not r.replayed)
            ]

    def event(
        self, type: str, obj: Mapping[str, Any], *, previous_attributes: Json | None = None
    ) -> Json:
        """A Stripe Event about ``obj`` (a dict, or a StripeObject from the SDK), shaped like
        Stripe's webhook payloads; ``json.dumps`` it for the body and sign it with
        :func:`sign_webhook`. Also retrievable at ``GET /v1/events/{id}``."""
        if hasattr(obj, "to_dict"):
            obj = obj.to_dict()
        obj = copy.deepcopy(dict(obj))  # whatever the caller passed, not only our own data
        with self._lock:
            return clone(self._new_event(type, obj, previous_attributes, self.now()))

    def _new_event(
        self, type: str, obj: Mapping[str, Any], previous: Json | None, created: int
    ) -> Json:
        data: Json = {"object": clone(dict(obj))}
        if previous is not None:
            data["previous_attributes"] = clone(previous)
        event = fixture("event")
        event.update(
            id=new_id("evt"),
            api_version=stripe.api_version,
            created=created,
            data=data,
            livemode=False,
            pending_webhooks=1,
            request=dict(self._request_meta or {"id": None, "idempotency_key": None}),
            type=type,
        )
        self._store["event"][event["id"]] = event
        return event

    # -- HTTP

    def handle(
        self, method: str, raw_path: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, Json, dict[str, str]]:
        """Answer one request: (status, JSON body, extra response headers)."""
        method = method.upper()
        split = urlsplit(raw_path)
        path = split.path.rstrip("/") or "/"
        pairs = parse_qsl(split.query, keep_blank_values=True)
        if body:
            pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        params = decode_params(pairs)
        idempotency_key = headers.get("Idempotency-Key") or None
        authorization = headers.get("Authorization") or ""
        api_key = authorization[7:] if authorization.startswith("Bearer ") else None
        request_id = new_id("req", 14)
        response_headers = {"Request-Id": request_id, "Stripe-Version": stripe.api_version}
        if idempotency_key:
            response_headers["Idempotency-Key"] = idempotency_key
        with self._lock:
            self._request_meta = {"id": request_id, "idempotency_key": idempotency_key}
            try:
                status, payload, replayed = self._answer(
                    method, path, params, idempotency_key, api_key, request_id, response_headers
                )
            finally:
                self._request_meta = None
            self.requests.append(
                RecordedRequest(
                    method=method,
                    path=path,
                    params=params,
                    idempotency_key=idempotency_key,
                    status=status,
                    replayed=replayed,
                    request_id=request_id,
                    api_key=api_key,
                )
            )
        return status, payload, response_headers

    def _answer(
        self,
        method: str,
        path: str,
        params: Json,
        idempotency_key: str | None,
        api_key: str | None,
        request_id: str,
        response_headers: dict[str, str],
    ) -> tuple[int, Json, bool]:
        try:
            self._authenticate(api_key)
            saved_key = (api_key, idempotency_key) if idempotency_key else None
            fingerprint = json.dumps(params, sort_keys=True)
            if method == "POST" and saved_key is not None and saved_key in self._saved:
                saved = self._saved[saved_key]
                self._check_same_request(saved, method, path, fingerprint, idempotency_key)
                response_headers["Idempotent-Replayed"] = "true"
                response_headers["Original-Request"] = saved.request_id
                return saved.status, clone(saved.body), True
            handler, kwargs = self._route(method, path)
            try:
                result = handler(params, **kwargs)
            except StripeApiError as error:
                # A declined card is a result, kept for the key like a success; a request
                # refused before anything was done can be retried with its key.
                if error.status == 402 and method == "POST" and saved_key is not None:
                    body = error.body(request_id)
                    self._saved[saved_key] = _Saved(
                        method, path, fingerprint, 402, clone(body), request_id
                    )
                raise
            result = self._expand(result, _list(params.get("expand"), "expand"))
            if method == "POST" and saved_key is not None:
                self._saved[saved_key] = _Saved(
                    method, path, fingerprint, 200, clone(result), request_id
                )
            return 200, result, False
        except StripeApiError as error:
            return error.status, error.body(request_id), False
        except Exception as error:  # a bug here must not look like a retryable outage
            response_headers["Stripe-Should-Retry"] = "false"
            failure = StripeApiError(500, f"{type(error).__name__}: {error}", type="api_error")
            return 500, failure.body(request_id), False

    def _authenticate(self, api_key: str | None) -> None:
        if not api_key:
            raise StripeApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
                "or we can help at https://support.stripe.com/.",
            )
        if not api_key.startswith(("sk_test_", "rk_test_")):
            raise StripeApiError(401, f"Invalid API Key provided: {api_key[:8]}****{api_key[-4:]}")

    @staticmethod
    def _check_same_request(
        saved: _Saved, method: str, path: str, fingerprint: str, key: str | None
    ) -> None:
        if (saved.method, saved.path) != (method, path):
            raise StripeApiError(
                400,
                "Keys for idempotent requests can only be used for the same endpoint they were "
                f"first used for ('{saved.method} {saved.path}' vs '{method} {path}'). Try "
                f"using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
        if saved.fingerprint != fingerprint:
            raise StripeApiError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type="idempotency_error",
            )

    def _build_routes(self) -> list[Route]:
        def retrieve(resource: str) -> Callable[..., Json]:
            return functools.partial(self._retrieve, resource)

        table: list[tuple[str, str, Callable[..., Json]]] = [
            ("POST", "/v1/customers", self._create_customer),
            ("GET", "/v1/customers/{id}", retrieve("customer")),
            ("POST", "/v1/customers/{id}", self._update_customer),
            ("POST", "/v1/products", self._create_product),
            ("GET", "/v1/products/{id}", retrieve("product")),
            ("POST", "/v1/prices", self._create_price),
            ("GET", "/v1/prices/{id}", retrieve("price")),
            ("POST", "/v1/coupons", self._create_coupon),
            ("GET", "/v1/coupons/{id}", retrieve("coupon")),
            ("POST", "/v1/promotion_codes", self._create_promotion_code),
            ("GET", "/v1/promotion_codes/{id}", retrieve("promotion_code")),
            ("POST", "/v1/checkout/sessions", self._create_checkout_session),
            ("GET", "/v1/checkout/sessions/{id}", retrieve("checkout.session")),
            ("POST", "/v1/checkout/sessions/{id}/expire", self._expire_checkout_session),
            ("GET", "/v1/checkout/sessions/{id}/line_items", self._checkout_line_items),
            ("POST", "/v1/refunds", self._create_refund),
            ("GET", "/v1/refunds/{id}", retrieve("refund")),
            ("GET", "/v1/payment_intents/{id}", retrieve("payment_intent")),
            ("GET", "/v1/charges/{id}", retrieve("charge")),
            ("GET", "/v1/invoices", self._list_invoices),
            ("POST", "/v1/invoices/create_preview", self._preview_invoice),
            ("GET", "/v1/invoices/{id}", retrieve("invoice")),
            ("POST", "/v1/invoices/{id}/pay", self._pay_invoice),
            ("POST", "/v1/subscriptions", self._create_subscription),
            ("GET", "/v1/subscriptions", self._list_subscriptions),
            ("GET", "/v1/subscriptions/{id}", retrieve("subscription")),
            ("POST", "/v1/subscriptions/{id}", self._update_subscription),
            ("DELETE", "/v1/subscriptions/{id}", self._cancel_subscription),
            ("POST", "/v1/subscriptions/{id}/resume", self._resume_subscription),
            ("POST", "/v1/subscription_schedules", self._create_schedule),
            ("GET", "/v1/subscription_schedules/{id}", retrieve("subscription_schedule")),
            ("POST", "/v1/subscription_schedules/{id}", self._update_schedule),
            ("POST", "/v1/subscription_schedules/{id}/release", self._release_schedule),
            ("POST", "/v1/subscription_schedules/{id}/cancel", self._cancel_schedule),
            ("POST", "/v1/billing_portal/sessions", self._create_portal_session),
            ("GET", "/v1/events/{id}", retrieve("event")),
        ]
        return [
            (method, re.compile("^" + path.replace("{id}", "(?P<obj_id>[^/]+)") + "$"), handler)
            for method, path, handler in table
        ]

    def _route(self, method: str, path: str) -> tuple[Callable[..., Json], Json]:
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and route_method == method:
                return handler, match.groupdict()
        raise StripeApiError(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
            "or we can help at https://support.stripe.com/.",
        )

    def _expand(self, obj: Json, paths: list[Any]) -> Json:
        for path in paths:
            self._expand_path(obj, str(path).split("."))
        return obj

    def _expand_path(self, obj: Any, parts: list[str]) -> None:
        if not parts or not isinstance(obj, dict):
            return
        if parts[0] == "data" and isinstance(obj.get("data"), list):
            for item in obj["data"]:
                self._expand_path(item, parts[1:])
            return
        value = obj.get(parts[0])
        if isinstance(value, str):
            try:
                value = obj[parts[0]] = self.get(value)
            except KeyError:
                return
        self._expand_path(value, parts[1:])

    def _find(self, resource: str, obj_id: str, *, status: int = 404, param: str = "id") -> Json:
        try:
            return self._store[resource][obj_id]
        except KeyError:
            raise _no_such(resource, obj_id, status=status, param=param) from None

    def _retrieve(self, resource: str, params: Json, obj_id: str) -> Json:
        return clone(self._find(resource, obj_id))

    def _save(self, obj: Json) -> Json:
        """Store ``obj`` and answer a copy of it."""
        self._keep(obj)
        return clone(obj)

    def _keep(self, obj: Json) -> None:
        """Store ``obj`` (the stored object is ``obj`` itself, changed in place later)."""
        resource, obj_id = obj["object"], obj["id"]
        if obj_id not in self._store[resource]:
            self._seq[obj_id] = len(self._seq)
            self._order[resource].append(obj_id)
            for indexed, field in self.INDEXED:
                if indexed == resource and obj.get(field):
                    self._index.setdefault((resource, field, obj[field]), []).append(obj_id)
        self._store[resource][obj_id] = obj

    def _page(
        self,
        resource: str,
        ids: list[str],
        params: Json,
        wanted: Callable[[Json], bool],
        url: str,
    ) -> Json:
        """One page of a list, newest first as Stripe lists: ``ids`` (oldest first) filtered
        by ``wanted``, after ``starting_after`` or before ``ending_before``. A cursor is found
        by bisection and only as many objects are looked at as the page needs (all of them
        only when few match)."""
        limit = _int(params.get("limit"), "limit", minimum=1, maximum=100) or 10
        after = _str(params, "starting_after")
        before = _str(params, "ending_before")
        if after and before:
            raise _only_one("ending_before", "starting_after")
        objects = self._store[resource]
        for cursor, param in ((after, "starting_after"), (before, "ending_before")):
            if cursor and cursor not in objects:
                raise _no_such(resource, cursor, status=400, param=param)
        seq = self._seq.__getitem__
        if after:
            positions: Iterable[int] = range(
                bisect.bisect_left(ids, seq(after), key=seq) - 1, -1, -1
            )
        elif before:
            positions = range(bisect.bisect_right(ids, seq(before), key=seq), len(ids))
        else:
            positions = range(len(ids) - 1, -1, -1)
        found = []
        for position in positions:
            obj = objects[ids[position]]
            if wanted(obj):
                found.append(obj)
                if len(found) > limit:
                    break
        has_more = len(found) > limit
        found = found[:limit]
        if before:
            found.reverse()
        return {
            "object": "list",
            "data": clone(found),
            "has_more": has_more,
            "url": url,
        }

    # -- customers, products, prices, coupons, promotion codes

    def _new_customer(self, params: Json) -> Json:
        customer = fixture("customer")
        customer.update(
            id=new_id("cus", 14),
            address=None,
            created=self.now(),
            currency=None,
            description=_str(params, "description"),
            discount=None,
            email=_str(params, "email"),
            invoice_prefix=secrets.token_hex(4).upper(),
            metadata=_metadata(params.get("metadata")),
            name=_str(params, "name"),
            phone=_str(params, "phone"),
            preferred_locales=_list(params.get("preferred_locales"), "preferred_locales"),
            shipping=None,
        )
        self._keep(customer)
        self._emit("customer.created", customer)
        return clone(customer)

    def _create_customer(self, params: Json) -> Json:
        return self._new_customer(params)

    def _update_customer(self, params: Json, obj_id: str) -> Json:
        customer = self._find("customer", obj_id)
        changes: Json = {}
        for name in ("email", "name", "description", "phone"):
            if name in params:
                changes[name] = _str(params, name)
        if "metadata" in params:
            changes["metadata"] = _merged_metadata(customer["metadata"], params["metadata"])
        if "preferred_locales" in params:
            changes["preferred_locales"] = _list(params["preferred_locales"], "preferred_locales")
        with self._changing(customer, self.now()):
            customer.update(changes)
        return clone(customer)

    def _new_product(self, params: Json, *, prefix: str = "") -> Json:
        product = fixture("product")
        now = self.now()
        product.update(
            id=_str(params, "id") or new_id("prod", 14),
            name=_str(params, "name", required=True, prefix=prefix),
            description=_str(params, "description"),
            created=now,
            updated=now,
            default_price=None,
            images=_list(params.get("images"), _p(prefix, "images")),
            metadata=_metadata(params.get("metadata"), _p(prefix, "metadata")),
            package_dimensions=None,
            statement_descriptor=_str(params, "statement_descriptor"),
            tax_code=_str(params, "tax_code"),
            unit_label=_str(params, "unit_label"),
            type="service",
        )
        if product["id"] in self._store["product"]:
            raise StripeApiError(
                400, "Product already exists.", code="resource_already_exists", param="id"
            )
        return self._save(product)

    def _create_product(self, params: Json) -> Json:
        return self._new_product(params)

    def _new_price(self, params: Json, *, prefix: str = "") -> Json:
        currency = _str(params, "currency", required=True, prefix=prefix).lower()
        unit_amount = _int(params.get("unit_amount"), _p(prefix, "unit_amount"), minimum=0)
        if unit_amount is None and params.get("unit_amount_decimal") not in (None, ""):
            unit_amount = int(
                Decimal(params["unit_amount_decimal"]).quantize(Decimal(1), ROUND_HALF_UP)
            )
        if unit_amount is None:
            raise _missing(_p(prefix, "unit_amount"))
        if params.get("product") and params.get("product_data"):
            raise _only_one(_p(prefix, "product"), _p(prefix, "product_data"))
        if params.get("product_data"):
            product_id = self._new_product(
                params["product_data"], prefix=_p(prefix, "product_data")
            )["id"]
        elif params.get("product"):
            product_id = self._find(
                "product", params["product"], status=400, param=_p(prefix, "product")
            )["id"]
        else:
            raise _missing(_p(prefix, "product"))
        recurring = params.get("recurring")
        if recurring:
            interval = recurring.get("interval")
            if interval not in ("day", "week", "month", "year"):
                raise StripeApiError(
                    400,
                    "Invalid recurring[interval]: must be one of day, week, month, or year",
                    param=_p(prefix, "recurring[interval]"),
                )
            recurring = {
                "interval": interval,
                "interval_count": _int(
                    recurring.get("interval_count"),
                    _p(prefix, "recurring[interval_count]"),
                    minimum=1,
                )
                or 1,
                "meter": None,
                "usage_type": "licensed",
                "trial_period_days": None,
            }
        price = fixture("price")
        price.update(
            id=new_id("price"),
            created=self.now(),
            currency=currency,
            custom_unit_amount=None,
            lookup_key=_str(params, "lookup_key"),
            metadata=_metadata(params.get("metadata"), _p(prefix, "metadata")),
            nickname=_str(params, "nickname"),
            product=product_id,
            recurring=recurring or None,
            tax_behavior=_str(params, "tax_behavior") or "unspecified",
            transform_quantity=None,
            type="recurring" if recurring else "one_time",
            unit_amount=unit_amount,
            unit_amount_decimal=str(unit_amount),
        )
        return self._save(price)

    def _create_price(self, params: Json) -> Json:
        return self._new_price(params)

    def _create_coupon(self, params: Json) -> Json:
        percent_off = params.get("percent_off")
        amount_off = _int(params.get("amount_off"), "amount_off", minimum=1)
        if percent_off not in (None, "") and amount_off is not None:
            raise _only_one("amount_off", "percent_off")
        if percent_off not in (None, ""):
            try:
                percent = float(percent_off)
            except ValueError:
                raise StripeApiError(
                    400, f"Invalid decimal: {percent_off}", param="percent_off"
                ) from None
            if not 0 < percent <= 100:
                raise StripeApiError(
                    400, "Percent off must be between 0 and 100.", param="percent_off"
                )
        elif amount_off is None:
            raise StripeApiError(400, "Must specify either amount_off or percent_off.")
        else:
            percent = None
        currency = _str(params, "currency")
        if amount_off is not None and not currency:
            raise _missing("currency")
        duration = _choice(params, "duration", ("once", "repeating", "forever"), default="once")
        months = _int(params.get("duration_in_months"), "duration_in_months", minimum=1)
        if duration == "repeating" and months is None:
            raise _missing("duration_in_months")
        coupon_id = _str(params, "id") or "".join(secrets.choice(_ALNUM) for _ in range(8))
        if coupon_id in self._store["coupon"]:
            raise StripeApiError(
                400, "Coupon already exists.", code="resource_already_exists", param="id"
            )
        coupon = fixture("coupon")
        coupon.update(
            id=coupon_id,
            amount_off=amount_off,
            created=self.now(),
            currency=currency.lower() if currency else None,
            duration=duration,
            duration_in_months=months if duration == "repeating" else None,
            max_redemptions=_int(params.get("max_redemptions"), "max_redemptions", minimum=1),
            metadata=_metadata(params.get("metadata")),
            name=_str(params, "name"),
            percent_off=percent,
            redeem_by=_int(params.get("redeem_by"), "redeem_by"),
            times_redeemed=0,
            valid=True,
        )
        return self._save(coupon)

    def _create_promotion_code(self, params: Json) -> Json:
        promotion = params.get("promotion") or {}
        coupon_id = promotion.get("coupon") if isinstance(promotion, dict) else None
        coupon_id = coupon_id or _str(params, "coupon")
        if not coupon_id:
            raise _missing("promotion[coupon]")
        self._find("coupon", coupon_id, status=400, param="promotion[coupon]")
        code = _str(params, "code") or "".join(
            secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8)
        )
        if any(p["code"].lower() == code.lower() for p in self._store["promotion_code"].values()):
            raise StripeApiError(
                400,
                "An active promotion code with `code` already exists.",
                code="resource_already_exists",
                param="code",
            )
        promo = fixture("promotion_code")
        promo.update(
            id=new_id("promo"),
            active=_bool(params.get("active"), "active") is not False,
            code=code,
            created=self.now(),
            customer=_str(params, "customer"),
            expires_at=_int(params.get("expires_at"), "expires_at"),
            max_redemptions=_int(params.get("max_redemptions"), "max_redemptions", minimum=1),
            metadata=_metadata(params.get("metadata")),
            promotion={"coupon": coupon_id, "type": "coupon"},
            times_redeemed=0,
        )
        return self._save(promo)

    # -- refunds, billing portal

    def _create_refund(self, params: Json) -> Json:
        intent_id = _str(params, "payment_intent")
        charge_id = _str(params, "charge")
        if not intent_id and not charge_id:
            raise StripeApiError(400, "One of `charge` or `payment_intent` is required.")
        if intent_id:
            intent = self._find("payment_intent", intent_id, status=400, param="payment_intent")
            if intent["status"] != "succeeded" or not intent["latest_charge"]:
                raise StripeApiError(
                    400,
                    f"This PaymentIntent ({intent_id}) does not have a successful charge to "
                    "refund.",
                    param="payment_intent",
                )
            if charge_id and charge_id != intent["latest_charge"]:
                raise StripeApiError(
                    400, f"Charge {charge_id} does not belong to {intent_id}.", param="charge"
                )
            charge_id = intent["latest_charge"]
        charge = self._find("charge", charge_id, status=400, param="charge")
        if charge["status"] != "succeeded":
            raise StripeApiError(
                400,
                f"Charge {charge_id} has not succeeded and cannot be refunded.",
                param="charge",
            )
        if charge["refunded"]:
            raise StripeApiError(
                400,
                f"Charge {charge_id} has already been refunded.",
                code="charge_already_refunded",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = _int(params.get("amount"), "amount", minimum=1)
        if amount is None:
            amount = remaining
        if amount > remaining:
            raise StripeApiError(
                400,
                f"Refund amount ({_money(amount, charge['currency'])}) is greater than "
                f"unrefunded amount on charge ({_money(remaining, charge['currency'])})",
                code="amount_too_large",
                param="amount",
            )
        reason = _choice(params, "reason", ("duplicate", "fraudulent", "requested_by_customer"))
        refund = fixture("refund")
        refund.update(
            id=new_id("re"),
            amount=amount,
            balance_transaction=new_id("txn"),
            charge=charge_id,
            created=self.now(),
            currency=charge["currency"],
            metadata=_metadata(params.get("metadata")),
            payment_intent=charge["payment_intent"],
            reason=reason,
            status="succeeded",
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, clone(refund))
        return self._save(refund)

    def _create_portal_session(self, params: Json) -> Json:
        customer = _str(params, "customer", required=True)
        self._find("customer", customer, status=400, param="customer")
        portal = fixture("billing_portal.session")
        portal.update(
            id=new_id("bps"),
            configuration=_str(params, "configuration") or self._portal_configuration,
            created=self.now(),
            customer=customer,
            flow=None,
            livemode=False,
            locale=_str(params, "locale"),
            on_behalf_of=None,
            return_url=_str(params, "return_url"),
            url=PORTAL_URL.format(token=secrets.token_urlsafe(24)),
        )
        return self._save(portal)


class _Packed(dict):
    """Events, kept as compressed JSON: each carries a full snapshot of an object, and a
    benchmark's thousands of subscriptions make hundreds of thousands of them. Reading one
    gives a fresh copy."""

    def __setitem__(self, key: str, value: Json) -> None:
        super().__setitem__(key, zlib.compress(json.dumps(value).encode(), 1))

    def __getitem__(self, key: str) -> Json:
        return json.loads(zlib.decompress(super().__getitem__(key)))

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default  # noqa: SIM401 (that is this method)

    def values(self) -> list[Json]:  # type: ignore[override]
        return [self[key] for key in self]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: StripeFake


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "StripeFake/1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload, headers = self.server.fake.handle(
            self.command, self.path, body, self.headers
        )
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass
