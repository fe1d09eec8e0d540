"""Sign-in lockout (django-axes): the client address, the per-address limit and the
answer a locked-out person gets.

A username is locked from one address after LMS_LOGIN_FAILURE_LIMIT wrong passwords,
so someone guessing from elsewhere cannot lock a colleague out of their own desk; an
address is locked for every username after LMS_LOGIN_ADDRESS_FAILURE_LIMIT, which stops
one address from trying a few passwords on each of many accounts.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms import services


def client_address(request: HttpRequest) -> str | None:
    """The client's address, as DRF's throttles find it: with N trusted proxies in
    front (LMS_TRUSTED_PROXY_COUNT), the N-th address from the right of
    X-Forwarded-For; otherwise REMOTE_ADDR, as a client can write X-Forwarded-For."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.LMS_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]


class SignInAttemptHandler(AxesDatabaseHandler):
    """axes' database handler, with a second, higher limit per address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        address_limit = settings.LMS_LOGIN_ADDRESS_FAILURE_LIMIT
        if failures >= limit or address_limit <= 0:
            return failures
        from_address = (
            AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address,
                attempt_time__gte=get_cool_off_threshold(request),
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        return limit if from_address >= address_limit else failures


def lockout_message() -> str:
    minutes = settings.LMS_LOGIN_LOCKOUT_MINUTES
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)s minute or reset your password.",
        "Too many failed sign-in attempts. Try again in %(minutes)s minutes or reset "
        "your password.",
        minutes,
    ) % {"minutes": minutes}


def retry_after_seconds() -> int:
    return settings.LMS_LOGIN_LOCKOUT_MINUTES * 60


def locked_out_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """429 for a locked-out sign-in: the API's error shape under /api/, else the sign-in
    page again with the reason and the way out (reset the password)."""
    if request.path.startswith("/api/"):
        if original_response is not None and original_response.status_code == 429:
            return original_response  # the API view answered already, in its shape
        response = JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    else:
        from django.contrib.auth.forms import AuthenticationForm

        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": username})
        response = render(
            request,
            "registration/login.html",
            {
                "form": form,
                "lockout_message": lockout_message(),
                "next": request.POST.get("next", request.GET.get("next", "")),
            },
            status=429,
        )
    response["Retry-After"] = str(retry_after_seconds())
    return response


class ApiTokensEndWithThePassword:
    """Listed in AUTH_PASSWORD_VALIDATORS for the ``password_changed`` hook, which Django
    calls whenever a new password is saved: on the change and reset pages, in the
    Wagtail admin and by ``manage.py changepassword`` alike. A token taken with the old
    password stops working with it. It refuses no password."""

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None:
            services.api_tokens_revoke_all(user=user)

    def get_help_text(self) -> str:
        return _("A new password ends every API token made with the old one.")
