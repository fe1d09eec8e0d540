"""HTML pages: the notification centre, the per-kind preferences, and the member's
consent to list email (the page, the confirmation link, the one-click withdraw link).
Thin: one selector or service per request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from lms.errors import ValidationFailed
from notifications import selectors, services
from notifications.consents import CONFIRM_DAYS, confirm_token_read, unsubscribe_token_read
from notifications.models import ConsentList, ConsentSource, ConsentStatus, Delivery


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


@login_required
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest) -> HttpResponse:
    """The member's lists: state, history, and subscribe (double opt-in) or unsubscribe
    in one click."""
    if request.method == "POST":
        mailing_list = request.POST.get("list", "")
        action = request.POST.get("action")
        if action == "subscribe":
            consent = services.consent_request(
                user=request.user, mailing_list=mailing_list, source=ConsentSource.PORTAL
            )
            if consent.status == ConsentStatus.PENDING:
                messages.success(
                    request,
                    _("We emailed you a link to confirm “%(list)s”. It works for %(days)s days.")
                    % {"list": consent.get_mailing_list_display(), "days": CONFIRM_DAYS},
                )
        elif action == "unsubscribe":
            consent = services.consent_withdraw(
                user=request.user, mailing_list=mailing_list, source=ConsentSource.PORTAL
            )
            messages.success(
                request,
                _("You are unsubscribed from “%(list)s”.")
                % {"list": consent.get_mailing_list_display()},
            )
        else:
            raise ValidationFailed(_("Choose to subscribe or to unsubscribe."))
        return redirect("notifications:consents")
    rows = selectors.consents_overview(user=request.user)
    return render(request, "notifications/consents.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def consent_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link of a confirmation email. Following it shows a button; pressing it
    records the grant. A GET alone grants nothing: mail scanners open links too, and a
    consent must be the person's own act."""
    _user_id, mailing_list, _event_id = confirm_token_read(token)
    label = ConsentList(mailing_list).label
    if request.method == "POST":
        services.consent_confirm(token=token, signed_in=request.user)
        return render(request, "notifications/consent_link.html", {"label": label, "done": True})
    return render(request, "notifications/consent_link.html", {"label": label, "confirming": True})


@csrf_exempt  # RFC 8058: mail clients POST the one-click link with no session or token
@require_http_methods(["GET", "POST"])
def consent_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The withdraw link of every list email: a GET shows a button, a POST (the
    button, or the mail client's one-click "List-Unsubscribe=One-Click") withdraws.
    No sign-in: the signed token names the person and the list."""
    _user_id, mailing_list = unsubscribe_token_read(token)
    label = ConsentList(mailing_list).label
    if request.method == "POST":
        services.consent_withdraw_by_token(token=token)
        return render(
            request, "notifications/consent_link.html", {"label": label, "withdrawn": True}
        )
    return render(request, "notifications/consent_link.html", {"label": label})
