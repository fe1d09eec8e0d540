"""Reads for acting on one thread or post: who the viewer is there, whether its space is
open, and a post as the thread page shows it (reactions, role, endorsement)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cohorts.models import Cohort
from community.access import Member, community_member
from community.models import (
    Post,
    Report,
    Thread,
)
from community.selectors.spaces import SpaceRow, locked_space_filter, space_get
from community.selectors.threads import PostView, post_views
from lms.errors import NotFound
from lms.models import User


@dataclass
class ThreadContext:
    member: Member
    row: SpaceRow
    thread: Thread


@dataclass
class PostContext:
    member: Member
    row: SpaceRow
    post: Post


def thread_context(*, user: User, thread_id: int, now: dt.datetime | None = None) -> ThreadContext:
    """The thread with its space's lock state and the viewer's place, or NotFound (a
    thread a moderator hid does not exist for members)."""
    space_id = Thread.objects.filter(pk=thread_id).values_list("space_id", flat=True).first()
    if space_id is None:
        raise NotFound(_("There is no thread with that id."))
    member, row = space_get(user=user, space_id=space_id, now=now)
    thread = Thread.objects.select_related("author").get(pk=thread_id)
    if thread.hidden_at is not None and not member.may_moderate:
        raise NotFound(_("There is no thread with that id."))
    return ThreadContext(member=member, row=row, thread=thread)


def post_context(*, user: User, post_id: int, now: dt.datetime | None = None) -> PostContext:
    """The post with its space's lock state and the viewer's place, or NotFound. In a
    thread a moderator hid, members find only their own posts."""
    post = (
        Post.objects.select_related("thread__author", "author", "endorsed_by")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotFound(_("There is no post with that id."))
    member, row = space_get(user=user, space_id=post.thread.space_id, now=now)
    if (
        post.thread.hidden_at is not None
        and not member.may_moderate
        and post.author_id != member.user.pk
    ):
        raise NotFound(_("There is no post with that id."))
    return PostContext(member=member, row=row, post=post)


def post_view_get(*, member: Member, post_id: int) -> PostView:
    """One post as the thread page shows it to this member (its replies not included).
    Five queries."""
    post = (
        Post.objects.select_related("thread", "author", "endorsed_by")
        .filter(pk=post_id, thread__space__cohort=member.cohort)
        .first()
    )
    if post is None:
        raise NotFound(_("There is no post with that id."))
    return post_views(member=member, thread=post.thread, posts=[post])[post.pk]


def unanswered_count(*, cohort: Cohort, now: dt.datetime | None = None) -> int:
    """Questions nobody but the asker has answered, in the spaces open now."""
    return (
        Thread.objects.filter(
            space__cohort=cohort,
            is_question=True,
            answered_at__isnull=True,
            hidden_at__isnull=True,
            removed_at__isnull=True,
        )
        .exclude(locked_space_filter(cohort=cohort, now=now, prefix="space__"))
        .count()
    )


def report_member(*, user: User, report_id: int) -> Member:
    """The viewer's place in the cohort of a report's post, or NotFound."""
    report = (
        Report.objects.select_related("post__thread__space__cohort__course")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound(_("There is no report with that id."))
    return community_member(user=user, cohort=report.post.thread.space.cohort)
