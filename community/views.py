"""HTML pages of the community. Thin: one selector or service per request;
DomainErrors become 4xx pages in lms.middleware."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from community import selectors


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community/index.html",
        {"cohort_ids": selectors.member_cohort_ids(user=request.user)},
    )


@login_required
def home(request: HttpRequest, cohort_id: int) -> HttpResponse:
    return render(
        request,
        "community/home.html",
        {"home": selectors.community_home(user=request.user, cohort_id=cohort_id)},
    )


@login_required
def space(request: HttpRequest, space_id: int) -> HttpResponse:
    page = selectors.space_page(
        user=request.user, space_id=space_id, page=request.GET.get("page", 1)
    )
    return render(request, "community/space.html", {"page": page})


@login_required
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    page = selectors.thread_page(
        user=request.user, thread_id=thread_id, page=request.GET.get("page", 1)
    )
    return render(request, "community/thread.html", {"page": page})


@login_required
def image(request: HttpRequest, image_id: int) -> HttpResponse:
    from community.selectors.people import image_get

    found = image_get(user=request.user, image_id=image_id)
    response = FileResponse(found.file.open("rb"), content_type=f"image/{found.format.lower()}")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
