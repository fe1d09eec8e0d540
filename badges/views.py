"""Badge pages and the public Open Badges documents. Thin: check access, call one
selector or service, render. DomainErrors become 4xx pages in lms.middleware; the JSON
documents answer errors as JSON themselves."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from badges import openbadges, selectors, services
from lms.errors import DomainError, NotAllowed
from lms.links import absolute_url

JSONLD = "application/ld+json"


def _jsonld(document: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type=f"{JSONLD}; charset=utf-8",
        status=status,
    )
    # Verifiers run in other sites' pages too.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_error(exc: DomainError) -> JsonResponse:
    response = JsonResponse({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- Open Badges 2.0 documents (public, stable URLs) -------------------------------------


@require_GET
def issuer(request: HttpRequest) -> HttpResponse:
    return _jsonld(openbadges.issuer_document())


@require_GET
def badge_class_json(request: HttpRequest, badge_uuid) -> HttpResponse:
    try:
        badge = selectors.badge_class_get_published(badge_uuid=badge_uuid)
    except DomainError as exc:
        return _json_error(exc)
    return _jsonld(openbadges.badge_class_document(badge))


@require_GET
def badge_class_image(request: HttpRequest, badge_uuid) -> HttpResponse:
    badge = selectors.badge_class_get_published(badge_uuid=badge_uuid)
    with badge.image.open("rb") as f:
        content = f.read()
    response = HttpResponse(
        content, content_type="image/svg+xml" if badge.image_is_svg else "image/png"
    )
    response["Access-Control-Allow-Origin"] = "*"
    if badge.image_is_svg:
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_GET
def assertion_json(request: HttpRequest, award_uuid) -> HttpResponse:
    try:
        award = selectors.award_get_visible(award_uuid=award_uuid, user=request.user)
    except DomainError as exc:
        return _json_error(exc)
    if award.is_revoked:
        return _jsonld(openbadges.revoked_document(award), status=410)
    return _jsonld(openbadges.assertion_document(award))


@require_GET
def award_image(request: HttpRequest, award_uuid) -> HttpResponse:
    """The baked badge image: the picture with its assertion inside, to download."""
    award = selectors.award_get_visible(award_uuid=award_uuid, user=request.user)
    if award.is_revoked:
        return render(
            request,
            "lms/error.html",
            {"message": _("This badge was revoked."), "code": "revoked"},
            status=410,
        )
    try:
        content, content_type, extension = openbadges.baked_image(award)
    except ValueError:
        # An image stored before uploads were checked, which is no SVG after all.
        return render(
            request,
            "lms/error.html",
            {
                "message": _(
                    "This badge's image cannot be read, so it cannot be downloaded; "
                    "ask the course team to upload the image again."
                ),
                "code": "badge_image_unreadable",
            },
            status=409,
        )
    response = HttpResponse(content, content_type=content_type)
    slug = "".join(c if c.isalnum() else "-" for c in award.badge_class.name.lower()).strip("-")
    response["Content-Disposition"] = f'attachment; filename="{slug or "badge"}.{extension}"'
    if extension == "svg":
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# --- Pages --------------------------------------------------------------------------------


def linkedin_add_url(award, request: HttpRequest | None = None) -> str:
    """LinkedIn's add-to-profile link with the certification fields filled in."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": award.badge_class.name,
        "organizationName": settings.LMS_BADGE_ISSUER_NAME or settings.WAGTAIL_SITE_NAME,
        "issueYear": award.awarded_at.year,
        "issueMonth": award.awarded_at.month,
        "certUrl": absolute_url(
            reverse("badges:award", kwargs={"award_uuid": award.uuid}), request
        ),
        "certId": str(award.uuid),
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def award(request: HttpRequest, award_uuid) -> HttpResponse:
    """The page a student shares: public unless they made the award private."""
    item = selectors.award_get_visible(award_uuid=award_uuid, user=request.user)
    is_owner = request.user.is_authenticated and request.user.pk == item.recipient_id
    return render(
        request,
        "badges/award.html",
        {
            "award": item,
            "badge": item.badge_class,
            "is_owner": is_owner,
            # Links on the page work from wherever it was opened; the Open Badges
            # documents they lead to keep their ids under LMS_BASE_URL.
            "page_url": absolute_url(
                reverse("badges:award", kwargs={"award_uuid": item.uuid}), request
            ),
            "image_url": absolute_url(
                reverse("badges:badge_class_image", kwargs={"badge_uuid": item.badge_class.uuid}),
                request,
            ),
            "assertion_url": absolute_url(
                reverse("badges:assertion_json", kwargs={"award_uuid": item.uuid}), request
            ),
            "linkedin_url": linkedin_add_url(item, request),
        },
        status=410 if item.is_revoked else 200,
    )


@login_required
@require_POST
def award_visibility(request: HttpRequest, award_uuid) -> HttpResponse:
    item = selectors.award_get_visible(award_uuid=award_uuid, user=request.user)
    public = request.POST.get("public") == "1"
    services.award_set_public(award=item, by=request.user, public=public)
    messages.success(
        request,
        _("Anyone with the link can now see this badge.")
        if public
        else _("This badge is now private: only you can see it."),
    )
    return redirect("badges:award", award_uuid=item.uuid)


@login_required
def my_badges(request: HttpRequest) -> HttpResponse:
    return render(
        request, "badges/my_badges.html", {"blocks": selectors.my_badges(user=request.user)}
    )


# --- Instructors and staff ------------------------------------------------------------------


@login_required
def cohort_badges(request: HttpRequest, cohort_id: int) -> HttpResponse:
    board = selectors.cohort_badge_board(cohort_id=cohort_id, user=request.user)
    return render(request, "badges/cohort.html", {"board": board, "cohort": board.cohort})


@login_required
@require_POST
def cohort_award(request: HttpRequest, cohort_id: int) -> HttpResponse:
    from lms.models import User

    board = selectors.cohort_badge_board(cohort_id=cohort_id, user=request.user)
    badge = next((b for b in board.badges if str(b.pk) == request.POST.get("badge")), None)
    recipient = User.objects.filter(pk=_int_or_none(request.POST.get("recipient"))).first()
    if badge is None or recipient is None:
        messages.error(request, _("Choose a badge and a student."))
        return redirect("badges:cohort", cohort_id=cohort_id)
    try:
        services.award_grant(
            badge_class=badge,
            recipient=recipient,
            cohort=board.cohort,
            by=request.user,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s received “%(badge)s”.")
            % {"name": recipient.get_display_name(), "badge": badge.name},
        )
    return redirect("badges:cohort", cohort_id=cohort_id)


@login_required
@require_POST
def award_revoke(request: HttpRequest, award_id: int) -> HttpResponse:
    item = selectors.award_get_for_staff(award_id=award_id, user=request.user)
    try:
        services.award_revoke(award=item, by=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The badge is revoked."))
    return redirect("badges:cohort", cohort_id=item.cohort_id)


@login_required
def badge_stats(request: HttpRequest) -> HttpResponse:
    """Staff: per badge class, how many students earned it, per cohort."""
    if not selectors.user_can_view_badge_stats(request.user):
        raise NotAllowed(_("This page is for staff who see badge figures."), code="not_staff")
    return render(request, "badges/stats.html", {"rows": selectors.badge_class_counts()})


def _int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
