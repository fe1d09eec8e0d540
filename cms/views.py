"""A member's interests page (``cms:interests``): the topics they follow."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cms import selectors, services
from cms.forms import InterestsForm


@login_required
@require_http_methods(["GET", "POST"])
def interests(request: HttpRequest) -> HttpResponse:
    """Only ever the signed-in member's own interests. A page that embeds the form
    (the member portal) sends ``next`` to come back to itself."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        form = InterestsForm(request.POST)
        if form.is_valid():
            services.interests_set(request.user, form.cleaned_data["topics"])
            messages.success(request, _("Your interests are saved."))
            return redirect(next_url or "cms:interests")
        status = 400
    else:
        form = InterestsForm(initial={"topics": selectors.interests_of(request.user)})
        status = 200
    return render(request, "cms/interests.html", {"form": form, "next": next_url}, status=status)
