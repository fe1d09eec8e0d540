"""The account hub and the personal details page. Thin: a selector to read, one service
call to write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lms import services
from lms.forms import run_form
from lms.links import absolute_url
from lms.profile import PROFILE_TEXT_FIELDS
from portal import selectors
from portal.forms import DetailsForm


@login_required
@require_GET
def hub(request: HttpRequest) -> HttpResponse:
    hub = selectors.hub_get(user=request.user)
    feed_url = (
        absolute_url(reverse("live:feed", args=[hub.feed_token]), request) if hub.feed_token else ""
    )
    return render(request, "portal/hub.html", {"hub": hub, "feed_url": feed_url})


@login_required
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {name: getattr(user, name) for name in PROFILE_TEXT_FIELDS}
    form = DetailsForm(
        request.POST or None, request.FILES or None, initial=initial, has_photo=bool(user.photo)
    )

    def save(data: dict) -> None:
        fields = {name: data[name] for name in PROFILE_TEXT_FIELDS}
        if data["photo"]:
            fields["photo"] = data["photo"]
        elif data.get("remove_photo"):
            fields["photo"] = None
        services.profile_update(user=user, by=user, **fields)

    run = run_form(request, form, save)
    if run.done:
        messages.success(request, _("Your details are saved."))
        return redirect("portal:hub")
    return render(request, "portal/details.html", {"form": form}, status=run.status)


@login_required
@require_GET
def photo(request: HttpRequest) -> HttpResponse:
    """The member's own photo; photos are not under a public address."""
    stored = request.user.photo
    if not stored:
        raise Http404
    try:
        response = FileResponse(stored.open("rb"))
    except FileNotFoundError:
        raise Http404 from None
    response["Cache-Control"] = "private, max-age=300"
    return response
