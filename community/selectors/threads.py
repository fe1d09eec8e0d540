"""Reads for a thread: its opening post and a page of replies with their own replies,
reactions, endorsements and who is who, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Cohort
from community.access import Member
from community.models import (
    REACTION_EMOJI,
    Follow,
    Post,
    PostRevision,
    Reaction,
    ReactionKind,
    Role,
    RoleKind,
    Space,
    Thread,
)
from community.selectors.spaces import SpaceRow, space_get
from lms.errors import NotAllowed, NotFound
from lms.models import User

REPLIES_PER_PAGE = 20


@dataclass
class ReactionCount:
    kind: str
    emoji: str
    label: str
    count: int
    mine: bool


@dataclass
class PostView:
    post: Post
    author_name: str
    author_role: str  # "Instructor", "Mentor", "Moderator" or ""
    visible: bool  # the text is shown to this viewer
    reactions: list[ReactionCount] = field(default_factory=list)
    children: list[PostView] = field(default_factory=list)
    is_accepted: bool = False
    mine: bool = False

    @property
    def state(self) -> str:
        if self.post.removed_at:
            return "removed"
        if self.post.hidden_at:
            return "hidden"
        return "visible"


@dataclass
class ThreadPage:
    member: Member
    row: SpaceRow
    thread: Thread
    opening: PostView
    replies: Page
    following: bool
    may_reply: bool
    reply_refusal: str = ""
    newest_activity: dt.datetime | None = None

    @property
    def space(self) -> Space:
        return self.row.space


def _roles(cohort: Cohort, user_ids: set[int]) -> dict[int, str]:
    """What to show next to a name: instructor, moderator or mentor. Two queries."""
    labels: dict[int, str] = {}
    for user_id, role in (
        Role.objects.filter(user_id__in=user_ids)
        .filter(Q(cohort_id=cohort.pk) | Q(course_id=cohort.course_id))
        .values_list("user_id", "role")
    ):
        if role == RoleKind.MODERATOR or user_id not in labels:
            labels[user_id] = str(RoleKind(role).label)
    for user_id in Cohort.instructors.through.objects.filter(
        cohort_id=cohort.pk, user_id__in=user_ids
    ).values_list("user_id", flat=True):
        labels[user_id] = _("Instructor")
    return labels


def _name(post: Post) -> str:
    return post.author.get_display_name() if post.author_id else _("A former member")


def post_views(*, member: Member, thread: Thread, posts: list[Post]) -> dict[int, PostView]:
    """The posts as this member sees them, by id: reactions (counts and their own),
    role labels, visibility. Four queries whatever the number of posts."""
    ids = [p.pk for p in posts]
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for post_id, kind, n in (
        Reaction.objects.filter(post_id__in=ids)
        .values("post_id", "kind")
        .annotate(n=Count("pk"))
        .values_list("post_id", "kind", "n")
    ):
        counts[post_id][kind] = n
    mine = set(
        Reaction.objects.filter(post_id__in=ids, user=member.user).values_list("post_id", "kind")
    )
    roles = _roles(member.cohort, {p.author_id for p in posts if p.author_id})
    return {
        post.pk: PostView(
            post=post,
            author_name=_name(post),
            author_role=roles.get(post.author_id, ""),
            visible=post.removed_at is None and (post.hidden_at is None or member.may_moderate),
            reactions=[
                ReactionCount(
                    kind=kind,
                    emoji=REACTION_EMOJI[kind],
                    label=str(label),
                    count=counts[post.pk].get(kind, 0),
                    mine=(post.pk, kind) in mine,
                )
                for kind, label in ReactionKind.choices
            ],
            is_accepted=thread.accepted_post_id == post.pk,
            mine=post.author_id == member.user.pk,
        )
        for post in posts
    }


def thread_page(
    *, user: User, thread_id: int, page: int = 1, now: dt.datetime | None = None
) -> ThreadPage:
    now = now or timezone.now()
    thread = Thread.objects.filter(pk=thread_id).values_list("space_id", flat=True).first()
    if thread is None:
        raise NotFound(_("There is no thread with that id."))
    member, row = space_get(user=user, space_id=thread, now=now)
    if row.locked:
        raise NotAllowed(_("This space opens with its module."), code="space_locked")
    thread = Thread.objects.select_related("author").get(pk=thread_id)
    moderator = member.may_moderate
    if thread.hidden_at is not None and not moderator:
        raise NotFound(_("There is no thread with that id."))

    opening = (
        Post.objects.select_related("author", "endorsed_by", "hidden_by")
        .filter(thread=thread, is_opening=True)
        .first()
    )
    if opening is None:  # a thread is written with its opening post; never missing
        raise NotFound(_("There is no thread with that id."))
    top = Post.objects.filter(thread=thread, is_opening=False, parent__isnull=True).select_related(
        "author", "endorsed_by", "hidden_by"
    )
    paged = Paginator(top.order_by("created_at", "pk"), REPLIES_PER_PAGE).get_page(page)
    replies = list(paged.object_list)
    children = list(
        Post.objects.filter(parent_id__in=[p.pk for p in replies])
        .select_related("author", "endorsed_by", "hidden_by")
        .order_by("created_at", "pk")
    )
    views = post_views(member=member, thread=thread, posts=[opening, *replies, *children])
    by_parent: dict[int, list[PostView]] = defaultdict(list)
    for child in children:
        by_parent[child.parent_id].append(views[child.pk])
    for reply in replies:
        views[reply.pk].children = by_parent.get(reply.pk, [])
    paged.object_list = [views[reply.pk] for reply in replies]

    refusal = member.write_refusal()
    reason = ""
    if refusal is not None:
        reason = refusal.message
    elif thread.locked_at is not None and not moderator:
        reason = _("A moderator locked this thread; it takes no new replies.")
    elif thread.removed_at is not None:
        reason = _("This thread was removed; it takes no new replies.")
    elif row.space.archived_at is not None:
        reason = _("This space was closed by the course designer; it can be read, not written to.")
    return ThreadPage(
        member=member,
        row=row,
        thread=thread,
        opening=views[opening.pk],
        replies=paged,
        following=Follow.objects.filter(thread=thread, user=user).exists(),
        may_reply=not reason,
        reply_refusal=reason,
        newest_activity=thread.last_activity_at,
    )


def post_history(*, member: Member, post_id: int) -> tuple[Post, list[PostRevision]]:
    """A post's earlier versions, oldest first: for its author and moderators (others
    see only that it was edited)."""
    post = (
        Post.objects.select_related("thread")
        .filter(pk=post_id, thread__space__cohort=member.cohort)
        .first()
    )
    if post is None or (post.author_id != member.user.pk and not member.may_moderate):
        raise NotFound(_("There is no post with that id."))
    return post, list(post.revisions.select_related("replaced_by"))
