"""What the community's views share: running a form, where to go after a POST."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse

from community.forms import FIELD_ALIASES
from lms.forms import FormRun
from lms.forms import run_form as lms_run_form
from lms.links import local_next


def next_url(request: HttpRequest, default: str) -> str:
    return local_next(request, default)


def run_form(request: HttpRequest, form: forms.Form, action: Callable[[dict], Any]) -> FormRun:
    """lms.forms.run_form with the community forms' field names."""
    return lms_run_form(request, form, action, aliases=FIELD_ALIASES)


def thread_url(thread_id: int, post_id: int | None = None) -> str:
    url = reverse("community:thread", args=[thread_id])
    return f"{url}#post-{post_id}" if post_id else url
