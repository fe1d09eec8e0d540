"""Writing in a space: threads, replies, edits, removal, reactions, follows, answers.

Every write checks the same things in the same order (``_check_writable``): the member
may write at all (term, cancellation), the space is open (a module space opens with its
module), the member is not muted, the thread is not locked. Each is a 4xx with a
message and nothing written. Notifications are made by the fan-out in a worker
(``community.services.fanout``), never in the request.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cohorts.selectors import module_slot_get
from community.access import Member
from community.models import (
    Follow,
    GuidelinesAcceptance,
    Mute,
    Post,
    PostImage,
    PostRevision,
    Reaction,
    ReactionKind,
    Space,
    SpaceKind,
    SpaceRead,
    Thread,
    ThreadRead,
)
from community.selectors.members import cohort_members
from community.text import mentioned_names, render
from lms.errors import Conflict, NotAllowed, NotFound, TooManyAttempts, ValidationFailed
from lms.models import User

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_IMAGES = 10
MAX_MENTIONS = 20


def _limits() -> dict[str, tuple[int, int]]:
    """(how many, per seconds) a member may post; hosts are not limited."""
    return getattr(
        settings,
        "LMS_COMMUNITY_RATE_LIMITS",
        {"thread": (5, 600), "reply": (30, 600)},
    )


# --- checks -----------------------------------------------------------------------------


def _check_writable(member: Member, space: Space, now: dt.datetime) -> None:
    refusal = member.write_refusal()
    if refusal is not None:
        raise refusal
    if space.cohort_id != member.cohort.pk:
        raise NotFound(_("There is no space with that id."))
    if space.archived_at is not None:
        raise Conflict(
            _("This space was closed by the course designer; it can be read, not written to."),
            code="space_archived",
        )
    if space.kind == SpaceKind.MODULE and space.module_id:
        slot = module_slot_get(cohort=member.cohort, module_id=space.module_id, now=now)
        if not slot.is_unlocked:
            raise NotAllowed(
                _("This space opens with its module on %(when)s.")
                % {"when": date_format(timezone.localtime(slot.unlocks_at), "DATETIME_FORMAT")},
                code="space_locked",
            )
    if not member.is_host:
        mute = (
            Mute.objects.filter(
                cohort=member.cohort, user=member.user, lifted_at__isnull=True, until__gt=now
            )
            .order_by("-until")
            .first()
        )
        if mute is not None:
            raise NotAllowed(
                _("A moderator muted you in this cohort until %(until)s: %(reason)s")
                % {
                    "until": date_format(timezone.localtime(mute.until), "DATETIME_FORMAT"),
                    "reason": mute.reason,
                },
                code="muted",
            )


def _check_thread_open(member: Member, thread: Thread) -> None:
    if thread.locked_at is not None and not member.may_moderate:
        raise Conflict(
            _("A moderator locked this thread; it takes no new replies."), code="thread_locked"
        )
    if thread.removed_at is not None or thread.hidden_at is not None:
        raise Conflict(
            _("This thread was removed; it takes no new replies."), code="thread_removed"
        )


def _check_rate(member: Member, what: str, now: dt.datetime) -> None:
    if member.is_host:
        return
    count, seconds = _limits()[what]
    # One member's posts are counted one request at a time: the member's row is locked
    # until the post is written (its transaction commits). Without it, a burst from
    # parallel connections all counted the same recent posts and all passed. NO KEY
    # UPDATE leaves rows that refer to the member (notifications, follows) writable.
    User.objects.select_for_update(no_key=True).filter(pk=member.user.pk).values_list(
        "pk", flat=True
    ).get()
    since = now - dt.timedelta(seconds=seconds)
    posts = Post.objects.filter(
        author=member.user, created_at__gte=since, is_opening=(what == "thread")
    )
    recent = list(posts.order_by("-created_at").values_list("created_at", flat=True)[:count])
    if len(recent) >= count:
        retry = int((recent[-1] + dt.timedelta(seconds=seconds) - now).total_seconds()) + 1
        message = (
            _("You started %(n)s threads in a short time; please wait a few minutes.")
            if what == "thread"
            else _("You posted %(n)s replies in a short time; please wait a few minutes.")
        )
        raise TooManyAttempts(
            message % {"n": count}, retry_after=max(retry, 1), code="posting_too_fast"
        )


def _check_guidelines(member: Member, accept: bool, now: dt.datetime) -> None:
    course = member.cohort.course
    if member.is_host or not course.community_guidelines.strip():
        return
    if GuidelinesAcceptance.objects.filter(user=member.user, course_id=course.pk).exists():
        return
    if not accept:
        raise ValidationFailed(
            _("Please read and accept the community guidelines before your first post."),
            code="guidelines_not_accepted",
            field="accept_guidelines",
        )
    GuidelinesAcceptance.objects.get_or_create(
        user=member.user, course_id=course.pk, defaults={"accepted_at": now}
    )


def _body(member: Member, source: str):
    """The rendered body, its mentioned member ids; refuses what cannot be posted."""
    source = (source or "").replace("\r\n", "\n").strip()
    if not source:
        raise ValidationFailed(_("Write something first: the text is empty."), field="body")
    if len(source) > MAX_BODY:
        raise ValidationFailed(
            _("The text is %(n)s characters long; the limit is %(max)s.")
            % {"n": len(source), "max": MAX_BODY},
            code="too_long",
            field="body",
        )
    names = mentioned_names(source)
    if len(names) > MAX_MENTIONS:
        raise ValidationFailed(
            _("A post can mention at most %(max)s people.") % {"max": MAX_MENTIONS},
            field="body",
        )
    found = {}
    if names:
        lowered = {n.lower() for n in names}
        found = dict(
            cohort_members(cohort=member.cohort)
            .annotate(lname=Lower("username"))
            .filter(lname__in=lowered)
            .values_list("lname", "pk")
        )
        missing = [n for n in names if n.lower() not in found]
        if missing:
            raise ValidationFailed(
                _(
                    "@%(name)s is not a member of this cohort. You can mention the people "
                    "of this cohort only; the suggestions list them."
                )
                % {"name": missing[0]},
                code="mention_not_member",
                field="body",
            )
    rendered = render(source, mentionable=set(found))
    if not rendered.html.strip():
        raise ValidationFailed(_("Write something first: the text is empty."), field="body")
    if len(rendered.image_ids) > MAX_IMAGES:
        raise ValidationFailed(
            _("A post can show at most %(max)s images.") % {"max": MAX_IMAGES}, field="body"
        )
    if rendered.image_ids:
        known = set(
            PostImage.objects.filter(pk__in=rendered.image_ids, cohort=member.cohort).values_list(
                "pk", flat=True
            )
        )
        if set(rendered.image_ids) - known:
            raise ValidationFailed(
                _("An image in the text was not uploaded to this cohort; upload it here."),
                code="unknown_image",
                field="body",
            )
    mentioned = sorted({found[n.lower()] for n in rendered.mentions} - {member.user.pk})
    return source, rendered.html, mentioned


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed(_("Give the thread a title."), field="title")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(
            _("The title can be at most %(max)s characters.") % {"max": MAX_TITLE},
            field="title",
        )
    return title


def _fan_out_soon(post: Post) -> None:
    from community.tasks import fan_out

    fan_out.delay_on_commit(post.pk)


def _read(user, thread: Thread, at: dt.datetime) -> None:
    ThreadRead.objects.update_or_create(user=user, thread=thread, defaults={"read_at": at})


# --- threads and replies ----------------------------------------------------------------


@transaction.atomic
def thread_create(
    *, member: Member, space: Space, title: str, body: str, accept_guidelines: bool = False
) -> Thread:
    now = timezone.now()
    _check_writable(member, space, now)
    if space.hosts_only and not member.is_host:
        raise NotAllowed(
            _("Only the cohort's instructors and moderators start threads here; you can reply."),
            code="hosts_only",
        )
    title = _title(title)
    source, html, mentioned = _body(member, body)
    _check_rate(member, "thread", now)
    _check_guidelines(member, accept_guidelines, now)
    thread = Thread.objects.create(
        space=space,
        author=member.user,
        title=title,
        is_question=space.is_qa,
        created_at=now,
        last_activity_at=now,
    )
    post = Post.objects.create(
        thread=thread,
        is_opening=True,
        author=member.user,
        body_source=source,
        body_html=html,
        mentioned_ids=mentioned,
        created_at=now,
    )
    Follow.objects.create(thread=thread, user=member.user, created_at=now)
    _read(member.user, thread, now)
    Space.objects.filter(pk=space.pk).update(
        thread_count=F("thread_count") + 1, last_activity_at=now
    )
    _fan_out_soon(post)
    return thread


@transaction.atomic
def reply_create(
    *,
    member: Member,
    thread: Thread,
    body: str,
    parent_id: int | None = None,
    accept_guidelines: bool = False,
) -> Post:
    # The thread's row serialises replies with a lock, a move or a hide of the thread.
    thread = Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    # The moment is read once the lock is held, so a thread's replies are stamped in the
    # order they are written: its last activity never moves back (which would leave a
    # newer reply looking read) and "answered" is the first answer's own moment.
    now = timezone.now()
    _check_writable(member, thread.space, now)
    _check_thread_open(member, thread)
    parent = None
    if parent_id is not None:
        parent = Post.objects.filter(pk=parent_id, thread=thread).first()
        if parent is None:
            raise NotFound(_("There is no post with that id in this thread."), code="no_parent")
        if not parent.is_visible:
            raise Conflict(
                _("That post was removed; reply to the thread instead."), code="post_removed"
            )
        if parent.is_opening:
            parent = None
        elif parent.parent_id is not None:
            # One level of nesting: a reply to a reply joins its top-level reply.
            parent = Post.objects.get(pk=parent.parent_id)
    source, html, mentioned = _body(member, body)
    _check_rate(member, "reply", now)
    _check_guidelines(member, accept_guidelines, now)
    post = Post.objects.create(
        thread=thread,
        parent=parent,
        author=member.user,
        body_source=source,
        body_html=html,
        mentioned_ids=mentioned,
        created_at=now,
    )
    changes = {"reply_count": F("reply_count") + 1, "last_activity_at": now}
    if thread.is_question and thread.answered_at is None and thread.author_id != member.user.pk:
        changes["answered_at"] = now
    Thread.objects.filter(pk=thread.pk).update(**changes)
    Space.objects.filter(pk=thread.space_id).update(last_activity_at=now)
    Follow.objects.get_or_create(thread=thread, user=member.user, defaults={"created_at": now})
    _read(member.user, thread, now)
    _fan_out_soon(post)
    return post


def _own_post(member: Member, post_id: int, *, lock: bool = True) -> Post:
    qs = Post.objects.select_related("thread__space")
    if lock:
        # NO KEY UPDATE, as moderation's _locked_post: a reply to the post is not
        # blocked while we go on to lock its thread.
        qs = qs.select_for_update(of=("self",), no_key=True)
    post = qs.filter(pk=post_id, thread__space__cohort=member.cohort).first()
    if post is None:
        raise NotFound(_("There is no post with that id."))
    if post.author_id != member.user.pk:
        raise NotAllowed(_("Only its author can change a post."), code="not_author")
    if post.removed_at is not None:
        raise Conflict(_("This post was removed."), code="post_removed")
    return post


@transaction.atomic
def post_edit(*, member: Member, post_id: int, body: str, title: str | None = None) -> Post:
    """The author edits; the previous text is kept as a revision and "edited" shown.
    Editing a post a moderator hid is allowed and recorded; it stays hidden."""
    now = timezone.now()
    post = _own_post(member, post_id)
    refusal = member.write_refusal()
    if refusal is not None:
        raise refusal
    thread = post.thread
    if thread.locked_at is not None and not member.may_moderate:
        raise Conflict(
            _("A moderator locked this thread; its posts can no longer be edited."),
            code="thread_locked",
        )
    new_title = _title(title) if (post.is_opening and title is not None) else None
    source, html, mentioned = _body(member, body)
    if source == post.body_source and (new_title is None or new_title == thread.title):
        return post
    PostRevision.objects.create(
        post=post,
        title=thread.title if post.is_opening else "",
        body_source=post.body_source,
        body_html=post.body_html,
        written_at=post.edited_at or post.created_at,
        replaced_at=now,
        replaced_by=member.user,
    )
    fresh = sorted(set(mentioned) - set(post.mentioned_ids))
    post.body_source, post.body_html, post.edited_at = source, html, now
    post.mentioned_ids = sorted(set(post.mentioned_ids) | set(mentioned))
    fields = ["body_source", "body_html", "edited_at", "mentioned_ids"]
    if fresh:
        # Someone newly mentioned is told; those told before are not told again.
        post.fanned_out_at = None
        fields.append("fanned_out_at")
        _fan_out_soon(post)
    post.save(update_fields=fields)
    if new_title is not None and new_title != thread.title:
        Thread.objects.filter(pk=thread.pk).update(title=new_title)
    return post


@transaction.atomic
def post_remove(*, member: Member, post_id: int) -> Post:
    """The author deletes: the text and its history are gone, "removed" is shown in its
    place and the replies stay."""
    now = timezone.now()
    post = _own_post(member, post_id)
    post.removed_at = now
    post.body_source = post.body_html = ""
    post.mentioned_ids = []
    post.save(update_fields=["removed_at", "body_source", "body_html", "mentioned_ids"])
    post.revisions.all().delete()
    Reaction.objects.filter(post=post).delete()
    thread = Thread.objects.select_for_update().get(pk=post.thread_id)
    if post.is_opening:
        thread.removed_at = now
        thread.title = ""
        thread.save(update_fields=["removed_at", "title"])
    else:
        thread_answers_refresh(thread=thread)
    return post


def thread_answers_refresh(*, thread: Thread) -> None:
    """Recount after a reply was removed, hidden or restored: replies, the first answer
    by someone other than the asker, and the accepted answer if it is gone."""
    replies = Post.objects.filter(
        thread=thread, is_opening=False, removed_at__isnull=True, hidden_at__isnull=True
    )
    thread.reply_count = replies.count()
    first = (
        replies.exclude(author_id=thread.author_id)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    thread.answered_at = first if thread.is_question else None
    if thread.accepted_post_id and not replies.filter(pk=thread.accepted_post_id).exists():
        thread.accepted_post = None
    thread.save(update_fields=["reply_count", "answered_at", "accepted_post"])


# --- reactions, follows, reading --------------------------------------------------------


def _member_post(member: Member, post_id: int) -> Post:
    post = (
        Post.objects.select_related("thread__space")
        .filter(pk=post_id, thread__space__cohort=member.cohort)
        .first()
    )
    if post is None:
        raise NotFound(_("There is no post with that id."))
    return post


@transaction.atomic
def reaction_set(*, member: Member, post_id: int, kind: str, on: bool) -> Post:
    if kind not in ReactionKind.values:
        raise ValidationFailed(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(ReactionKind.values)},
            field="kind",
        )
    refusal = member.write_refusal()
    if refusal is not None:
        raise refusal
    post = _member_post(member, post_id)
    if not post.is_visible:
        raise Conflict(_("That post was removed."), code="post_removed")
    if on:
        Reaction.objects.get_or_create(
            post=post, user=member.user, kind=kind, defaults={"created_at": timezone.now()}
        )
    else:
        Reaction.objects.filter(post=post, user=member.user, kind=kind).delete()
    return post


def _member_thread(member: Member, thread_id: int) -> Thread:
    thread = (
        Thread.objects.select_related("space")
        .filter(pk=thread_id, space__cohort=member.cohort)
        .first()
    )
    if thread is None:
        raise NotFound(_("There is no thread with that id."))
    return thread


@transaction.atomic
def follow_set(*, member: Member, thread_id: int, on: bool) -> Thread:
    thread = _member_thread(member, thread_id)
    if on:
        Follow.objects.get_or_create(
            thread=thread, user=member.user, defaults={"created_at": timezone.now()}
        )
    else:
        Follow.objects.filter(thread=thread, user=member.user).delete()
    return thread


def thread_mark_read(*, user, thread: Thread, at: dt.datetime | None = None) -> None:
    """Read up to ``at`` (the newest activity shown); never moves the mark backwards."""
    at = at or timezone.now()
    updated = ThreadRead.objects.filter(user=user, thread=thread, read_at__lt=at).update(read_at=at)
    if not updated:
        ThreadRead.objects.get_or_create(user=user, thread=thread, defaults={"read_at": at})


@transaction.atomic
def space_mark_read(*, member: Member, space: Space) -> None:
    if space.cohort_id != member.cohort.pk:
        raise NotFound(_("There is no space with that id."))
    SpaceRead.objects.update_or_create(
        user=member.user, space=space, defaults={"read_at": timezone.now()}
    )


# --- questions --------------------------------------------------------------------------


@transaction.atomic
def answer_accept(*, member: Member, thread_id: int, post_id: int | None) -> Thread:
    """The asker marks one reply as the accepted answer (None withdraws it)."""
    thread = _member_thread(member, thread_id)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if not thread.is_question:
        raise Conflict(_("Only a question can have an accepted answer."), code="not_a_question")
    if thread.author_id != member.user.pk and not member.may_moderate:
        raise NotAllowed(_("Only the person who asked can accept an answer."), code="not_asker")
    if post_id is not None:
        post = Post.objects.filter(pk=post_id, thread=thread, is_opening=False).first()
        if post is None:
            raise NotFound(_("There is no reply with that id in this question."))
        if not post.is_visible:
            raise Conflict(_("That reply was removed."), code="post_removed")
    thread.accepted_post_id = post_id
    thread.save(update_fields=["accepted_post"])
    return thread
