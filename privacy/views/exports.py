"""The member's and staff's pages for exports: the member asks for a copy of their
data and downloads it (they alone, while signed in, until the link expires); staff
find a member, ask for an export on their behalf and follow every request."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assignments.downloads import file_response
from lms.errors import Conflict, DomainError, NotFound
from privacy.models.exports import ExportRequest
from privacy.services import exports as services
from privacy.views.staff import privacy_staff_required


def panel(request: HttpRequest) -> dict | None:
    """The context of the exports section of the member's privacy page; None: not shown."""
    if not request.user.is_authenticated:
        return None
    now = timezone.now()
    latest = services.exports_of(user=request.user).first()
    return {
        "latest": latest,
        "open": latest is not None and latest.is_open,
        "downloadable": latest is not None and latest.downloadable(now),
        "expired": latest is not None and latest.expired(now),
        "link_days": services.export_link_days(),
    }


@login_required
@require_POST
def export_request(request: HttpRequest) -> HttpResponse:
    """The member's "Prepare my data" button."""
    try:
        services.export_request(user=request.user, by=request.user)
    except Conflict as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request, _("We are preparing your data. We email you a link as soon as it is ready.")
        )
    return redirect("privacy:home")


@login_required
@require_http_methods(["GET", "HEAD"])
def export_download(request: HttpRequest, public_id) -> HttpResponse:
    """The zip, for the member whose data it is; anyone else gets 404 (staff too: they
    see the request's status, never its content). Past its life: 410 with a way on."""
    try:
        export = services.export_for_download(user=request.user, public_id=public_id)
    except services.ExportExpired:
        return render(request, "privacy/export_expired.html", status=410)
    except NotFound:
        raise Http404 from None
    filename = f"my-data-{timezone.localdate(export.finished_at).isoformat()}.zip"
    response = file_response(export.file, filename)
    response["Content-Type"] = "application/zip"
    return response


# --- staff ----------------------------------------------------------------------------


class MemberForm(forms.Form):
    member = forms.CharField(
        label=gettext_lazy("Member's email address or username"), max_length=254
    )

    def clean_member(self):
        text = self.cleaned_data["member"].strip()
        found = list(get_user_model().objects.filter(Q(username=text) | Q(email__iexact=text))[:2])
        if len(found) != 1:
            raise forms.ValidationError(
                _("No member has that email address or username.")
                if not found
                else _("More than one member matches; use the username.")
            )
        return found[0]


@privacy_staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_exports(request: HttpRequest) -> HttpResponse:
    """Find a member and prepare their data for them; every request with its status,
    rows per kind, who asked and when. Staff never download it: it goes to the member."""
    form = MemberForm(request.POST if request.POST.get("action") == "request" else None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "retry":
                export = ExportRequest.objects.filter(pk=request.POST.get("export")).first()
                if export is None:
                    raise Http404
                services.export_retry(request=export, by=request.user)
                messages.success(request, _("The export is being prepared again."))
                return redirect("privacy:staff_exports")
            if form.is_valid():
                member = form.cleaned_data["member"]
                services.export_request(user=member, by=request.user)
                messages.success(
                    request,
                    _("The data of %(member)s is being prepared; they get the link by email.")
                    % {"member": member.get_display_name()},
                )
                return redirect("privacy:staff_exports")
            status = 400
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status_code
    return render(
        request,
        "privacy/staff_exports.html",
        {"form": form, "rows": services.exports_recent(limit=100), "limit": 100},
        status=status,
    )


# Routes under /privacy/ (privacy.urls adds them).
urlpatterns: list = [
    path("exports/", export_request, name="export_request"),
    path("exports/<uuid:public_id>/download/", export_download, name="export_download"),
    path("staff/exports/", staff_exports, name="staff_exports"),
]
