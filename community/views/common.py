"""What the community's views share: running a form, where to go after a POST."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse

from community.forms import add_error
from lms.errors import DomainError
from lms.links import local_next


def next_url(request: HttpRequest, default: str) -> str:
    return local_next(request, default)


@dataclass
class FormRun:
    done: bool  # the action ran: the view redirects
    status: int = 200  # otherwise the status to show the form with
    result: Any = None  # what the action returned


def run_form(request: HttpRequest, form: forms.Form, action: Callable[[dict], Any]) -> FormRun:
    """A form page's POST: with valid input, ``action(cleaned_data)`` (one service
    call). Not done: 200 for a GET, 400 for invalid input, or the service's own 4xx
    with its message at the field it names (nothing was written)."""
    if request.method != "POST":
        return FormRun(done=False)
    if not form.is_valid():
        return FormRun(done=False, status=400)
    try:
        return FormRun(done=True, result=action(form.cleaned_data))
    except DomainError as exc:
        add_error(form, exc)
        return FormRun(done=False, status=exc.status_code)


def thread_url(thread_id: int, post_id: int | None = None) -> str:
    url = reverse("community:thread", args=[thread_id])
    return f"{url}#post-{post_id}" if post_id else url
