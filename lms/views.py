"""Account pages, search and protected media."""

from __future__ import annotations

import mimetypes
import posixpath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from wagtail.images import get_image_model
from wagtail.images.models import Rendition

from lms import services
from lms.errors import DomainError
from lms.middleware import allows_control_characters_in_query
from lms.textcheck import CONTROL_CHARACTER
from lms.timeutils import timezone_names


class SignupForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
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


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


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
                user = services.user_create(**form.cleaned_data)
            except DomainError as exc:
                _apply_domain_error(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome! Your account is ready."))
                return redirect(_safe_next(request))
        status = 400
    return render(request, "lms/signup.html", {"form": form}, status=status)


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


@allows_control_characters_in_query
def search(request: HttpRequest) -> HttpResponse:
    """Answers any text: what is not a word is left out of the search (see
    ``search_curriculum``) and control characters out of the echoed query."""
    from cohorts.selectors import search_curriculum

    query = CONTROL_CHARACTER.sub("", request.GET.get("q", ""))[:200]
    hits = search_curriculum(user=request.user, query=query)
    return render(request, "lms/search.html", {"query": query, "hits": hits})


def protected_media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve an uploaded image only to those who may read a page that shows it.

    Documents are served by Wagtail's own view (with the same check in a hook), so
    their files are never handed out from here.
    """
    from cohorts.selectors import media_readable

    path = posixpath.normpath(path).lstrip("/")
    if path.startswith(".."):
        raise Http404
    image, stored = None, None
    if path.startswith("original_images/"):
        image = get_image_model().objects.filter(file=path).first()
        stored = image.file if image else None
    elif path.startswith("images/"):
        rendition = Rendition.objects.filter(file=path).select_related("image").first()
        image, stored = (rendition.image, rendition.file) if rendition else (None, None)
    if image is None:
        raise Http404
    if not media_readable(user=request.user, obj=image):
        if request.user.is_authenticated:
            raise PermissionDenied
        raise Http404
    content_type, _encoding = mimetypes.guess_type(path)
    response = FileResponse(stored.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
