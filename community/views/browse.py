"""Finding one's way: my communities, a cohort's home, a space, search, the directory,
the profile, the guidelines, and images."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community import selectors, services
from community.forms import ImageForm, ProfileForm, add_error
from community.views.common import next_url, run_form
from lms.errors import DomainError
from lms.middleware import allows_control_characters_in_query


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community/index.html",
        {"cards": selectors.community_index(user=request.user)},
    )


@login_required
def home(request: HttpRequest, cohort_id: int) -> HttpResponse:
    found = selectors.community_home(user=request.user, cohort_id=cohort_id)
    return render(
        request,
        "community/home.html",
        {"home": found, "cohort": found.cohort, "member": found.member},
    )


@login_required
def space(request: HttpRequest, space_id: int) -> HttpResponse:
    page = selectors.space_page(
        user=request.user, space_id=space_id, page=request.GET.get("page", 1)
    )
    return render(
        request,
        "community/space.html",
        {"page": page, "cohort": page.member.cohort, "member": page.member},
    )


@login_required
@require_POST
def space_read(request: HttpRequest, space_id: int) -> HttpResponse:
    member, row = selectors.space_get(user=request.user, space_id=space_id)
    services.space_mark_read(member=member, space=row.space)
    messages.success(request, _("Every thread in this space is marked read."))
    return redirect("community:space", space_id=space_id)


@login_required
@allows_control_characters_in_query
def search(request: HttpRequest, cohort_id: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, cohort_id=cohort_id)
    # Control characters are dropped, not refused: a search answers any text.
    query = "".join(c for c in request.GET.get("q", "") if c.isprintable())[:200].strip()
    results = selectors.community_search(member=member, query=query) if query else []
    return render(
        request,
        "community/search.html",
        {"member": member, "cohort": member.cohort, "query": query, "results": results},
    )


@login_required
@require_http_methods(["GET", "POST"])
def directory(request: HttpRequest, cohort_id: int) -> HttpResponse:
    if request.method == "POST":
        member = selectors.member_get(user=request.user, cohort_id=cohort_id)
        listed = request.POST.get("listing") == "1"
        services.directory_listing_set(member=member, listed=listed)
        messages.success(
            request,
            _("You are listed in this cohort's directory.")
            if listed
            else _("You are no longer listed in this cohort's directory."),
        )
        return redirect("community:directory", cohort_id=cohort_id)
    found = selectors.directory_get(user=request.user, cohort_id=cohort_id)
    return render(
        request,
        "community/directory.html",
        {"directory": found, "member": found.member, "cohort": found.member.cohort},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    current = selectors.my_profile(user=request.user)
    links = list(current.links) if current else []
    initial = {
        "bio": current.bio if current else "",
        "interests": current.interests if current else "",
        **{f"link_{n + 1}": link for n, link in enumerate(links[:3])},
    }
    form = ProfileForm(request.POST or None, initial=initial)
    run = run_form(
        request,
        form,
        lambda data: services.profile_update(
            user=request.user, bio=data["bio"], interests=data["interests"], links=form.links()
        ),
    )
    if run.done:
        messages.success(request, _("Your profile is saved."))
        return redirect(next_url(request, reverse("community:profile")))
    return render(
        request,
        "community/profile.html",
        {"form": form, "next": next_url(request, "")},
        status=run.status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def guidelines(request: HttpRequest, cohort_id: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, cohort_id=cohort_id)
    if request.method == "POST":
        services.guidelines_accept(member=member)
        messages.success(request, _("Thank you: you accepted the community guidelines."))
        return redirect(next_url(request, reverse("community:home", args=[cohort_id])))
    return render(
        request,
        "community/guidelines.html",
        {
            "member": member,
            "cohort": member.cohort,
            "due": selectors.guidelines_due(member=member),
            "next": next_url(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def image_upload(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """From the post form's script: JSON {id, url, markdown}. Without scripts: a page
    that shows the snippet to paste into the text."""
    member = selectors.member_get(user=request.user, cohort_id=cohort_id)
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = ImageForm(request.POST or None, request.FILES or None)
    status, snippet = 200, ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                uploaded = services.image_upload(member=member, file=form.cleaned_data["image"])
            except DomainError as exc:
                if wants_json:
                    return JsonResponse(
                        {"detail": exc.message, "code": exc.code}, status=exc.status_code
                    )
                add_error(form, exc)
                status = exc.status_code
            else:
                url = reverse("community:image", args=[uploaded.pk])
                snippet = f"![{_('image')}]({url})"
                if wants_json:
                    return JsonResponse(
                        {"id": uploaded.pk, "url": url, "markdown": snippet}, status=201
                    )
                status = 200
        elif wants_json:
            message = next(iter(form.errors.get("image", [])), _("Choose an image to upload."))
            return JsonResponse({"detail": message, "code": "invalid"}, status=400)
    return render(
        request,
        "community/image_upload.html",
        {"member": member, "cohort": member.cohort, "form": form, "snippet": snippet},
        status=status,
    )


@login_required
def image(request: HttpRequest, image_id: int) -> HttpResponse:
    found = selectors.image_get(user=request.user, image_id=image_id)
    response = FileResponse(found.file.open("rb"), content_type=f"image/{found.format.lower()}")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
