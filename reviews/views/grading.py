"""HTML pages for instructors: the grading queue, "grade next", the grading page, and
taking work off the queue or answering a regrade request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assignments.services import rubric_criteria
from cohorts.selectors import cohort_get
from lms.errors import ValidationFailed
from reviews import selectors, services
from reviews.forms import (
    GradeForm,
    RegradeAnswerForm,
    ResolveForm,
    first_error,
    form_input,
    rubric_rows,
)
from reviews.models import QueueReason, ReviewStatus


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@login_required
def queue(request: HttpRequest, cohort_id: int) -> HttpResponse:
    data = selectors.queue_get(cohort_id=cohort_id, user=request.user, page=_page_number(request))
    oldest = timesince(data.now - data.oldest_wait, data.now) if data.oldest_wait else ""
    return render(
        request, "reviews/queue.html", {"queue": data, "cohort": data.cohort, "oldest": oldest}
    )


@login_required
@require_POST
def grade_next(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = cohort_get(cohort_id=cohort_id)
    item = services.queue_claim_next(cohort=cohort, by=request.user)
    if item is None:
        messages.info(request, _("Nothing is waiting: the queue is empty."))
        return redirect("reviews:queue", cohort_id=cohort_id)
    return redirect("reviews:grade", cohort_id=cohort_id, submission_id=item.submission_id)


@login_required
@require_http_methods(["GET", "POST"])
def grade(request: HttpRequest, cohort_id: int, submission_id: int) -> HttpResponse:
    """Everything about one submission, names included, and the grading form against
    the assignment's current rubric."""
    view = selectors.grading_view_get(
        cohort_id=cohort_id, submission_id=submission_id, user=request.user
    )
    version = view.grade_version
    shown = {
        "entered": view.grade.criteria if view.grade else None,
        "feedback": view.grade.feedback if view.grade else "",
        "release": "now",
        "release_at": "",
        "reason": "",
        "seen_version": "" if version is None else str(version),
    }
    error = ""
    status = 200
    if request.method == "POST":
        form = GradeForm(request.POST, criteria=view.rubric_criteria)
        shown = form.shown()
        if not form.is_valid():
            error, status = first_error(form), 400
        else:
            data = form.cleaned_data
            try:
                result = services.submission_grade(
                    submission=view.submission,
                    by=request.user,
                    scores=form.scores(),
                    feedback=data["feedback"],
                    release_at=data["release_moment"],
                    reason=data["reason"],
                    seen_version=form.seen_version_value(services.ANY_VERSION),
                )
            except ValidationFailed as exc:
                error, status = exc.message, 400
            else:
                if result.released_at is not None:
                    messages.success(request, _("The grade is saved and released to the student."))
                else:
                    when = date_format(timezone.localtime(result.release_at), "DATETIME_FORMAT")
                    messages.success(
                        request,
                        _("The grade is saved; the student sees it from %(when)s.")
                        % {"when": when},
                    )
                return redirect("reviews:queue", cohort_id=cohort_id)
    reviews = [
        {
            "review": r,
            "scores": selectors.criterion_scores(criteria=r.rubric.criteria, scores=r.scores)
            if r.status == ReviewStatus.SUBMITTED
            else [],
        }
        for r in view.reviews
    ]
    context = {
        "view": view,
        "cohort": view.cohort,
        "reviews": reviews,
        "grade_scores": selectors.criterion_scores(
            criteria=view.grade.rubric.criteria, scores=view.grade.criteria
        )
        if view.grade
        else [],
        "reason_labels": [
            QueueReason(r).label for r in view.item.reasons if r in QueueReason.values
        ]
        if view.item
        else [],
        "fields": rubric_rows(view.rubric_criteria, shown["entered"]),
        # The values the grading form shows (the page writes its own inputs).
        "form": shown,
        "error": error,
        "now": timezone.now(),
    }
    return render(request, "reviews/grade.html", context, status=status)


@login_required
@require_POST
def release_item(request: HttpRequest, cohort_id: int, item_id: int) -> HttpResponse:
    item = selectors.queue_item_get(cohort_id=cohort_id, item_id=item_id, user=request.user)
    services.queue_item_release(item=item, by=request.user)
    messages.info(request, _("The submission is back in the queue for anyone to grade."))
    return redirect("reviews:queue", cohort_id=cohort_id)


@login_required
@require_POST
def resolve_item(request: HttpRequest, cohort_id: int, item_id: int) -> HttpResponse:
    """Take graded work off the queue keeping its grade, e.g. after a flag that needed
    no change."""
    item = selectors.queue_item_get(cohort_id=cohort_id, item_id=item_id, user=request.user)
    data = form_input(ResolveForm(request.POST))
    services.queue_item_resolve(item=item, by=request.user, note=data["note"])
    messages.success(request, _("Taken off the queue; the grade stays as it is."))
    return redirect("reviews:queue", cohort_id=cohort_id)


@login_required
@require_POST
def answer_regrade(request: HttpRequest, cohort_id: int, regrade_id: int) -> HttpResponse:
    """Answer a regrade request. With "keep" the grade stays; otherwise the rubric
    levels sent along regrade the submission and the answer becomes its feedback."""
    regrade = selectors.regrade_get(cohort_id=cohort_id, regrade_id=regrade_id, user=request.user)
    criteria = rubric_criteria(assignment=regrade.submission.cohort_assignment.assignment)
    form = RegradeAnswerForm(request.POST, criteria=criteria)
    data = form_input(form)
    services.regrade_answer(
        regrade=regrade, by=request.user, answer=data["answer"], scores=form.scores()
    )
    messages.success(request, _("Your answer is sent to the student."))
    return redirect("reviews:queue", cohort_id=cohort_id)
