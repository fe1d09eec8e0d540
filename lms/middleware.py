"""Per-request language and timezone from the user's profile, else from the browser."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

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
