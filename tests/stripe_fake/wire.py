"""The wire format shared by the fake's modules: Stripe's example objects, ids, form params,
Stripe-shaped errors and the checks Stripe makes on parameters."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import pickle
import random
import re
import secrets
import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

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


@functools.cache
def _fixture_text(resource: str, path: tuple[str | int, ...]) -> str:
    node: Any = _fixtures()[resource]
    for key in path:
        node = node[key]
    return json.dumps(node)


def fixture(resource: str, *path: str | int) -> Json:
    """A fresh copy of Stripe's example object for ``resource`` (e.g. ``"checkout.session"``),
    or of one part of it: ``fixture("subscription", "items", "data", 0)``."""
    return json.loads(_fixture_text(resource, path))


def clone(obj: Any) -> Any:
    """A deep copy of the fake's own JSON-shaped data, several times faster than
    ``copy.deepcopy`` (it matters when a test seeds thousands of subscriptions)."""
    return pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))  # noqa: S301 (own data)


# Ids need no secrecy, only uniqueness; a generator of our own is not reseeded by tests.
_IDS = random.Random(secrets.randbits(128))


def new_id(prefix: str, length: int = 24) -> str:
    """An id shaped like Stripe's: ``cus_…``, ``pi_…``, ``cs_test_…``."""
    return f"{prefix}_{''.join(_IDS.choices(_ALNUM, k=length))}"


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


def _day(ts: int) -> str:
    """A date as Stripe writes it in line descriptions: ``15 Mar 2026``."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%d %b %Y")


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
        decline_code: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code

    def body(self, request_id: str) -> Json:
        error: Json = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.decline_code:
            error["decline_code"] = self.decline_code
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


def _declined() -> StripeApiError:
    return StripeApiError(
        402,
        "Your card was declined.",
        type="card_error",
        code="card_declined",
        decline_code="generic_decline",
    )


def _no_payment_method(customer_id: str) -> StripeApiError:
    return StripeApiError(
        400,
        f"This customer has no attached payment source or default payment method. Please "
        f"consider adding a default payment method. (customer: {customer_id})",
    )


def _int(
    value: Any, param: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
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
    if maximum is not None and number > maximum:
        raise StripeApiError(
            400,
            f"This value must be less than or equal to {maximum}.",
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


def _choice(
    params: Json,
    name: str,
    choices: tuple[str, ...],
    *,
    default: str | None = None,
    prefix: str = "",
):
    value = _str(params, name, prefix=prefix) or default
    if value is not None and value not in choices:
        raise StripeApiError(
            400,
            f"Invalid {_p(prefix, name)}: must be one of {', '.join(choices)}",
            param=_p(prefix, name),
        )
    return value


def _dict(value: Any, param: str) -> Json:
    """A nested object param (``pause_collection[behavior]=...``); absent is ``{}``."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise StripeApiError(400, "Invalid object", param=param)
    return value


def _checked_metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    """Stripe's metadata rules: at most 50 keys, keys up to 40 characters, values up to 500
    (an empty value means "remove this key")."""
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
        result[key] = item
    return result


def _metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    """Metadata given on create: :func:`_checked_metadata` without the empty values."""
    return {k: v for k, v in _checked_metadata(value, param).items() if v != ""}


def _merged_metadata(current: dict[str, str], value: Any, param: str = "metadata") -> dict:
    """Metadata given on update, as Stripe merges it: given keys are set, a key given an empty
    value is removed, and ``metadata=""`` removes them all."""
    if value == "":
        return {}
    merged = dict(current)
    for key, item in _checked_metadata(value, param).items():
        if item == "":
            merged.pop(key, None)
        else:
            merged[key] = item
    return merged


def _list(value: Any, param: str) -> list[Any]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise StripeApiError(400, "Invalid array", param=param)
    return value
