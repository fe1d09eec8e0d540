"""Moderation: reports, hiding and restoring, locking, pinning, moving, muting.

Every action writes a ``ModerationAction`` (who, what, why) in the transaction that
does it. Two moderators acting on the same post or thread at once are serialised by
its row lock: the first changes it, the second finds it changed and still has its
action recorded (``detail.already``), so there is one outcome and both are on record.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.access import Member
from community.models import (
    REPORT_MACHINE,
    ModerationAction,
    ModerationActionKind,
    Mute,
    Post,
    Report,
    ReportReason,
    ReportStatus,
    Space,
    Thread,
)
from community.selectors.members import cohort_members
from community.services.posting import _check_writable, thread_answers_refresh
from lms.errors import Conflict, NotFound, ValidationFailed

MAX_MUTE_DAYS = 90


def _log(
    member: Member, action: str, *, reason: str = "", thread=None, post=None, user=None, **detail
):
    return ModerationAction.objects.create(
        cohort=member.cohort,
        actor=member.user,
        action=action,
        thread=thread,
        post=post,
        member=user,
        reason=reason,
        detail=detail,
        created_at=timezone.now(),
    )


def _reason(reason: str, *, required: bool = True) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise ValidationFailed(_("Say why, for the record."), field="reason")
    if len(reason) > 300:
        raise ValidationFailed(_("Keep the reason under 300 characters."), field="reason")
    return reason


def _locked_post(member: Member, post_id: int) -> Post:
    # NO KEY UPDATE: a reply to this post (its insert takes KEY SHARE on the parent's
    # row while holding the thread) goes ahead instead of waiting for us while we wait
    # for the thread: with FOR UPDATE, hiding a reply while someone answered it
    # deadlocked.
    post = (
        Post.objects.select_for_update(of=("self",), no_key=True)
        .select_related("thread")
        .filter(pk=post_id, thread__space__cohort=member.cohort)
        .first()
    )
    if post is None:
        raise NotFound(_("There is no post with that id."))
    return post


def _locked_thread(member: Member, thread_id: int) -> Thread:
    thread = (
        Thread.objects.select_for_update(of=("self",))
        .select_related("space")
        .filter(pk=thread_id, space__cohort=member.cohort)
        .first()
    )
    if thread is None:
        raise NotFound(_("There is no thread with that id."))
    return thread


# --- reports ----------------------------------------------------------------------------


@transaction.atomic
def report_create(*, member: Member, post_id: int, reason: str, note: str = "") -> Report:
    if reason not in ReportReason.values:
        raise ValidationFailed(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(ReportReason.values)},
            field="reason",
        )
    note = " ".join((note or "").split())
    if len(note) > 500:
        raise ValidationFailed(_("Keep the note under 500 characters."), field="note")
    # Locked as a moderator's hide locks it: a report filed while the post is being
    # hidden waits, then finds it hidden (refused) instead of staying open on it.
    post = (
        Post.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=post_id, thread__space__cohort=member.cohort)
        .select_related("thread")
        .first()
    )
    if post is None or not post.is_visible:
        raise NotFound(_("There is no post with that id."))
    if post.author_id == member.user.pk:
        raise Conflict(_("You cannot report your own post; edit or delete it."), code="own_post")
    try:
        with transaction.atomic():
            return Report.objects.create(
                post=post,
                reporter=member.user,
                reason=reason,
                note=note,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict(
            _("You reported this post already; a moderator will look at it."),
            code="already_reported",
        ) from None


@transaction.atomic
def report_dismiss(*, member: Member, report_id: int, reason: str = "") -> Report:
    member.check_moderator()
    report = (
        Report.objects.select_for_update()
        .filter(pk=report_id, post__thread__space__cohort=member.cohort)
        .first()
    )
    if report is None:
        raise NotFound(_("There is no report with that id."))
    reason = _reason(reason, required=False)
    REPORT_MACHINE.move(report, ReportStatus.DISMISSED, by=member.user, reason=reason)
    report.resolved_by = member.user
    report.save(update_fields=["resolved_by"])
    _log(member, ModerationActionKind.DISMISS, reason=reason, post=report.post, report=report.pk)
    return report


# --- posts ------------------------------------------------------------------------------


@transaction.atomic
def post_hide(*, member: Member, post_id: int, reason: str) -> Post:
    """Hide a post from members (moderators still see it, with who and why); closes the
    open reports on it. Hiding an opening post hides its thread."""
    member.check_moderator()
    reason = _reason(reason)
    post = _locked_post(member, post_id)
    already = post.hidden_at is not None
    if not already:
        now = timezone.now()
        post.hidden_at, post.hidden_by, post.hidden_reason = now, member.user, reason
        post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        thread = Thread.objects.select_for_update().get(pk=post.thread_id)
        if post.is_opening:
            thread.hidden_at = now
            thread.save(update_fields=["hidden_at"])
        else:
            thread_answers_refresh(thread=thread)
    open_reports = list(
        Report.objects.select_for_update().filter(post=post, status=ReportStatus.OPEN)
    )
    REPORT_MACHINE.move_many(
        open_reports,
        ReportStatus.ACTIONED,
        by=member.user,
        reason=reason,
        changes={"resolved_by": member.user},
    )
    _log(
        member,
        ModerationActionKind.HIDE,
        reason=reason,
        post=post,
        thread=post.thread,
        user=post.author,
        already=already,
    )
    return post


@transaction.atomic
def post_restore(*, member: Member, post_id: int, reason: str = "") -> Post:
    member.check_moderator()
    reason = _reason(reason, required=False)
    post = _locked_post(member, post_id)
    already = post.hidden_at is None
    if not already:
        post.hidden_at, post.hidden_by, post.hidden_reason = None, None, ""
        post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        thread = Thread.objects.select_for_update().get(pk=post.thread_id)
        if post.is_opening:
            thread.hidden_at = None
            thread.save(update_fields=["hidden_at"])
        else:
            thread_answers_refresh(thread=thread)
    _log(
        member,
        ModerationActionKind.RESTORE,
        reason=reason,
        post=post,
        thread=post.thread,
        user=post.author,
        already=already,
    )
    return post


@transaction.atomic
def post_endorse(*, member: Member, post_id: int, on: bool) -> Post:
    """An instructor or mentor vouches for an answer (shown to everyone)."""
    member.check_endorser()
    post = _locked_post(member, post_id)
    if post.is_opening:
        raise Conflict(_("Endorse a reply, not the question itself."), code="not_an_answer")
    if not post.is_visible:
        raise Conflict(_("That post was removed."), code="post_removed")
    if on and post.endorsed_at is None:
        post.endorsed_at, post.endorsed_by = timezone.now(), member.user
    elif not on:
        post.endorsed_at, post.endorsed_by = None, None
    post.save(update_fields=["endorsed_at", "endorsed_by"])
    _log(
        member,
        ModerationActionKind.ENDORSE if on else ModerationActionKind.UNENDORSE,
        post=post,
        thread=post.thread,
    )
    return post


# --- threads ----------------------------------------------------------------------------


@transaction.atomic
def thread_lock(*, member: Member, thread_id: int, locked: bool, reason: str = "") -> Thread:
    member.check_moderator()
    reason = _reason(reason, required=locked)
    thread = _locked_thread(member, thread_id)
    already = (thread.locked_at is not None) == locked
    if not already:
        thread.locked_at = timezone.now() if locked else None
        thread.save(update_fields=["locked_at"])
    _log(
        member,
        ModerationActionKind.LOCK if locked else ModerationActionKind.UNLOCK,
        reason=reason,
        thread=thread,
        already=already,
    )
    return thread


@transaction.atomic
def thread_pin(*, member: Member, thread_id: int, pinned: bool) -> Thread:
    member.check_pinner()
    thread = _locked_thread(member, thread_id)
    already = (thread.pinned_at is not None) == pinned
    if not already:
        thread.pinned_at = timezone.now() if pinned else None
        thread.save(update_fields=["pinned_at"])
    _log(
        member,
        ModerationActionKind.PIN if pinned else ModerationActionKind.UNPIN,
        thread=thread,
        already=already,
    )
    return thread


@transaction.atomic
def thread_move(*, member: Member, thread_id: int, space_id: int, reason: str = "") -> Thread:
    """Into another open space of the same cohort; a question stays a question only in
    a Q&A space."""
    member.check_moderator()
    reason = _reason(reason, required=False)
    thread = _locked_thread(member, thread_id)
    target = (
        Space.objects.select_related("cohort", "module")
        .filter(pk=space_id, cohort=member.cohort)
        .first()
    )
    if target is None:
        raise NotFound(_("There is no space with that id in this cohort."), code="no_space")
    if target.pk == thread.space_id:
        raise Conflict(_("The thread is in that space already."), code="same_space")
    now = timezone.now()
    _check_writable(member, target, now)
    source = thread.space_id
    thread.space = target
    thread.is_question = target.is_qa
    if not target.is_qa:
        thread.accepted_post = None
        thread.answered_at = None
    thread.save(update_fields=["space", "is_question", "accepted_post", "answered_at"])
    if target.is_qa:
        thread_answers_refresh(thread=thread)
    Space.objects.filter(pk=source).update(thread_count=F("thread_count") - 1)
    Space.objects.filter(pk=target.pk).update(
        thread_count=F("thread_count") + 1, last_activity_at=now
    )
    _log(
        member,
        ModerationActionKind.MOVE,
        reason=reason,
        thread=thread,
        from_space=source,
        to_space=target.pk,
    )
    return thread


# --- members ----------------------------------------------------------------------------


@transaction.atomic
def member_mute(*, member: Member, user_id: int, days: int, reason: str) -> Mute:
    """Stop a member posting in this cohort for ``days`` (1-90); they keep reading."""
    member.check_moderator()
    reason = _reason(reason)
    if not isinstance(days, int) or not 1 <= days <= MAX_MUTE_DAYS:
        raise ValidationFailed(
            _("Mute for 1 to %(max)s days.") % {"max": MAX_MUTE_DAYS}, field="days"
        )
    target = cohort_members(cohort=member.cohort).filter(pk=user_id).first()
    if target is None:
        raise NotFound(_("There is no member with that id in this cohort."))
    if target.pk == member.user.pk:
        raise Conflict(_("You cannot mute yourself."), code="self")
    if member.cohort.instructors.filter(pk=target.pk).exists():
        raise Conflict(_("Instructors of the cohort cannot be muted."), code="host")
    now = timezone.now()
    mute = Mute.objects.create(
        cohort=member.cohort,
        user=target,
        until=now + dt.timedelta(days=days),
        reason=reason,
        muted_by=member.user,
        created_at=now,
    )
    _log(member, ModerationActionKind.MUTE, reason=reason, user=target, days=days)
    return mute


@transaction.atomic
def member_unmute(*, member: Member, user_id: int, reason: str = "") -> int:
    member.check_moderator()
    reason = _reason(reason, required=False)
    now = timezone.now()
    lifted = Mute.objects.filter(
        cohort=member.cohort, user_id=user_id, lifted_at__isnull=True, until__gt=now
    ).update(lifted_at=now)
    if not lifted:
        raise Conflict(_("That member is not muted."), code="not_muted")
    _log(
        member,
        ModerationActionKind.UNMUTE,
        reason=reason,
        user=cohort_members(cohort=member.cohort).filter(pk=user_id).first(),
    )
    return lifted
