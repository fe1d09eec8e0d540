"""Stripe's v1 REST API, in memory, on 127.0.0.1, for driving the real ``stripe`` SDK in tests.

Stripe cannot be reached from the test machines, so the payment code is exercised against
this server instead of mocks: the SDK builds the same requests (form-encoded nested params,
``Idempotency-Key`` headers, ``expand[]``) and parses the same responses and errors it would
against api.stripe.com. Every object is built from Stripe's own published example of that
resource (``fixtures.json``, a subset of Stripe's ``openapi/fixtures3.json``, MIT, see
``LICENSE-stripe-fixtures``), with a fresh id and the request's values laid over it.

Routes (anything else answers a Stripe-shaped 404):

    POST   /v1/customers                     GET /v1/customers/{id}
    POST   /v1/products                      GET /v1/products/{id}
    POST   /v1/prices                        GET /v1/prices/{id}
    POST   /v1/coupons                       GET /v1/coupons/{id}
    POST   /v1/promotion_codes               GET /v1/promotion_codes/{id}
    POST   /v1/checkout/sessions             GET /v1/checkout/sessions/{id}
    POST   /v1/checkout/sessions/{id}/expire GET /v1/checkout/sessions/{id}/line_items
    POST   /v1/refunds                       GET /v1/refunds/{id}
    GET    /v1/payment_intents/{id}          GET /v1/charges/{id}
    GET    /v1/invoices/{id}                 GET /v1/subscriptions/{id}
    DELETE /v1/subscriptions/{id}            (cancel)
    POST   /v1/billing_portal/sessions       GET /v1/events/{id}

What Stripe does on its own (a customer paying, a session running out) is done by the
test through :meth:`StripeFake.complete_checkout` and :meth:`StripeFake.expire_checkout`;
webhook deliveries are built with :meth:`StripeFake.event` and signed with
:func:`sign_webhook`.

Idempotency follows Stripe: a POST with an ``Idempotency-Key`` that was seen before with the
same method, path and parameters replays the first response (same object, same id, header
``Idempotent-Replayed: true``) without doing anything; the same key with other parameters or
on another endpoint is a 400 ``idempotency_error``. Keys are scoped by API key. As at Stripe,
requests that fail validation save no result, so they can be retried with the same key.
Requests are handled one at a time, so concurrent requests with one key also create one
object. Every request, replays and errors included, is appended to ``StripeFake.requests``.

Known simplifications: no tax, no shipping, no currency conversion, no proration; a
subscription's first invoice is paid without a payment_intent or charge of its own, and
with a trial every line of it is 0; a cancelled subscription is not invoiced again;
coupons are not checked for redemption limits or expiry.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import functools
import json
import re
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

FIXTURES_PATH = Path(__file__).with_name("fixtures.json")
TEST_API_KEY = "sk_test_fake"
CHECKOUT_URL = "https://checkout.stripe.test/c/pay/{id}"
PORTAL_URL = "https://billing.stripe.test/p/session/{token}"
INVOICE_URL = "https://invoice.stripe.test/i/{token}"
RECEIPT_URL = "https://pay.stripe.test/receipts/payment/{token}"

Json = dict[str, Any]

_ALNUM = string.ascii_letters + string.digits
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}


# --- fixtures, ids, params ---------------------------------------------------------------


@functools.cache
def _fixtures() -> Mapping[str, Json]:
    return json.loads(FIXTURES_PATH.read_text(encoding="utf-8"))["resources"]


def fixture(resource: str) -> Json:
    """A fresh copy of Stripe's example object for ``resource`` (e.g. ``"checkout.session"``)."""
    return copy.deepcopy(_fixtures()[resource])


def new_id(prefix: str, length: int = 24) -> str:
    """An id shaped like Stripe's: ``cus_…``, ``pi_…``, ``cs_test_…``."""
    return f"{prefix}_{''.join(secrets.choice(_ALNUM) for _ in range(length))}"


def decode_params(pairs: Iterable[tuple[str, str]]) -> Json:
    """Form pairs as the SDK sends them (``line_items[0][price_data][unit_amount]=100``,
    ``metadata[order_id]=7``, ``expand[0]=x`` or ``expand[]=x``) as nested dicts and lists.
    Values stay strings, as on the wire."""
    root: Json = {}
    for key, value in pairs:
        match = _KEY.match(key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))] if match else [key]
        node = root
        for i, part in enumerate(parts):
            name = part or str(len(node))
            if i == len(parts) - 1:
                node[name] = value
            else:
                child = node.get(name)
                if not isinstance(child, dict):
                    child = node[name] = {}
                node = child
    return _listify(root)


def _listify(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        if key != "metadata" and value and all(k.isdigit() for k in value):
            return [_listify(v) for _, v in sorted(value.items(), key=lambda kv: int(kv[0]))]
        return {k: _listify(v, k) for k, v in value.items()}
    return value


def sign_webhook(payload: str | bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe sends with ``payload``:
    ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed with the endpoint secret>``.
    Uses the SDK's own test-header helper, so it matches what ``stripe.Webhook`` verifies."""
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8")
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


def _now() -> int:
    return int(time.time())


def _add_interval(ts: int, interval: str, count: int) -> int:
    start = dt.datetime.fromtimestamp(ts, dt.UTC)
    if interval == "day":
        return int((start + dt.timedelta(days=count)).timestamp())
    if interval == "week":
        return int((start + dt.timedelta(weeks=count)).timestamp())
    months = count * (12 if interval == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return int(start.replace(year=year, month=month + 1, day=day).timestamp())


def _money(amount: int, currency: str) -> str:
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{amount / 100:.2f}" if symbol else f"{amount / 100:.2f} {currency.upper()}"


# --- errors ------------------------------------------------------------------------------


class StripeApiError(Exception):
    """An error answer, shaped like Stripe's ``{"error": {...}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param

    def body(self, request_id: str) -> Json:
        error: Json = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def _missing(param: str) -> StripeApiError:
    return StripeApiError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def _no_such(resource: str, obj_id: str, *, status: int = 404, param: str = "id") -> StripeApiError:
    return StripeApiError(
        status, f"No such {resource}: '{obj_id}'", code="resource_missing", param=param
    )


def _only_one(*params: str) -> StripeApiError:
    return StripeApiError(
        400, f"You may only specify one of these parameters: {', '.join(params)}."
    )


def _int(value: Any, param: str, *, minimum: int | None = None) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StripeApiError(
            400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=param
        ) from None
    if minimum is not None and number < minimum:
        raise StripeApiError(
            400,
            f"This value must be greater than or equal to {minimum}.",
            code="parameter_invalid_integer",
            param=param,
        )
    return number


def _bool(value: Any, param: str) -> bool | None:
    if value is None or value == "":
        return None
    if value in ("true", "false"):
        return value == "true"
    raise StripeApiError(400, f"Invalid boolean: {value}", param=param)


def _p(prefix: str, name: str) -> str:
    """The wire name of a nested param: ``_p("line_items[0]", "quantity")``."""
    return f"{prefix}[{name}]" if prefix else name


def _str(params: Json, name: str, *, required: bool = False, prefix: str = "") -> str | None:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise _missing(_p(prefix, name))
        return None
    if not isinstance(value, str):
        raise StripeApiError(400, f"Invalid string: {value!r}", param=_p(prefix, name))
    return value


def _choice(params: Json, name: str, choices: tuple[str, ...], *, default: str | None = None):
    value = _str(params, name) or default
    if value is not None and value not in choices:
        raise StripeApiError(
            400,
            f"Invalid {name}: must be one of {', '.join(choices)}",
            param=name,
        )
    return value


def _metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    """Stripe's metadata rules: at most 50 keys, keys up to 40 characters, values up to 500;
    an empty value removes the key."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise StripeApiError(400, "Invalid object", param=param)
    if len(value) > 50:
        raise StripeApiError(
            400, "Invalid metadata: metadata cannot have more than 50 keys.", param=param
        )
    result = {}
    for key, item in value.items():
        if len(key) > 40:
            raise StripeApiError(
                400,
                f"Invalid metadata: metadata keys can be at most 40 characters ('{key}').",
                param=f"{param}[{key}]",
            )
        if not isinstance(item, str):
            raise StripeApiError(400, "Invalid string", param=f"{param}[{key}]")
        if len(item) > 500:
            raise StripeApiError(
                400,
                "Invalid metadata: metadata values can be at most 500 characters.",
                param=f"{param}[{key}]",
            )
        if item != "":
            result[key] = item
    return result


def _list(value: Any, param: str) -> list[Any]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise StripeApiError(400, "Invalid array", param=param)
    return value


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


class StripeFake:
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
        "billing_portal.session",
        "event",
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

    # -- inspecting state

    def get(self, obj_id: str) -> Json:
        """The current state of any object, by id (a copy)."""
        with self._lock:
            for objects in self._store.values():
                if obj_id in objects:
                    return copy.deepcopy(objects[obj_id])
        raise KeyError(obj_id)

    def all(self, resource: str) -> list[Json]:
        """Every stored object of one kind (``"checkout.session"``, ``"refund"``…), oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._store[resource].values()))

    def requests_to(self, method: str, path: str, *, replays: bool = True) -> list[RecordedRequest]:
        """The recorded requests to one endpoint; ``replays=False`` leaves idempotent
        replays out."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method.upper() and r.path == path and (replays or not r.replayed)
            ]

    # -- what Stripe does on its own

    def complete_checkout(self, session_id: str, *, paid: bool = True) -> Json:
        """The customer finishes an open Checkout Session, as Stripe would record it.

        ``payment`` mode: a payment_intent and its charge, both succeeded when ``paid``,
        ``processing``/``pending`` (``payment_status`` ``unpaid``, as with a bank debit) when not; a
        session whose total is 0 needs no payment (``no_payment_required``, no payment_intent).
        ``subscription`` mode: a customer if the session had none, the subscription
        (``active``/``trialing``, ``incomplete`` when not paid) and its first invoice.
        Returns the session."""
        with self._lock:
            session = self._find("checkout.session", session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}, not open")
            extra = self._sessions[session_id]
            now = _now()
            customer_id = session["customer"]
            email = session["customer_email"]
            if customer_id is None and (
                session["mode"] == "subscription" or session["customer_creation"] == "always"
            ):
                customer_id = self._new_customer({"email": email or "customer@example.com"})["id"]
            if customer_id and not email:
                email = self._store["customer"][customer_id]["email"]
            details = fixture("checkout.session")["customer_details"]
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
            return copy.deepcopy(session)

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
            return copy.deepcopy(session)

    def expire_checkout(self, session_id: str) -> Json:
        """An open session reaches its ``expires_at`` unpaid. Returns the session."""
        with self._lock:
            session = self._find("checkout.session", session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}, not open")
            session.update(status="expired", url=None)
            return copy.deepcopy(session)

    def event(
        self, type: str, obj: Mapping[str, Any], *, previous_attributes: Json | None = None
    ) -> Json:
        """A Stripe Event about ``obj`` (a dict, or a StripeObject from the SDK), shaped like
        Stripe's webhook payloads; ``json.dumps`` it for the body and sign it with
        :func:`sign_webhook`. Also retrievable at ``GET /v1/events/{id}``."""
        if hasattr(obj, "to_dict"):
            obj = obj.to_dict()
        data: Json = {"object": copy.deepcopy(dict(obj))}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(previous_attributes)
        event = fixture("event")
        event.update(
            id=new_id("evt"),
            api_version=stripe.api_version,
            created=_now(),
            data=data,
            livemode=False,
            pending_webhooks=1,
            request={"id": None, "idempotency_key": None},
            type=type,
        )
        with self._lock:
            self._store["event"][event["id"]] = event
            return copy.deepcopy(event)

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
            status, payload, replayed = self._answer(
                method, path, params, idempotency_key, api_key, request_id, response_headers
            )
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
                return saved.status, copy.deepcopy(saved.body), True
            handler, kwargs = self._route(method, path)
            result = handler(params, **kwargs)
            result = self._expand(result, _list(params.get("expand"), "expand"))
            if method == "POST" and saved_key is not None:
                self._saved[saved_key] = _Saved(
                    method, path, fingerprint, 200, copy.deepcopy(result), request_id
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
            ("GET", "/v1/invoices/{id}", retrieve("invoice")),
            ("GET", "/v1/subscriptions/{id}", retrieve("subscription")),
            ("DELETE", "/v1/subscriptions/{id}", self._cancel_subscription),
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
        return copy.deepcopy(self._find(resource, obj_id))

    def _save(self, obj: Json) -> Json:
        self._store[obj["object"]][obj["id"]] = obj
        return copy.deepcopy(obj)

    # -- customers, products, prices, coupons, promotion codes

    def _new_customer(self, params: Json) -> Json:
        customer = fixture("customer")
        customer.update(
            id=new_id("cus", 14),
            address=None,
            created=_now(),
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
        return self._save(customer)

    def _create_customer(self, params: Json) -> Json:
        return self._new_customer(params)

    def _new_product(self, params: Json, *, prefix: str = "") -> Json:
        product = fixture("product")
        now = _now()
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
            created=_now(),
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
            created=_now(),
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
            created=_now(),
            customer=_str(params, "customer"),
            expires_at=_int(params.get("expires_at"), "expires_at"),
            max_redemptions=_int(params.get("max_redemptions"), "max_redemptions", minimum=1),
            metadata=_metadata(params.get("metadata")),
            promotion={"coupon": coupon_id, "type": "coupon"},
            times_redeemed=0,
        )
        return self._save(promo)

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
        return {"price": copy.deepcopy(price), "quantity": quantity}

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
        now = _now()
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
        extra = {
            "lines": lines,
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
        return copy.deepcopy(session)

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
                    "price": copy.deepcopy(price),
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
        self._save(charge)
        self._save(intent)
        session.update(payment_intent=intent_id, payment_status="paid" if paid else "unpaid")

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

    # -- refunds, subscriptions, billing portal

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
            created=_now(),
            currency=charge["currency"],
            metadata=_metadata(params.get("metadata")),
            payment_intent=charge["payment_intent"],
            reason=reason,
            status="succeeded",
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        return self._save(refund)

    def _cancel_subscription(self, params: Json, obj_id: str) -> Json:
        subscription = self._find("subscription", obj_id)
        if subscription["status"] == "canceled":
            # Stripe treats a cancelled subscription as deleted for a second cancel.
            raise _no_such("subscription", obj_id)
        details = params.get("cancellation_details") or {}
        now = _now()
        subscription.update(
            status="canceled",
            canceled_at=now,
            ended_at=now,
            cancel_at=None,
            cancel_at_period_end=False,
            cancellation_details={
                "comment": details.get("comment") or None,
                "feedback": details.get("feedback") or None,
                "reason": "cancellation_requested",
            },
        )
        return copy.deepcopy(subscription)

    def _create_portal_session(self, params: Json) -> Json:
        customer = _str(params, "customer", required=True)
        self._find("customer", customer, status=400, param="customer")
        portal = fixture("billing_portal.session")
        portal.update(
            id=new_id("bps"),
            configuration=_str(params, "configuration") or self._portal_configuration,
            created=_now(),
            customer=customer,
            flow=None,
            livemode=False,
            locale=_str(params, "locale"),
            on_behalf_of=None,
            return_url=_str(params, "return_url"),
            url=PORTAL_URL.format(token=secrets.token_urlsafe(24)),
        )
        return self._save(portal)


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
