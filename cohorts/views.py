"""HTML pages for students and instructors. Thin: check access, call one selector or
service, render. DomainErrors become 4xx pages in lms.middleware. A cohort's dashboard
and module pages show other apps' facts too, so they are served by home."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cms.models import LessonPage
from cohorts import selectors, services
from cohorts.models import EnrolmentStatus
from cohorts.seats import enrolment_start, seat_policy
from lms.errors import DomainError, NotFound, TooManyAttempts
from lms.links import base_url


@login_required
def my_cohorts(request: HttpRequest) -> HttpResponse:
    enrolments = selectors.my_enrolments(user=request.user)
    # A seat held while paying links to its order: pay now, or see the invoice (one
    # query, only when a seat is held).
    held = any(e.status == EnrolmentStatus.PENDING_PAYMENT for e in enrolments)
    pending = seat_policy().pending_payments(user=request.user) if held else {}
    for enrolment in enrolments:
        enrolment.pending_order = pending.get(enrolment.pk)
    return render(
        request,
        "cohorts/my_cohorts.html",
        {
            "enrolments": enrolments,
            "taught": selectors.taught_cohorts(user=request.user),
        },
    )


def _enrol_choices(request: HttpRequest) -> tuple[str, int]:
    code = request.POST.get("coupon", "")[:40].strip()
    instalments = request.POST.get("instalments", "1")
    return code, int(instalments) if instalments.isdigit() and len(instalments) < 3 else 0


def _enrol_page(
    request: HttpRequest,
    cohort_id: int,
    *,
    code: str = "",
    instalments: int = 1,
    preview=None,
    error: DomainError | None = None,
) -> HttpResponse:
    """The enrol form of the course page on a page of its own: the price with the code
    and plan applied, or why the code or plan cannot be used, at the field."""
    listing = selectors.cohort_listing_get(cohort_id=cohort_id, user=request.user)
    response = render(
        request,
        "cohorts/enrol.html",
        {
            "listing": listing,
            "cohort": listing.cohort,
            "preview": preview,
            "enrol_error": error,
            "coupon_value": code,
            "instalments_value": instalments,
        },
        status=error.status_code if error is not None else 200,
    )
    if isinstance(error, TooManyAttempts):
        response["Retry-After"] = str(error.retry_after)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def enrol_check(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Check a code before enrolling: the price with the code, early-bird and plan
    applied. Nothing is held."""
    cohort = selectors.cohort_get(cohort_id=cohort_id)
    services.cohort_seat_sale_check(cohort=cohort)
    code, instalments = _enrol_choices(request) if request.method == "POST" else ("", 1)
    policy = seat_policy()
    try:
        with policy.code_attempt(request=request, code=code):
            preview = policy.quote(cohort=cohort, coupon_code=code, instalments=instalments)
    except DomainError as error:
        if error.field not in ("coupon", "instalments"):
            raise
        return _enrol_page(request, cohort_id, code=code, instalments=instalments, error=error)
    return _enrol_page(request, cohort_id, code=code, instalments=instalments, preview=preview)


@login_required
@require_POST
def enrol(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Take a seat; in a paid cohort the seat is held and the student goes on to pay
    (Stripe Checkout, or the invoice page). A code or plan that cannot be used is
    shown at the field of the enrol form, with nothing held."""
    cohort = selectors.cohort_get(cohort_id=cohort_id)
    code, instalments = _enrol_choices(request)
    try:
        with seat_policy().code_attempt(request=request, code=code):
            start = enrolment_start(
                cohort=cohort,
                user=request.user,
                coupon_code=code,
                instalments=instalments,
                base_url=base_url(request),
            )
    except DomainError as error:
        if error.field not in ("coupon", "instalments"):
            raise
        return _enrol_page(request, cohort_id, code=code, instalments=instalments, error=error)
    if start.pay_url:
        if start.problem is not None:
            messages.error(request, start.problem.message)
        return redirect(start.pay_url)
    enrolment = start.enrolment
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        position = selectors.waitlist_position(enrolment=enrolment)
        messages.info(
            request,
            _(
                "This cohort is full. You are number %(position)s on the waitlist; we will "
                "email you when a seat is yours."
            )
            % {"position": position},
        )
        return redirect("cohorts:my_cohorts")
    messages.success(request, _("Welcome to %(cohort)s!") % {"cohort": cohort.name})
    return redirect("cohorts:dashboard", cohort_id=cohort.pk)


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, cohort_id: int) -> HttpResponse:
    enrolment = selectors.my_enrolment_get(user=request.user, cohort_id=cohort_id)
    if not enrolment.can_leave:
        raise NotFound(_("You have no seat or waitlist place in this cohort to give up."))
    cohort = enrolment.cohort
    if request.method == "POST":
        services.enrolment_leave(enrolment=enrolment, by=request.user)
        messages.success(request, _("You have left %(cohort)s.") % {"cohort": cohort.name})
        return redirect("cohorts:my_cohorts")
    return render(request, "cohorts/leave.html", {"cohort": cohort, "enrolment": enrolment})


@login_required
def lesson(request: HttpRequest, cohort_id: int, lesson_id: int) -> HttpResponse:
    view = selectors.lesson_view_get(cohort_id=cohort_id, lesson_id=lesson_id, user=request.user)
    return render(
        request,
        "cohorts/lesson.html",
        {"view": view, "cohort": view.cohort},
        status=200 if view.readable else 403,
    )


@login_required
@require_POST
def lesson_progress(request: HttpRequest, cohort_id: int, lesson_id: int) -> HttpResponse:
    view = selectors.lesson_view_get(cohort_id=cohort_id, lesson_id=lesson_id, user=request.user)
    if view.access.enrolment is None:
        raise NotFound(_("Only students of this cohort record progress here."))
    lesson_page: LessonPage = view.lesson
    if request.POST.get("completed") == "1":
        services.lesson_mark_complete(enrolment=view.access.enrolment, lesson=lesson_page)
    else:
        services.lesson_mark_incomplete(enrolment=view.access.enrolment, lesson=lesson_page)
    return redirect("cohorts:lesson", cohort_id=cohort_id, lesson_id=lesson_id)


@login_required
def roster(request: HttpRequest, cohort_id: int) -> HttpResponse:
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    behind_only = request.GET.get("behind") == "1"
    data = selectors.roster_get(
        cohort_id=cohort_id, user=request.user, page=page, behind_only=behind_only
    )
    return render(
        request,
        "cohorts/roster.html",
        {"roster": data, "cohort": data.cohort, "behind_only": behind_only},
    )
