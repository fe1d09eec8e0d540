"""What every app's form pages share: running a form's POST through one service call,
with the service's refusal shown at the field it names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest

from lms.errors import DomainError


def add_domain_error(
    form: forms.Form, exc: DomainError, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's refusal at the field it names (``aliases`` maps a service's field
    name to the form's), else above the form."""
    field = (aliases or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


@dataclass
class FormRun:
    done: bool  # the action ran: the view redirects
    status: int = 200  # otherwise the status to show the form with
    result: Any = None  # what the action returned


def run_form(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict], Any],
    *,
    aliases: Mapping[str, str] | None = None,
) -> FormRun:
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
        add_domain_error(form, exc, aliases)
        return FormRun(done=False, status=exc.status_code)
