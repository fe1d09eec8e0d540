"""Telling people about a post, in a worker: mentions, replies to their posts, answers
to their questions, announcements, and followers of the thread.

A post is written with ``fanned_out_at`` empty; ``post_fan_out`` makes its
notifications in batches and stamps it, in one transaction. Each notification is
unique on (user, kind, key), so a second run (a retried task, the sweep meeting a slow
task) adds nothing: every person is told once. Whoever is told directly (mentioned,
replied to, asked) is not also told as a follower; nobody is told about their own post.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from community.models import Follow, Post, SpaceKind
from community.selectors.members import cohort_members
from community.text import excerpt
from lms.models import User
from notifications.models import Kind
from notifications.services import notify, notify_each

FOLLOWER_BATCH = 500


def _params(post: Post) -> dict:
    thread = post.thread
    return {
        "author": post.author.get_display_name() if post.author else "",
        "thread": thread.title,
        "space": thread.space.title,
        "cohort": str(thread.space.cohort),
        "excerpt": excerpt(post.body_html),
    }


def post_fan_out(*, post_id: int) -> int:
    """Make the notifications of one post; returns how many were offered."""
    with transaction.atomic():
        post = (
            # NO KEY UPDATE: a reaction, report or reply to the post (KEY SHARE on its
            # row) does not make the fan-out skip it; a second fan-out does.
            Post.objects.select_for_update(of=("self",), skip_locked=True, no_key=True)
            .select_related(
                "author", "thread__space__cohort__course", "thread__space__module", "parent"
            )
            .filter(pk=post_id, fanned_out_at__isnull=True)
            .first()
        )
        if post is None:  # done already, or another worker is on it
            return 0
        offered = 0
        if post.is_visible and post.thread.hidden_at is None:
            offered = _tell(post)
        post.fanned_out_at = timezone.now()
        post.save(update_fields=["fanned_out_at"])
    return offered


def _tell(post: Post) -> int:
    thread = post.thread
    key = f"post:{post.pk}"
    url = reverse("community:thread", args=[thread.pk]) + f"#post-{post.pk}"
    params = _params(post)
    author_id = post.author_id
    told: set[int] = {author_id} if author_id else set()
    offered = 0

    mentioned = [u for u in post.mentioned_ids if u not in told]
    # Members only: someone who left the cohort since the post was written is not told.
    mentioned = list(
        cohort_members(cohort=thread.space.cohort)
        .filter(pk__in=mentioned)
        .values_list("pk", flat=True)
    )
    if mentioned:
        offered += notify(
            kind=Kind.COMMUNITY_MENTION, key=key, users=mentioned, params=params, url=url
        )
        told |= set(mentioned)

    if post.is_opening:
        if thread.space.kind == SpaceKind.ANNOUNCEMENTS:
            everyone = cohort_members(cohort=thread.space.cohort).exclude(pk__in=told)
            offered += notify(
                kind=Kind.COMMUNITY_ANNOUNCEMENT,
                key=f"thread:{thread.pk}",
                users=everyone,
                params=params,
                url=url,
            )
        return offered

    direct = post.parent.author_id if post.parent_id else thread.author_id
    if direct and direct not in told:
        if thread.is_question and direct == thread.author_id and post.parent_id is None:
            offered += notify_each(kind=Kind.COMMUNITY_ANSWER, items=[(direct, key, params, url)])
        else:
            offered += notify_each(kind=Kind.COMMUNITY_REPLY, items=[(direct, key, params, url)])
        told.add(direct)

    followers = Follow.objects.filter(thread=thread).exclude(user_id__in=told)
    offered += notify(
        kind=Kind.COMMUNITY_FOLLOWED,
        key=key,
        users=User.objects.filter(pk__in=followers.values("user_id")),
        params=params,
        url=url,
        batch_size=FOLLOWER_BATCH,
    )
    return offered


def fan_out_resume(*, lease: dt.timedelta = dt.timedelta(seconds=30), limit: int = 200) -> int:
    """Posts whose fan-out task was lost (a broker restart, a worker that died): their
    notifications are made now. Reads the partial index ``post_fan_out_due``."""
    due = list(
        Post.objects.filter(fanned_out_at__isnull=True, created_at__lt=timezone.now() - lease)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for post_id in due:
        post_fan_out(post_id=post_id)
    return len(due)
