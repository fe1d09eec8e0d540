"""Keeping the community well: reports, hiding, endorsing, locking, pinning, moving,
muting, the moderation queue and the instructor's pulse. Every action takes a reason
where the service records one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community import selectors, services
from community.forms import MoveForm, MuteForm, ReportForm
from community.views.common import next_url, run_form, thread_url


@login_required
@require_http_methods(["GET", "POST"])
def post_report(request: HttpRequest, post_id: int) -> HttpResponse:
    member, post = selectors.post_member(user=request.user, post_id=post_id)
    form = ReportForm(request.POST or None)
    run = run_form(
        request,
        form,
        lambda data: services.report_create(
            member=member, post_id=post.pk, reason=data["reason"], note=data["note"]
        ),
    )
    if run.done:
        messages.success(request, _("Thank you. A moderator will look at the post you reported."))
        return redirect(selectors.post_url(post=post))
    return render(
        request,
        "community/post_report.html",
        {"form": form, "post": post, "member": member, "cohort": member.cohort},
        status=run.status,
    )


@login_required
@require_POST
def post_hide(request: HttpRequest, post_id: int) -> HttpResponse:
    member, post = selectors.post_member(user=request.user, post_id=post_id)
    services.post_hide(member=member, post_id=post.pk, reason=request.POST.get("reason", ""))
    messages.success(request, _("The post is hidden from members; moderators still see it."))
    return redirect(next_url(request, thread_url(post.thread_id, post.pk)))


@login_required
@require_POST
def post_restore(request: HttpRequest, post_id: int) -> HttpResponse:
    member, post = selectors.post_member(user=request.user, post_id=post_id)
    services.post_restore(member=member, post_id=post.pk, reason=request.POST.get("reason", ""))
    messages.success(request, _("The post is shown to members again."))
    return redirect(next_url(request, thread_url(post.thread_id, post.pk)))


@login_required
@require_POST
def post_endorse(request: HttpRequest, post_id: int) -> HttpResponse:
    member, post = selectors.post_member(user=request.user, post_id=post_id)
    on = request.POST.get("on") == "1"
    services.post_endorse(member=member, post_id=post.pk, on=on)
    messages.success(
        request, _("You endorsed this answer.") if on else _("Your endorsement is withdrawn.")
    )
    return redirect(next_url(request, thread_url(post.thread_id)) + f"#post-{post.pk}")


@login_required
@require_POST
def thread_lock(request: HttpRequest, thread_id: int) -> HttpResponse:
    member, found = selectors.thread_member(user=request.user, thread_id=thread_id)
    locked = request.POST.get("locked") == "1"
    services.thread_lock(
        member=member, thread_id=found.pk, locked=locked, reason=request.POST.get("reason", "")
    )
    messages.success(
        request,
        _("The thread is locked: it takes no new replies.")
        if locked
        else _("The thread is open for replies again."),
    )
    return redirect(next_url(request, thread_url(found.pk)))


@login_required
@require_POST
def thread_pin(request: HttpRequest, thread_id: int) -> HttpResponse:
    member, found = selectors.thread_member(user=request.user, thread_id=thread_id)
    pinned = request.POST.get("pinned") == "1"
    services.thread_pin(member=member, thread_id=found.pk, pinned=pinned)
    messages.success(
        request,
        _("The thread is pinned to the top of its space.")
        if pinned
        else _("The thread is no longer pinned."),
    )
    return redirect(next_url(request, thread_url(found.pk)))


@login_required
@require_http_methods(["GET", "POST"])
def thread_move(request: HttpRequest, thread_id: int) -> HttpResponse:
    member, found = selectors.thread_member(user=request.user, thread_id=thread_id)
    member.check_moderator()
    rows = selectors.move_targets(member=member, thread=found)
    form = MoveForm(request.POST or None, rows=rows)
    run = run_form(
        request,
        form,
        lambda data: services.thread_move(
            member=member, thread_id=found.pk, space_id=data["space"], reason=data["reason"]
        ),
    )
    if run.done:
        messages.success(request, _("The thread is moved."))
        return redirect(thread_url(found.pk))
    return render(
        request,
        "community/thread_move.html",
        {"form": form, "thread": found, "member": member, "cohort": member.cohort},
        status=run.status,
    )


@login_required
def moderation(request: HttpRequest, cohort_id: int) -> HttpResponse:
    queue = selectors.moderation_queue(user=request.user, cohort_id=cohort_id)
    return render(
        request,
        "community/moderation.html",
        {"queue": queue, "member": queue.member, "cohort": queue.member.cohort},
    )


@login_required
@require_POST
def report_dismiss(request: HttpRequest, cohort_id: int, report_id: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, cohort_id=cohort_id)
    services.report_dismiss(
        member=member, report_id=report_id, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("The report is dismissed; the post stays."))
    return redirect("community:moderation", cohort_id=cohort_id)


@login_required
@require_http_methods(["GET", "POST"])
def mute(request: HttpRequest, cohort_id: int, user_id: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, cohort_id=cohort_id)
    member.check_moderator()
    target = selectors.cohort_user_get(member=member, user_id=user_id)
    form = MuteForm(request.POST or None)
    run = run_form(
        request,
        form,
        lambda data: services.member_mute(
            member=member, user_id=target.pk, days=data["days"], reason=data["reason"]
        ),
    )
    if run.done:
        messages.success(
            request,
            _("%(name)s is muted in this cohort for %(days)s days.")
            % {"name": target.get_display_name(), "days": form.cleaned_data["days"]},
        )
        return redirect(next_url(request, reverse("community:moderation", args=[cohort_id])))
    return render(
        request,
        "community/mute.html",
        {
            "form": form,
            "target": target,
            "member": member,
            "cohort": member.cohort,
            "next": next_url(request, ""),
        },
        status=run.status,
    )


@login_required
@require_POST
def unmute(request: HttpRequest, cohort_id: int, user_id: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, cohort_id=cohort_id)
    services.member_unmute(member=member, user_id=user_id, reason=request.POST.get("reason", ""))
    messages.success(request, _("The mute is lifted."))
    return redirect("community:moderation", cohort_id=cohort_id)


@login_required
def pulse(request: HttpRequest, cohort_id: int) -> HttpResponse:
    found = selectors.pulse_get(user=request.user, cohort_id=cohort_id)
    return render(
        request,
        "community/pulse.html",
        {
            "pulse": found,
            "member": found.member,
            "cohort": found.member.cohort,
            # 40 units a week, at least 8 weeks wide: one week is not one giant bar.
            "chart_width": max(len(found.weeks), 8) * 40,
        },
    )
