"""What the community's views share: where to go after a POST."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, default: str) -> str:
    """The page the form came from (a local path only), else ``default``."""
    target = request.POST.get("next", "") or request.GET.get("next", "")
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return default


def thread_url(thread_id: int, post_id: int | None = None) -> str:
    url = reverse("community:thread", args=[thread_id])
    return f"{url}#post-{post_id}" if post_id else url
