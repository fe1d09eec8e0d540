"""Finding people and things in a cohort's community: the directory, the mention
suggestions, and search (which never reaches into a space that is still locked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.selectors import cohort_get, cohort_schedule
from community.access import Member, community_member
from community.models import DirectoryListing, MemberProfile, Post, SpaceKind
from community.selectors.members import cohort_members
from lms.models import User

SEARCH_LIMIT = 30
SUGGESTIONS = 8


def member_get(*, user: User, cohort_id: int) -> Member:
    return community_member(user=user, cohort=cohort_get(cohort_id=cohort_id))


@dataclass
class DirectoryEntry:
    user: User
    profile: MemberProfile | None


@dataclass
class Directory:
    member: Member
    entries: list[DirectoryEntry]
    listed: bool
    my_profile: MemberProfile | None


def directory_get(*, user: User, cohort_id: int) -> Directory:
    """Members who chose to be listed, by name. Members only: someone who left the
    cohort drops out even if their listing remains."""
    member = member_get(user=user, cohort_id=cohort_id)
    listed_ids = DirectoryListing.objects.filter(cohort=member.cohort).values("user_id")
    people = list(
        cohort_members(cohort=member.cohort)
        .filter(pk__in=listed_ids)
        .select_related("community_profile")
        .order_by("display_name", "first_name", "username")
    )
    entries = [
        DirectoryEntry(user=u, profile=getattr(u, "community_profile", None)) for u in people
    ]
    return Directory(
        member=member,
        entries=entries,
        listed=any(e.user.pk == user.pk for e in entries),
        my_profile=MemberProfile.objects.filter(user=user).first(),
    )


def mention_suggestions(*, member: Member, query: str) -> list[User]:
    """Members of the cohort whose username or name starts with ``query`` (the text
    after @), at most eight: only people the author may see."""
    query = query.strip().lstrip("@")[:60]
    people = cohort_members(cohort=member.cohort).exclude(pk=member.user.pk)
    if query:
        people = people.filter(
            Q(username__istartswith=query)
            | Q(display_name__istartswith=query)
            | Q(first_name__istartswith=query)
            | Q(last_name__istartswith=query)
        )
    return list(people.order_by("username")[:SUGGESTIONS])


def _open_space_filter(member: Member, now: dt.datetime) -> Q:
    locked = [
        slot.module.pk
        for slot in cohort_schedule(cohort=member.cohort, now=now)
        if not slot.is_unlocked
    ]
    return Q(thread__space__cohort=member.cohort) & ~Q(
        thread__space__kind=SpaceKind.MODULE, thread__space__module_id__in=locked
    )


def community_search(*, member: Member, query: str, now: dt.datetime | None = None) -> list[Post]:
    """Posts whose text or thread title holds every word of ``query``, newest first;
    only visible posts in spaces open now."""
    now = now or timezone.now()
    words = query.split()[:8]
    if not words or all(len(w) < 2 for w in words):
        return []
    posts = Post.objects.filter(
        _open_space_filter(member, now),
        removed_at__isnull=True,
        hidden_at__isnull=True,
        thread__hidden_at__isnull=True,
    )
    for word in words:
        word = word[:60]
        posts = posts.filter(
            Q(body_source__icontains=word) | Q(is_opening=True, thread__title__icontains=word)
        )
    return list(
        posts.select_related("thread__space__module", "author").order_by("-created_at", "-pk")[
            :SEARCH_LIMIT
        ]
    )


def image_get(*, user: User, image_id: int):
    """An uploaded image, for members of its cohort only (NotFound for anyone else)."""
    from community.models import PostImage
    from lms.errors import NotFound

    image = PostImage.objects.select_related("cohort__course").filter(pk=image_id).first()
    if image is None:
        raise NotFound(_("There is no image with that id."))
    community_member(user=user, cohort=image.cohort)
    return image
