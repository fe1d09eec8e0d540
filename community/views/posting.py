"""Writing: threads, replies, edits, deletion, reactions, follows, accepted answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community import selectors, services
from community.forms import EditForm, ReplyForm, ThreadForm
from community.selectors import ThreadPage
from community.views.common import next_url, run_form, thread_url
from lms.errors import DomainError, NotAllowed


def _space_refusal(member, row) -> DomainError | None:
    """Why no thread can be started in this space now, or None (the service says the
    same on POST; the page says it before anyone types)."""
    if row.locked:
        return NotAllowed(_("This space opens with its module."), code="space_locked")
    refusal = member.write_refusal()
    if refusal is not None:
        return refusal
    if row.space.hosts_only and not member.is_host:
        return NotAllowed(
            _("Only the cohort's instructors and moderators start threads here; you can reply."),
            code="hosts_only",
        )
    return None


@login_required
@require_http_methods(["GET", "POST"])
def thread_new(request: HttpRequest, space_id: int) -> HttpResponse:
    member, row = selectors.space_get(user=request.user, space_id=space_id)
    refusal = _space_refusal(member, row)
    if refusal is not None:
        raise refusal
    due = selectors.guidelines_due(member=member)
    form = ThreadForm(request.POST or None, guidelines_due=due)
    run = run_form(
        request,
        form,
        lambda data: services.thread_create(
            member=member,
            space=row.space,
            title=data["title"],
            body=data["body"],
            accept_guidelines=data.get("accept_guidelines", False),
        ),
    )
    if run.done:
        thread = run.result
        messages.success(
            request,
            _("Your question is posted.") if thread.is_question else _("Your thread is posted."),
        )
        return redirect("community:thread", thread_id=thread.pk)
    return render(
        request,
        "community/thread_new.html",
        {
            "form": form,
            "member": member,
            "cohort": member.cohort,
            "row": row,
            "space": row.space,
            "guidelines_due": due,
        },
        status=run.status,
    )


def _thread_response(
    request: HttpRequest, page: ThreadPage, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    due = page.may_reply and selectors.guidelines_due(member=page.member)
    if reply_form is None:
        reply_form = ReplyForm(guidelines_due=due, question=page.thread.is_question)
    return render(
        request,
        "community/thread.html",
        {
            "page": page,
            "member": page.member,
            "cohort": page.member.cohort,
            "space": page.space,
            "thread": page.thread,
            "reply_form": reply_form,
            "guidelines_due": due,
            "here": reverse("community:thread", args=[page.thread.pk])
            + (f"?page={page.replies.number}" if page.replies.number > 1 else ""),
            "may_react": page.member.write_refusal() is None,
        },
        status=status,
    )


@login_required
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    page = selectors.thread_page(
        user=request.user, thread_id=thread_id, page=request.GET.get("page", 1)
    )
    response = _thread_response(request, page)
    services.thread_mark_read(user=request.user, thread=page.thread, at=page.newest_activity)
    return response


@login_required
@require_POST
def thread_reply(request: HttpRequest, thread_id: int) -> HttpResponse:
    member, found = selectors.thread_member(user=request.user, thread_id=thread_id)
    form = ReplyForm(
        request.POST,
        guidelines_due=selectors.guidelines_due(member=member),
        question=found.is_question,
    )
    run = run_form(
        request,
        form,
        lambda data: services.reply_create(
            member=member,
            thread=found,
            body=data["body"],
            parent_id=data["parent_id"],
            accept_guidelines=data.get("accept_guidelines", False),
        ),
    )
    if run.done:
        messages.success(request, _("Your reply is posted."))
        return redirect(selectors.post_url(post=run.result))
    page = selectors.thread_page(
        user=request.user, thread_id=thread_id, page=request.GET.get("page", 1)
    )
    return _thread_response(request, page, reply_form=form, status=run.status)


def _own(member, post) -> None:
    if post.author_id != member.user.pk:
        raise NotAllowed(_("Only its author can change a post."), code="not_author")
    if post.removed_at is not None:
        raise NotAllowed(_("This post was removed."), code="post_removed")


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    member, post = selectors.post_member(user=request.user, post_id=post_id)
    _own(member, post)
    form = EditForm(
        request.POST or None,
        opening=post.is_opening,
        initial={"title": post.thread.title, "body": post.body_source},
    )
    run = run_form(
        request,
        form,
        lambda data: services.post_edit(
            member=member, post_id=post.pk, body=data["body"], title=data.get("title")
        ),
    )
    if run.done:
        messages.success(request, _("Your changes are saved."))
        return redirect(selectors.post_url(post=post))
    return render(
        request,
        "community/post_edit.html",
        {"form": form, "post": post, "member": member, "cohort": member.cohort},
        status=run.status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    member, post = selectors.post_member(user=request.user, post_id=post_id)
    _own(member, post)
    if request.method == "POST":
        services.post_remove(member=member, post_id=post.pk)
        messages.success(request, _("Your post is deleted."))
        return redirect(thread_url(post.thread_id, post.pk))
    return render(
        request,
        "community/post_delete.html",
        {"post": post, "member": member, "cohort": member.cohort},
    )


@login_required
@require_POST
def post_react(request: HttpRequest, post_id: int) -> HttpResponse:
    member, post = selectors.post_member(user=request.user, post_id=post_id)
    services.reaction_set(
        member=member,
        post_id=post.pk,
        kind=request.POST.get("kind", ""),
        on=request.POST.get("on") == "1",
    )
    return redirect(next_url(request, thread_url(post.thread_id)) + f"#post-{post.pk}")


@login_required
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    member, _post = selectors.post_member(user=request.user, post_id=post_id)
    post, revisions = selectors.post_history(member=member, post_id=post_id)
    return render(
        request,
        "community/post_history.html",
        {"post": post, "revisions": revisions, "member": member, "cohort": member.cohort},
    )


@login_required
@require_POST
def thread_follow(request: HttpRequest, thread_id: int) -> HttpResponse:
    member, found = selectors.thread_member(user=request.user, thread_id=thread_id)
    on = request.POST.get("on") == "1"
    services.follow_set(member=member, thread_id=found.pk, on=on)
    messages.success(
        request,
        _("You follow this thread: you hear of new replies.")
        if on
        else _("You no longer follow this thread."),
    )
    return redirect(next_url(request, thread_url(found.pk)))


@login_required
@require_POST
def thread_accept(request: HttpRequest, thread_id: int) -> HttpResponse:
    member, found = selectors.thread_member(user=request.user, thread_id=thread_id)
    raw = request.POST.get("post_id", "")
    post_id = int(raw) if raw.isdigit() else None
    services.answer_accept(member=member, thread_id=found.pk, post_id=post_id)
    messages.success(
        request,
        _("The answer is marked as accepted.")
        if post_id
        else _("The accepted answer is withdrawn."),
    )
    return redirect(
        next_url(request, thread_url(found.pk)) + (f"#post-{post_id}" if post_id else "")
    )
