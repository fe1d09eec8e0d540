"""The privacy notice (public) and a member's privacy page (their requests)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from privacy import selectors
from privacy.views import erasures, exports


@require_GET
def policy(request: HttpRequest) -> HttpResponse:
    """What is kept, why, on which basis and how long: the staff's text around the table
    the registry generates, so the notice never lags behind the data."""
    notice = selectors.notice_get()
    return render(
        request,
        "privacy/policy.html",
        {
            "notice": notice,
            "notice_intro": notice.text("intro") if notice else "",
            "notice_closing": notice.text("closing") if notice else "",
            "rows": selectors.policy_rows(),
            "cookies": selectors.cookies(),
        },
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A member's privacy actions: take their data, ask to be erased."""
    return render(
        request,
        "privacy/home.html",
        {"export": exports.panel(request), "erasure": erasures.panel(request)},
    )
