"""What a web request does when the database drops its connection while it runs (a
failover, a restart, a killed backend): reads are tried once more on a new connection,
anything else is answered 503 with Retry-After, saying whether something was saved.

Covered: the view (a template rendered lazily after it included), and loading the
session and the signed-in user before it (retried whatever the method: nothing has been
written yet). A database error in other middleware (Wagtail's redirect lookup after a
404, a new session saved after the view) reaches the 500 handler, which answers with
the same 503, without a retry (``lms.views.server_error``). Which of the two 503s is
sent depends on whether a write of this request had committed before the failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack

from asgiref.sync import async_to_sync, iscoroutinefunction
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from lms.middleware import domain_error_page

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Request attributes: the view was called a second time; something was committed.
_RETRIED = "_lms_database_retried"
_COMMITTED = "_lms_database_committed"
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE", "CREATE", "ALTER", "DROP")


class DroppedConnectionMiddleware:
    """Placed after AuthenticationMiddleware: it loads the user itself, so that a
    connection lost there is retried too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        watch = _CommitWatch(request)
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(watch))
            refusal = self._load_user(request)
            if refusal is not None:
                return refusal
            return self.get_response(request)

    def _load_user(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None:
            return None
        try:
            # The lazy user loads the session and the user; after a failure it loads
            # them again when next asked (nothing of a failed load is cached).
            bool(user.is_authenticated)
        except DATABASE_ERRORS as exc:
            _log(request, exc, "retrying once on a new connection")
            _reset_connections()
            try:
                bool(user.is_authenticated)
            except DATABASE_ERRORS as again:
                return unavailable_response(request, again)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        if request.method not in SAFE_METHODS or getattr(request, _RETRIED, False):
            return unavailable_response(request, exception)
        setattr(request, _RETRIED, True)
        _log(request, exception, "retrying once on a new connection")
        _reset_connections()
        match = request.resolver_match
        view = _as_handler_calls_it(match.func)
        try:
            response = view(request, *match.args, **match.kwargs)
            # Rendered here, so that a failure while rendering is answered here too
            # (no middleware of this project has process_template_response).
            if callable(getattr(response, "render", None)):
                response = response.render()
        except DATABASE_ERRORS as again:
            return unavailable_response(request, again)
        except Exception as other:
            # The second try met another error: a DomainError gets its page, the rest
            # (Http404, PermissionDenied, ...) Django's own answer.
            page = domain_error_page(request, other)
            if page is None:
                raise
            return page
        return response


def _as_handler_calls_it(view):
    """The view wrapped as Django's handler wraps it (BaseHandler.make_view_atomic):
    in a transaction per database with ATOMIC_REQUESTS, and run in a thread if async."""
    non_atomic = getattr(view, "_non_atomic_requests", set())
    for alias, settings_dict in connections.settings.items():
        if settings_dict["ATOMIC_REQUESTS"] and alias not in non_atomic:
            view = transaction.atomic(using=alias)(view)
    if iscoroutinefunction(view):
        view = async_to_sync(view)
    return view


def _reset_connections() -> None:
    """Drops the connections that broke, so the next query opens a new one. One inside
    a transaction that encloses the whole request (a test's) is not this request's to
    close."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


class _CommitWatch:
    """An execute wrapper that marks the request once a write has been committed: at
    once in autocommit, else when the outermost transaction commits (a write in a
    savepoint that is rolled back never marks it)."""

    def __init__(self, request: HttpRequest):
        self.request = request

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip()[:8].upper().startswith(_WRITES):
            connection = context["connection"]
            if connection.in_atomic_block:
                transaction.on_commit(self.committed, using=connection.alias)
            else:
                self.committed()
        return result

    def committed(self) -> None:
        setattr(self.request, _COMMITTED, True)


def _log(request: HttpRequest, exc: BaseException, outcome: str) -> None:
    # The path without its query string, and the error's class: no personal data.
    logger.warning(
        "Database connection lost during %s %s (%s): %s",
        request.method,
        request.path,
        type(exc).__name__,
        outcome,
    )


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with Retry-After: JSON in the API's error shape under /api/, else a page that
    needs no database (no context processors: one of them queries)."""
    saved = getattr(request, _COMMITTED, False)
    _log(request, exc, "answered 503, something was saved" if saved else "answered 503")
    if saved:
        code = "database_unavailable_after_write"
        message = _(
            "The service had a brief problem while saving what you sent, and part of it "
            "may have been saved. In a few seconds, check what is there now before you "
            "send it again."
        )
    else:
        code = "database_unavailable"
        message = _(
            "The service had a brief problem, and nothing was saved. Please try again in "
            "a few seconds."
        )
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "code": code}, status=503)
    else:
        context = {
            "message": message,
            "retry_url": request.get_full_path() if request.method in SAFE_METHODS else "",
        }
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(settings.LMS_DB_RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response
