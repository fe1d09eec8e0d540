"""Account pages and the error page. Search and protected media follow the curriculum
access policy, so cohorts serves them (cohorts/site_views.py)."""

from __future__ import annotations

import sys

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_http_methods

from lms import selectors, services
from lms.dropped_connection import DATABASE_ERRORS, unavailable_response
from lms.errors import DomainError
from lms.timeutils import timezone_names


class SignupForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only. Others see it, so choose one you like."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _timezone_choices():
    return [("", _("Use my browser's timezone"))] + [(n, n) for n in sorted(timezone_names())]


class PreferencesForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    timezone = forms.ChoiceField(label=_("Timezone"), required=False, choices=_timezone_choices)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=lambda: [("", _("Use my browser's language")), *settings.LANGUAGES],
    )


def _apply_domain_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("cohorts:my_cohorts")
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_signup(**form.cleaned_data)
            except DomainError as exc:
                _apply_domain_error(form, exc)
            else:
                # The same answer whether the address was new or had an account.
                return redirect("signup_sent")
        status = 400
    return render(request, "lms/signup.html", {"form": form}, status=status)


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "lms/signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    if request.method == "POST":
        services.user_activate(uidb64=uidb64, token=token)
        messages.success(request, _("Your account is active. Log in to start."))
        return redirect("login")
    return render(request, "lms/signup_activate.html")


@login_required
@require_http_methods(["GET"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    tokens = selectors.api_tokens_of(user=request.user)
    return render(request, "lms/api_tokens.html", {"tokens": tokens})


@login_required
@require_http_methods(["POST"])
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.api_token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("api_tokens")


@login_required
@require_http_methods(["POST"])
def api_tokens_revoke_all(request: HttpRequest) -> HttpResponse:
    services.api_tokens_revoke_all(user=request.user)
    messages.success(request, _("All your API tokens are revoked."))
    return redirect("api_tokens")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "display_name": user.display_name,
        "timezone": user.timezone,
        "language": user.language,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_update_preferences(user=user, **form.cleaned_data)
            except DomainError as exc:
                _apply_domain_error(form, exc)
            else:
                messages.success(request, _("Your preferences are saved."))
                return redirect("preferences")
        status = 400
    return render(request, "lms/preferences.html", {"form": form}, status=status)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 view, plus the CSP nonce for the page's one inline style (the page
    stays standalone: no context processors, no database). A database connection lost
    outside a view (in a middleware) is a 503, as in lms.dropped_connection."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        return unavailable_response(request, exc)
    template = loader.get_template("500.html")
    return HttpResponseServerError(
        template.render({"csp_nonce": getattr(request, "csp_nonce", "")})
    )
