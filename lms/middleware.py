"""Per-request language and timezone from the user's profile, else from the browser;
the Content-Security-Policy per area; the request size limit."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from zoneinfo import ZoneInfo

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.timeutils import is_valid_timezone

TIMEZONE_COOKIE = "lms_tz"


def viewer_timezone_name(request: HttpRequest, user=None) -> str:
    user = user if user is not None else getattr(request, "user", None)
    # A stored zone is checked too: one that tzdata dropped, or set outside the
    # services, must not turn every page into a server error.
    if user is not None and user.is_authenticated and is_valid_timezone(user.timezone):
        return user.timezone
    cookie = request.COOKIES.get(TIMEZONE_COOKIE, "")
    if cookie and is_valid_timezone(cookie):
        return cookie
    return settings.LMS_DEFAULT_VIEWER_TIMEZONE


def activate_user_preferences(request: HttpRequest, user) -> None:
    """Use the user's language (else the browser's, set by LocaleMiddleware) and
    timezone (else the browser-reported one) for the rest of the request."""
    if user.is_authenticated and user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
    tz_name = viewer_timezone_name(request, user)
    request.viewer_timezone = tz_name
    timezone.activate(ZoneInfo(tz_name))


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_user_preferences(request, request.user)
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        return response


class DomainErrorMiddleware:
    """Turns a service's DomainError into a page with the right 4xx status, so a view
    never has to catch it only to show the message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        return domain_error_page(request, exception)


def domain_error_page(request: HttpRequest, exception: Exception) -> HttpResponse | None:
    """The page for a DomainError (None for any other exception)."""
    from django.shortcuts import render

    from lms.errors import DomainError

    if not isinstance(exception, DomainError):
        return None
    return render(
        request,
        "lms/error.html",
        {"message": exception.message, "code": exception.code},
        status=exception.status_code,
    )


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the Wagtail admin's own policy under its prefix.

    The admin needs inline style attributes that the site does not; one policy per area
    keeps the site's strict. A view's own @csp decorators still win."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if (
            not report_only
            and parts.config is None
            and request.path_info.startswith(settings.LMS_ADMIN_CSP_PREFIX)
        ):
            parts.config = default_config(settings.LMS_ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
        return parts


def request_body_limit(path: str) -> int:
    """The largest request body this path accepts: the largest file it takes plus room
    for the rest of the form, else what any form or JSON body may be."""
    for pattern, file_settings in settings.LMS_UPLOAD_PATHS:
        if re.match(pattern, path):
            largest = max(int(getattr(settings, name)) for name in file_settings)
            return largest + settings.LMS_UPLOAD_FORM_OVERHEAD_BYTES
    return settings.LMS_REQUEST_MAX_BYTES


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    # Before LocaleMiddleware: the browser's language, as far as the request tells.
    with translation.override(translation.get_language_from_request(request)):
        message = _(
            "This request is too large: at most %(size)s can be sent here. Choose a "
            "smaller file, or compress it, and try again."
        ) % {"size": filesizeformat(limit)}
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "too_large"}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    """Refuses a body larger than its path accepts (413) before anything reads it.

    With a Content-Length the answer needs no reading at all. A body without one
    (chunked transfer) is read here in pieces into a spooled file, and refused as soon
    as it passes the limit; otherwise the request goes on with the spooled body and
    its now known length (Django parses no multipart body of unknown length)."""

    CHUNK = 64 * 1024

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = request_body_limit(request.path_info)
        raw_length = request.META.get("CONTENT_LENGTH")
        if raw_length:
            try:
                length = int(raw_length)
            except ValueError:
                return HttpResponseBadRequest(_("The Content-Length header is not a number."))
            if length > limit:
                return _too_large(request, limit)
        elif request.method in ("POST", "PUT", "PATCH"):
            # Under WSGI Django reads nothing of a body without a length; a server that
            # ends the input itself (gunicorn's chunked reader) says so. Under ASGI the
            # server hands the body over as the request's stream.
            if request.META.get("wsgi.input_terminated"):
                source = request.META["wsgi.input"]
            else:
                source = request
            # Closed with the response (below), so no context manager.
            spooled = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE
            )
            total = 0
            while chunk := source.read(self.CHUNK):
                total += len(chunk)
                if total > limit:
                    spooled.close()
                    return _too_large(request, limit)
                spooled.write(chunk)
            spooled.seek(0)
            request._stream = spooled
            request.META["CONTENT_LENGTH"] = str(total)
            response = self.get_response(request)
            response._resource_closers.append(spooled.close)
            return response
        return self.get_response(request)


def allows_control_characters_in_query(view):
    """Mark a view that cleans its own query string (site search answers any text)."""
    view.allows_control_characters_in_query = True
    return view


class ControlCharacterMiddleware:
    """Refuses (400, nothing written) a request whose query string or POSTed form
    fields carry a NUL byte or another C0 control character. File contents are not
    looked at; API bodies are checked by ``lms.parsers``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        from django.http.multipartparser import MultiPartParserError

        from lms.textcheck import first_control_character_field

        field = None
        if not getattr(view_func, "allows_control_characters_in_query", False):
            field = first_control_character_field(request.GET)
        if field is None and request.method == "POST":
            try:
                field = first_control_character_field(request.POST)
            except MultiPartParserError:
                return _refusal(
                    request, translation.gettext("The form could not be read; send it again.")
                )
        if field is None:
            return None
        return _refusal(
            request,
            translation.gettext(
                "“%(field)s” contains a control character (such as a NUL byte), which "
                "cannot be stored; remove it and send again."
            )
            % {"field": field},
        )


def _refusal(request: HttpRequest, message: str) -> HttpResponse:
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "invalid"}, status=400)
    return render(request, "lms/error.html", {"message": message}, status=400)
