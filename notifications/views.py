"""HTML pages: the notification centre and the per-kind preferences. Thin: one selector
or service per request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.errors import ValidationFailed
from notifications import selectors, services
from notifications.models import Delivery


@login_required
def centre(request: HttpRequest) -> HttpResponse:
    items = selectors.notification_list(user=request.user)
    return render(request, "notifications/centre.html", {"items": items})


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_mark_read(
        user=request.user, notification_id=notification_id
    )
    # "Open" marks read and follows the link; "Mark read" stays on the centre.
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url or "notifications:centre")
    return redirect("notifications:centre")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:centre")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    rows = selectors.preferences_get(user=request.user)
    if request.method == "POST":
        for row in rows:
            delivery = request.POST.get(f"kind-{row.kind}")
            if delivery is None:
                continue
            if delivery not in Delivery.values:
                raise ValidationFailed(_("Choose immediately, daily digest or off."))
            services.preference_set(user=request.user, kind=row.kind, delivery=delivery)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "choices": Delivery.choices},
    )
