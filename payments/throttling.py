"""Slowing down coupon guessing: codes that did not work are counted per user and per
client address in Django's cache; past the limit, every code is refused for the rest
of the hour (a valid one too, or guessing would go on), with 429 and Retry-After.
Codes that work are not counted, so a class enrolling from one office address with the
right code gets through.

One counter serves the API (DRF throttle classes, ``CouponThrottleMixin``) and the HTML
enrol form (``coupon_attempt``). The address is DRF's ``get_ident``: REMOTE_ADDR, or
X-Forwarded-For behind ``REST_FRAMEWORK["NUM_PROXIES"]`` proxies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

from lms.errors import DomainError, TooManyAttempts


class TooManyCodes(TooManyAttempts):
    """Shown at the code's field of the enrol form, with Retry-After."""

    default_code = "too_many_codes"

    def __init__(self, wait: int):
        minutes = max(1, math.ceil(wait / 60))
        super().__init__(
            ngettext(
                "Too many codes tried; try again in %(n)s minute.",
                "Too many codes tried; try again in %(n)s minutes.",
                minutes,
            )
            % {"n": minutes},
            retry_after=wait,
        )
        self.field = "coupon"
        self.wait = wait


def _limits() -> dict[str, int]:
    return {
        "user": settings.LMS_COUPON_FAILURES_PER_USER,
        "address": settings.LMS_COUPON_FAILURES_PER_ADDRESS,
    }


def _keys(scope: str, ident: str) -> tuple[str, str]:
    return f"coupon-failures:{scope}:{ident}", f"coupon-failures-since:{scope}:{ident}"


def client_address(request) -> str:
    """The client's address as DRF's throttles see it (NUM_PROXIES aware); works on a
    Django request too."""
    return BaseThrottle().get_ident(request)


def _idents(user, address: str) -> dict[str, str]:
    idents = {"address": address}
    if user is not None and getattr(user, "is_authenticated", False):
        idents["user"] = str(user.pk)
    return idents


def wait_for(scope: str, ident: str, now: float | None = None) -> int:
    """Seconds until codes may be tried again under this scope; 0 when they may now."""
    count_key, since_key = _keys(scope, ident)
    failures = cache.get(count_key, 0)
    if failures < _limits()[scope]:
        return 0
    since = cache.get(since_key)
    window = settings.LMS_COUPON_FAILURE_WINDOW
    now = time.time() if now is None else now
    return max(1, math.ceil((since or now) + window - now))


def coupon_attempts_wait(*, user, address: str) -> int:
    return max((wait_for(scope, ident) for scope, ident in _idents(user, address).items()))


def coupon_failure_record(*, user, address: str) -> None:
    """One more code that did not work, counted for an hour from the first one."""
    window = settings.LMS_COUPON_FAILURE_WINDOW
    for scope, ident in _idents(user, address).items():
        count_key, since_key = _keys(scope, ident)
        cache.add(since_key, time.time(), window)
        if cache.add(count_key, 1, window):
            continue
        try:
            cache.incr(count_key)
        except ValueError:  # expired between the two calls
            cache.add(count_key, 1, window)


def is_coupon_failure(error: Exception) -> bool:
    return isinstance(error, DomainError) and error.code.startswith("coupon_")


@contextmanager
def coupon_attempt(*, request, code: str) -> Iterator[None]:
    """Around a request that checks a code typed in an HTML form: refused up front past
    the limit (TooManyCodes, shown at the field), counted when the code did not work."""
    if not (code or "").strip():
        yield
        return
    address = client_address(request)
    wait = coupon_attempts_wait(user=request.user, address=address)
    if wait:
        raise TooManyCodes(wait)
    try:
        yield
    except DomainError as error:
        if is_coupon_failure(error):
            coupon_failure_record(user=request.user, address=address)
        raise


# --- DRF ---------------------------------------------------------------------------------


def _code_in(request) -> str:
    code = request.query_params.get("coupon", "")
    if not code and request.method not in ("GET", "HEAD", "OPTIONS"):
        data = request.data
        code = data.get("coupon", "") if hasattr(data, "get") else ""
    return code if isinstance(code, str) else ""


class _CouponFailureThrottle(BaseThrottle):
    scope = ""

    def allow_request(self, request, view) -> bool:
        self._wait = 0
        if not _code_in(request).strip():
            return True
        ident = self._ident(request)
        if ident is None:
            return True
        self._wait = wait_for(self.scope, ident)
        return self._wait == 0

    def wait(self) -> int | None:
        return self._wait or None

    def _ident(self, request) -> str | None:
        raise NotImplementedError


class CouponFailureUserThrottle(_CouponFailureThrottle):
    """Codes that did not work, per signed-in user."""

    scope = "user"

    def _ident(self, request) -> str | None:
        user = request.user
        return str(user.pk) if user is not None and user.is_authenticated else None


class CouponFailureAddressThrottle(_CouponFailureThrottle):
    """Codes that did not work, per client address."""

    scope = "address"

    def _ident(self, request) -> str | None:
        return self.get_ident(request)


class CodesThrottled(exceptions.Throttled):
    default_code = "too_many_codes"

    def __init__(self, wait: float):
        super().__init__(wait=None, code=self.default_code)
        self.detail = exceptions.ErrorDetail(TooManyCodes(int(wait)).message, self.default_code)
        self.wait = math.ceil(wait)


CODE_THROTTLES = [CouponFailureUserThrottle, CouponFailureAddressThrottle]


def coupon_failure_count(*, request, error: Exception) -> None:
    """An API answer was ``error``: count it when it was a code that did not work."""
    if is_coupon_failure(error):
        coupon_failure_record(user=request.user, address=client_address(request))


class CouponThrottleMixin:
    """For API views that take a coupon code: the failure throttles, a 429 that says
    when to try again, and failed codes counted from the answer. (The enrol API, in
    cohorts, gets the same through the seat policy, payments.seats.)"""

    throttle_classes = CODE_THROTTLES

    def throttled(self, request, wait):
        raise CodesThrottled(wait or 60)

    def handle_exception(self, exc):
        coupon_failure_count(request=self.request, error=exc)
        return super().handle_exception(exc)
