"""Small reads the community's pages need around the big ones: the list of my
communities, the header's count, and the member and object behind an action on a post
or a thread."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Func, IntegerField, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment
from cohorts.selectors import cohort_schedule
from community.access import Member, community_member, member_cohort_ids
from community.models import (
    GuidelinesAcceptance,
    MemberProfile,
    Post,
    Role,
    Space,
    SpaceKind,
    Thread,
)
from community.selectors.members import cohort_members
from community.selectors.spaces import UNREAD_CAP, SpaceRow, _unread_threads
from community.selectors.threads import REPLIES_PER_PAGE
from lms.errors import NotFound
from lms.models import User


@dataclass(frozen=True)
class CommunityCard:
    cohort: Cohort
    unread: int


def community_index(*, user: User) -> list[CommunityCard]:
    """Every cohort whose community the user belongs to, with its unread threads."""
    ids = member_cohort_ids(user=user)
    if not ids:
        return []
    cohorts = list(
        Cohort.objects.filter(pk__in=ids).select_related("course").order_by("-starts_on", "pk")
    )
    counts = dict(
        _unread_threads(user, Thread.objects.filter(space__cohort_id__in=ids))
        .values("space__cohort_id")
        .annotate(n=Count("pk"))
        .values_list("space__cohort_id", "n")
    )
    return [CommunityCard(cohort=c, unread=counts.get(c.pk, 0)) for c in cohorts]


class _Count(Func):
    function = "COUNT"
    template = "%(function)s(*)"
    output_field = IntegerField()


def header_unread(*, user: User) -> int | None:
    """The header's badge in one query: the unread threads across the user's
    communities (up to UNREAD_CAP), or None when the user belongs to no community (the
    header then shows no link). Membership is "the cohort has a space the user may
    see", the same cohorts as ``unread_total``."""
    if not user.is_authenticated:
        return None
    roles = Role.objects.filter(user_id=user.pk)
    spaces = Space.objects.filter(
        Q(
            cohort_id__in=Enrolment.objects.filter(
                user_id=user.pk, status__in=CURRICULUM_ACCESS
            ).values("cohort_id")
        )
        | Q(
            cohort_id__in=Cohort.instructors.through.objects.filter(user_id=user.pk).values(
                "cohort_id"
            )
        )
        | Q(cohort_id__in=roles.filter(cohort__isnull=False).values("cohort_id"))
        | Q(cohort__course_id__in=roles.filter(course__isnull=False).values("course_id"))
    )
    capped = _unread_threads(user, Thread.objects.filter(space__in=spaces.values("pk"))).values(
        "pk"
    )[:UNREAD_CAP]
    counted = Thread.objects.filter(pk__in=capped).order_by().annotate(n=_Count()).values("n")
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(member=Exists(spaces), unread=Subquery(counted[:1]))
        .values_list("member", "unread")
        .first()
    )
    if row is None or not row[0]:
        return None
    return row[1] or 0


def post_member(*, user: User, post_id: int) -> tuple[Member, Post]:
    """The post and the viewer's place in its cohort; NotFound for strangers, and for
    a hidden post unless the viewer moderates."""
    post = (
        Post.objects.select_related("thread__space__cohort__course", "author")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotFound(_("There is no post with that id."))
    member = community_member(user=user, cohort=post.thread.space.cohort)
    if (post.hidden_at or post.thread.hidden_at) and not member.may_moderate:
        raise NotFound(_("There is no post with that id."))
    return member, post


def thread_member(*, user: User, thread_id: int) -> tuple[Member, Thread]:
    thread = (
        Thread.objects.select_related("space__cohort__course", "space__module")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise NotFound(_("There is no thread with that id."))
    member = community_member(user=user, cohort=thread.space.cohort)
    if thread.hidden_at and not member.may_moderate:
        raise NotFound(_("There is no thread with that id."))
    return member, thread


def post_url(*, post: Post) -> str:
    """The thread page that shows the post, at the post: a reply is on the page of its
    top-level reply (REPLIES_PER_PAGE top-level replies a page). One query for a reply."""
    url = reverse("community:thread", args=[post.thread_id])
    if post.is_opening:
        return f"{url}#post-{post.pk}"
    top = post.parent if post.parent_id else post
    before = Post.objects.filter(
        thread_id=post.thread_id, is_opening=False, parent__isnull=True
    ).filter(Q(created_at__lt=top.created_at) | Q(created_at=top.created_at, pk__lt=top.pk))
    number = before.count() // REPLIES_PER_PAGE + 1
    query = f"?page={number}" if number > 1 else ""
    return f"{url}{query}#post-{post.pk}"


def guidelines_due(*, member: Member) -> bool:
    """The member must accept the course's guidelines before a first post."""
    if member.is_host or not member.cohort.course.community_guidelines.strip():
        return False
    return not GuidelinesAcceptance.objects.filter(
        user=member.user, course_id=member.cohort.course_id
    ).exists()


def move_targets(
    *, member: Member, thread: Thread, now: dt.datetime | None = None
) -> list[SpaceRow]:
    """The spaces a thread can be moved to: open, not archived, not its own."""
    now = now or timezone.now()
    slots = {s.module.pk: s for s in cohort_schedule(cohort=member.cohort, now=now)}
    rows = []
    for space in (
        Space.objects.filter(cohort=member.cohort, archived_at__isnull=True)
        .exclude(pk=thread.space_id)
        .select_related("module")
    ):
        if space.kind == SpaceKind.MODULE:
            slot = slots.get(space.module_id)
            if slot is None or not slot.is_unlocked:
                continue
        rows.append(SpaceRow(space=space, locked=False, unlocks_at=None))
    return rows


def cohort_user_get(*, member: Member, user_id: int) -> User:
    """A member of the viewer's cohort (for the mute form), or NotFound."""
    found = cohort_members(cohort=member.cohort).filter(pk=user_id).first()
    if found is None:
        raise NotFound(_("There is no member with that id in this cohort."))
    return found


def my_profile(*, user: User) -> MemberProfile | None:
    return MemberProfile.objects.filter(user=user).first()
