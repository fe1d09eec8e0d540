"""Site search that never leaks locked content."""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from wagtail.models import GroupPagePermission, Page

from cohorts.selectors.access import user_can_view_all_rosters
from cohorts.selectors.reading import CURRICULUM_CLASSES, _readable_curriculum_paths
from lms.models import User

# A search is a few words: anything else (quotes, operators, control characters) is
# dropped rather than handed to the full-text engine, whose query syntax differs per
# database and answers a stray quote with an error.
SEARCH_WORD = re.compile(r"\w+")
SEARCH_MAX_WORDS = 12
SEARCH_MAX_WORD_LENGTH = 64


def search_words(query: str) -> list[str]:
    """The words of a search query, at most SEARCH_MAX_WORDS of them."""
    return [
        word[:SEARCH_MAX_WORD_LENGTH]
        for word in SEARCH_WORD.findall(query)[:SEARCH_MAX_WORDS]
        if word.isprintable()
    ]


def _editable_paths(user: User) -> set[str]:
    """Roots of the page trees the user's groups may edit in the admin."""
    if not user.is_authenticated or not user.has_perm("wagtailadmin.access_admin"):
        return set()
    return set(
        GroupPagePermission.objects.filter(
            group__user=user, permission__codename="change_page"
        ).values_list("page__path", flat=True)
    )


def search_curriculum(*, user: User, query: str, limit: int = 30) -> list[dict]:
    """Site search that never leaks locked content: a module, lesson or assignment is
    found only by those who may read it (an unlocked module of their active cohort, a
    cohort they teach, staff and the page's editors). The filter runs in the database,
    before the limit, so neither the hits nor their number tell anything about the
    rest."""
    words = search_words(query)
    if not words:
        return []
    pages = Page.objects.live().public()
    if not user_can_view_all_rosters(user):
        full, unlocked = _readable_curriculum_paths(user, timezone.now())
        readable = ~Q(content_type__in=_curriculum_content_types())
        for path in sorted(full | unlocked | _editable_paths(user)):
            readable |= Q(path__startswith=path)
        pages = pages.filter(readable)
    results = pages.specific().search(" ".join(words))[:limit]
    return [{"page": page, "summary": getattr(page, "summary", "")} for page in results]


def _curriculum_content_types() -> list[ContentType]:
    return list(ContentType.objects.get_for_models(*CURRICULUM_CLASSES).values())
