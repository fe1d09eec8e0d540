"""Site search and protected media: addresses of the whole site (no namespace) that
cohorts answers, because what a user may find or download follows the curriculum
access policy, which lives here."""

from __future__ import annotations

import mimetypes
import posixpath

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail.images import get_image_model
from wagtail.images.models import Rendition

from cohorts.selectors import media_readable, search_curriculum
from lms.middleware import allows_control_characters_in_query
from lms.textcheck import CONTROL_CHARACTER


@allows_control_characters_in_query
def search(request: HttpRequest) -> HttpResponse:
    """Answers any text: what is not a word is left out of the search (see
    ``search_curriculum``) and control characters out of the echoed query."""
    query = CONTROL_CHARACTER.sub("", request.GET.get("q", ""))[:200]
    hits = search_curriculum(user=request.user, query=query)
    return render(request, "cohorts/search.html", {"query": query, "hits": hits})


def protected_media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve an uploaded image only to those who may read a page that shows it.

    Documents are served by Wagtail's own view (with the same check in a hook, see
    wagtail_hooks.py), so their files are never handed out from here.
    """
    path = posixpath.normpath(path).lstrip("/")
    if path.startswith(".."):
        raise Http404
    image, stored = None, None
    if path.startswith("original_images/"):
        image = get_image_model().objects.filter(file=path).first()
        stored = image.file if image else None
    elif path.startswith("images/"):
        rendition = Rendition.objects.filter(file=path).select_related("image").first()
        image, stored = (rendition.image, rendition.file) if rendition else (None, None)
    if image is None:
        raise Http404
    if not media_readable(user=request.user, obj=image):
        if request.user.is_authenticated:
            raise PermissionDenied
        raise Http404
    content_type, _encoding = mimetypes.guess_type(path)
    response = FileResponse(stored.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
