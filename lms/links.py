"""Absolute links: the one place that turns a path into a full URL.

With a request, links follow the host and scheme the visitor used (a page opened as
https://lms.example.org:8443/ links there). Without one (emails sent by tasks, Open
Badges documents) they use LMS_BASE_URL, which defaults to the HOST and PORT the
development server runs on.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def base_url(request: HttpRequest | None = None) -> str:
    """Scheme and host, without a trailing slash."""
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return settings.LMS_BASE_URL.rstrip("/")


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """``path`` (starting with "/") as a full URL; a URL that is already absolute is
    returned unchanged."""
    if not path.startswith("/") or path.startswith("//"):
        return path
    return base_url(request) + path


def local_next(request: HttpRequest, default: str) -> str:
    """Where a form sends the person back to: its ``next`` (a path on this site only,
    never another host), else ``default``."""
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return default
