"""HTML pages for students: the reviews they owe, the review form, and what they do with
feedback received (rate it, flag it, ask for a regrade)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assignments.downloads import file_response
from assignments.selectors import my_submission_get
from lms.errors import NotFound, ValidationFailed
from reviews import selectors, services
from reviews.forms import (
    FlagForm,
    RateForm,
    RegradeRequestForm,
    ReviewForm,
    first_error,
    form_input,
    rubric_rows,
)
from reviews.models import Review, ReviewKind, ReviewStatus


def assignment_url(cohort_id: int, assignment_id: int, anchor: str = "") -> str:
    url = reverse("assignments:detail", args=[cohort_id, assignment_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
def my_reviews(request: HttpRequest, cohort_id: int) -> HttpResponse:
    owed = selectors.my_reviews(cohort_id=cohort_id, user=request.user)
    return render(request, "reviews/my_reviews.html", {"owed": owed, "cohort": owed.cohort})


def _own_review(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> Review:
    review = selectors.review_get(review_id=review_id, user=request.user)
    if review.submission.cohort_assignment.cohort_id != cohort_id:
        raise NotFound(_("You have no review with that id."))
    return review


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> HttpResponse:
    """The review form. The reviewer sees the work and never who made it: no name, no
    original file name, no file size; the file downloads under a neutral name."""
    review = _own_review(request, cohort_id, review_id)
    entered: dict[str, dict] | None = review.scores or None
    comment = review.comment
    error = ""
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST, criteria=review.rubric.criteria)
        entered, comment = form.scores(), form["comment"].value() or ""
        if not form.is_valid():
            error, status = first_error(form), 400
        else:
            try:
                services.review_submit(
                    review=review, by=request.user, scores=entered, comment=comment
                )
            except ValidationFailed as exc:
                error, status = exc.message, 400
            else:
                messages.success(request, _("Thank you: your review is submitted."))
                if review.kind == ReviewKind.SELF:
                    run = review.submission.cohort_assignment
                    return redirect(assignment_url(cohort_id, run.assignment_id, "self-heading"))
                return redirect("reviews:my_reviews", cohort_id=cohort_id)
    version = (
        selectors.review_version(review=review) if review.status != ReviewStatus.EXPIRED else None
    )
    context = {
        "review": review,
        "cohort": review.submission.cohort_assignment.cohort,
        "assignment": review.submission.cohort_assignment.assignment,
        "version": version,
        "fields": rubric_rows(review.rubric.criteria, entered),
        "comment": comment,
        "error": error,
        "scores": selectors.criterion_scores(criteria=review.rubric.criteria, scores=review.scores)
        if review.status == ReviewStatus.SUBMITTED
        else [],
    }
    return render(request, "reviews/review.html", context, status=status)


@login_required
def review_file(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> HttpResponse:
    """The work's file without its document metadata, under a neutral name."""
    _own_review(request, cohort_id, review_id)
    file, filename = services.review_file_prepare(review_id=review_id, user=request.user)
    return file_response(file, filename)


def _received(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> Review:
    review = selectors.received_review_get(review_id=review_id, user=request.user)
    if review.submission.cohort_assignment.cohort_id != cohort_id:
        raise NotFound(_("You received no review with that id."))
    return review


@login_required
@require_POST
def rate(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> HttpResponse:
    review = _received(request, cohort_id, review_id)
    data = form_input(RateForm(request.POST))
    services.review_rate(review=review, by=request.user, helpfulness=data["helpfulness"])
    messages.success(request, _("Thank you for rating this review."))
    run = review.submission.cohort_assignment
    return redirect(assignment_url(cohort_id, run.assignment_id, f"review-{review.public_id}"))


@login_required
@require_POST
def flag(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> HttpResponse:
    review = _received(request, cohort_id, review_id)
    data = form_input(FlagForm(request.POST))
    services.review_flag(review=review, by=request.user, reason=data["reason"])
    messages.success(
        request, _("The review is reported. An instructor will look at it and at your work.")
    )
    run = review.submission.cohort_assignment
    return redirect(assignment_url(cohort_id, run.assignment_id, f"review-{review.public_id}"))


@login_required
@require_POST
def regrade(request: HttpRequest, cohort_id: int, submission_id: int) -> HttpResponse:
    submission = my_submission_get(
        cohort_id=cohort_id, submission_id=submission_id, user=request.user
    )
    data = form_input(RegradeRequestForm(request.POST))
    services.regrade_request(submission=submission, by=request.user, reason=data["reason"])
    messages.success(request, _("Your regrade request is sent. An instructor will answer it here."))
    return redirect(
        assignment_url(cohort_id, submission.cohort_assignment.assignment_id, "grade-heading")
    )
