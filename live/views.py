"""HTML pages for live sessions: the cohort calendar, a session, RSVP, join, the
single-event download, planning forms, attendance, and the calendar-feed page and feed.
Thin: one selector or service per request; DomainErrors become 4xx pages in
lms.middleware, except refused form input, which comes back with the input kept."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cohorts.selectors import cohort_access, cohort_get
from live import selectors, services
from live.api import feed_url, ics_response
from live.feed import session_ics_bytes, user_feed_bytes
from live.forms import CancelForm, SeriesForm, SessionEditForm, SessionForm
from lms.errors import DomainError, NotAllowed, NotFound
from lms.links import local_next


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    if exc.field in ("starts_at",):
        field = "day"
    elif exc.field in ("ends_at",) and "ends" in form.fields:
        field = "ends"
    form.add_error(field, exc.message)


def _organiser_cohort(request: HttpRequest, cohort_id: int):
    cohort = cohort_get(cohort_id=cohort_id)
    access = cohort_access(user=request.user, cohort=cohort)
    if not selectors.may_organise(access=access, user=request.user):
        raise NotAllowed(
            _("Only the cohort's instructors and staff can plan live sessions."),
            code="not_instructor",
        )
    return cohort


@login_required
def cohort_calendar(request: HttpRequest, cohort_id: int) -> HttpResponse:
    calendar = selectors.cohort_calendar_get(cohort_id=cohort_id, user=request.user)
    return render(request, "live/calendar.html", {"calendar": calendar, "cohort": calendar.cohort})


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    item, access = selectors.session_get(session_id=session_id, user=request.user)
    return render(
        request,
        "live/session.html",
        {
            "item": item,
            "session": item.session,
            "cohort": item.session.cohort,
            "access": access,
            "can_manage": selectors.may_organise(access=access, user=request.user),
        },
    )


@login_required
@require_POST
def session_rsvp(request: HttpRequest, session_id: int) -> HttpResponse:
    item, _access = selectors.session_get(session_id=session_id, user=request.user)
    going = request.POST.get("going") == "1"
    services.rsvp_set(session=item.session, user=request.user, going=going)
    messages.success(
        request,
        _("See you there.") if going else _("Thanks for letting us know."),
    )
    return redirect(_next(request, item.session))


def _next(request: HttpRequest, session) -> str:
    from django.urls import reverse

    return local_next(request, reverse("live:session", args=[session.pk]))


@login_required
@require_POST
def session_join(request: HttpRequest, session_id: int) -> HttpResponse:
    """Record attendance, then send the browser on to the meeting (only https links are
    ever stored, so this never leads to another scheme).

    Through a page that moves on by itself, not a redirect: browsers hold a form's
    redirect to the CSP's form-action, and meetings are on any host (Zoom, Meet,
    Jitsi, Teams...), which the site's policy does not list."""
    item, _access = selectors.session_get(session_id=session_id, user=request.user)
    url = services.session_join(session=item.session, user=request.user)
    return render(request, "live/joining.html", {"join_url": url, "session": item.session})


@login_required
def session_ics(request: HttpRequest, session_id: int) -> HttpResponse:
    item, _access = selectors.session_get(session_id=session_id, user=request.user)
    return ics_response(session_ics_bytes(session=item.session), f"session-{session_id}.ics")


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _organiser_cohort(request, cohort_id)
    form = SessionForm(
        request.POST or None, initial={"timezone": cohort.timezone, "rsvp_enabled": True}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            starts_at, ends_at = form.moments()
            data = form.cleaned_data
            try:
                session = services.session_create(
                    cohort=cohort,
                    by=request.user,
                    title=data["title"],
                    description=data["description"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    timezone_name=data["timezone"],
                    join_url=data["join_url"],
                    capacity=data["capacity"],
                    rsvp_enabled=data["rsvp_enabled"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The session is planned."))
                return redirect("live:session", session_id=session.pk)
        status = 400
    return render(
        request,
        "live/session_form.html",
        {"form": form, "cohort": cohort, "heading": _("Plan a live session")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def series_new(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _organiser_cohort(request, cohort_id)
    form = SeriesForm(
        request.POST or None, initial={"timezone": cohort.timezone, "rsvp_enabled": True}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                series = services.series_create(
                    cohort=cohort,
                    by=request.user,
                    timezone_name=data.pop("timezone"),
                    **data,
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(n)s weekly sessions are planned.") % {"n": series.weeks},
                )
                return redirect("live:calendar", cohort_id=cohort.pk)
        status = 400
    return render(
        request,
        "live/session_form.html",
        {"form": form, "cohort": cohort, "heading": _("Plan a weekly series")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_managed_get(session_id=session_id, user=request.user)
    local_start = timezone.localtime(session.starts_at, _zone(session.timezone))
    local_end = timezone.localtime(session.ends_at, _zone(session.timezone))
    initial = {
        "title": session.title,
        "description": session.description,
        "day": local_start.date(),
        "starts": local_start.time(),
        "ends": local_end.time(),
        "timezone": session.timezone,
        "join_url": session.join_url,
        "capacity": session.capacity,
        "rsvp_enabled": session.rsvp_enabled,
        "recording_url": session.recording_url,
        "notes": session.notes,
    }
    form = SessionEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            starts_at, ends_at = form.moments()
            data = form.cleaned_data
            try:
                services.session_update(
                    session=session,
                    by=request.user,
                    title=data["title"],
                    description=data["description"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    timezone=data["timezone"],
                    join_url=data["join_url"],
                    capacity=data["capacity"],
                    rsvp_enabled=data["rsvp_enabled"],
                    recording_url=data["recording_url"],
                    notes=data["notes"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The session is saved."))
                return redirect("live:session", session_id=session.pk)
        status = 400
    return render(
        request,
        "live/session_form.html",
        {
            "form": form,
            "cohort": session.cohort,
            "session": session,
            "heading": _("Change the session"),
        },
        status=status,
    )


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_managed_get(session_id=session_id, user=request.user)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.session_cancel(session=session, by=request.user, **form.cleaned_data)
        messages.success(request, _("The session is cancelled; the attendees get an email."))
        return redirect("live:session", session_id=session.pk)
    return render(
        request,
        "live/cancel.html",
        {"form": form, "session": session, "cohort": session.cohort},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    if request.method == "POST":
        session = selectors.session_managed_get(session_id=session_id, user=request.user)
        try:
            user_id = int(request.POST.get("user_id", ""))
        except ValueError:
            raise NotFound(_("That person is not a student of this cohort.")) from None
        services.attendance_set(
            session=session,
            by=request.user,
            user_id=user_id,
            attended=request.POST.get("attended") == "1",
        )
        messages.success(request, _("Attendance is saved."))
        return redirect("live:session_attendance", session_id=session_id)
    roster = selectors.session_roster_get(session_id=session_id, user=request.user)
    return render(
        request,
        "live/attendance.html",
        {"roster": roster, "session": roster.session, "cohort": roster.session.cohort},
    )


@login_required
def cohort_attendance(request: HttpRequest, cohort_id: int) -> HttpResponse:
    report = selectors.cohort_attendance_get(cohort_id=cohort_id, user=request.user)
    return render(
        request, "live/cohort_attendance.html", {"report": report, "cohort": report.cohort}
    )


@login_required
def my_calendar(request: HttpRequest) -> HttpResponse:
    token = services.feed_token_get_or_create(user=request.user)
    return render(
        request,
        "live/my_calendar.html",
        {
            "feed_url": feed_url(request, token.token),
            "upcoming": selectors.upcoming_sessions(user=request.user, limit=20),
        },
    )


@login_required
@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    services.feed_token_rotate(user=request.user)
    messages.success(
        request,
        _("Your calendar has a new address; the old one no longer works. Subscribe again."),
    )
    return redirect("live:my_calendar")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscribed feed. No login (calendar apps cannot log in): the token is the
    key. An unknown or revoked token is the same plain-text 404, no hint either way."""
    try:
        user = selectors.feed_owner_get(token=token)
    except NotFound:
        return HttpResponseNotFound("Not found.\n", content_type="text/plain; charset=utf-8")
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = user_feed_bytes(user=user)
    response = ics_response(body, "calendar.ics", attachment=False)
    response["X-Robots-Tag"] = "noindex"
    return response
