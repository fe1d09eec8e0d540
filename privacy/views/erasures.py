"""The member's and staff's pages for erasures: ask to be erased (with the
consequences in plain words), see when it runs, cancel it; staff see every request with
its audit trail, retry a failed one and ask on a member's behalf. Staff cannot run one
early: the cool-off protects the member."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lms.errors import DomainError
from lms.models import User
from privacy.models import ErasureRequest, ErasureStatus
from privacy.services import erasures as services
from privacy.views.staff import privacy_staff_required


class ErasureForm(forms.Form):
    understood = forms.BooleanField(
        label=gettext_lazy("I understand that this cannot be undone once it has run."),
        required=True,
    )
    username = forms.CharField(
        label=gettext_lazy("Type your username to confirm"), max_length=150, required=True
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        if value != self.user.username:
            raise forms.ValidationError(_("That is not your username."))
        return value


class OnBehalfForm(forms.Form):
    member = forms.CharField(
        label=gettext_lazy("Member's username or email address"), max_length=254
    )


def panel(request: HttpRequest, form: ErasureForm | None = None) -> dict | None:
    """The context of the erasures section of the member's privacy page; None: not shown."""
    user = request.user
    if not user.is_authenticated or user.erased_at is not None:
        return None
    return {
        "request": services.open_erasure_get(user=user),
        "refusal": services.erasure_refusal(user),
        "cool_off_days": services.cool_off_days(),
        "form": form or ErasureForm(user=user),
    }


@login_required
@require_POST
def erasure_request(request: HttpRequest) -> HttpResponse:
    form = ErasureForm(request.POST, user=request.user)
    status = 400
    if form.is_valid():
        try:
            asked = services.erasure_request(user=request.user, by=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status_code
        else:
            messages.success(
                request,
                _("We will erase your account on %(date)s. Until then you can cancel it here.")
                % {"date": _date(asked.runs_after)},
            )
            return redirect("privacy:home")
    from privacy.views import exports

    context = {"export": exports.panel(request), "erasure": panel(request, form)}
    return render(request, "privacy/home.html", context, status=status)


@login_required
@require_POST
def erasure_cancel(request: HttpRequest) -> HttpResponse:
    try:
        services.erasure_cancel(user=request.user, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your erasure is cancelled. Nothing was erased."))
    return redirect("privacy:home")


def _date(moment) -> str:
    from django.utils import timezone
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@privacy_staff_required
@require_GET
def staff_erasures(request: HttpRequest) -> HttpResponse:
    requests = (
        ErasureRequest.objects.select_related("user", "requested_by")
        .prefetch_related("events__actor")
        .order_by("-created_at", "-pk")[:200]
    )
    return render(
        request,
        "privacy/staff_erasures.html",
        {"requests": requests, "form": OnBehalfForm(), "failed": ErasureStatus.FAILED},
    )


@privacy_staff_required
@require_POST
def staff_erasure_retry(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.erasure_retry(request_id=request_id, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The erasure runs again in a moment."))
    return redirect("privacy:staff_erasures")


@privacy_staff_required
@require_POST
def staff_erasure_for(request: HttpRequest) -> HttpResponse:
    form = OnBehalfForm(request.POST)
    if form.is_valid():
        value = form.cleaned_data["member"].strip()
        member = (
            User.objects.filter(username=value).first()
            or User.objects.filter(email__iexact=value).first()
        )
        if member is None:
            messages.error(request, _("There is no member with that username or address."))
        else:
            try:
                asked = services.erasure_request(user=member, by=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("The member's erasure runs on %(date)s; they were emailed how to cancel it.")
                    % {"date": _date(asked.runs_after)},
                )
    return redirect("privacy:staff_erasures")


# Routes under /privacy/ (privacy.urls adds them).
urlpatterns: list = [
    path("erasure/", erasure_request, name="erasure_request"),
    path("erasure/cancel/", erasure_cancel, name="erasure_cancel"),
    path("staff/erasures/", staff_erasures, name="staff_erasures"),
    path("staff/erasures/for/", staff_erasure_for, name="staff_erasure_for"),
    path("staff/erasures/<int:request_id>/retry/", staff_erasure_retry, name="staff_erasure_retry"),
]
