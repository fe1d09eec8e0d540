"""HTML pages for peer review and grading: the reviews a student owes, the review form,
feedback ratings, flags and regrade requests, and the instructors' queue and grading
page. Thin: one selector or service per request; DomainErrors become 4xx pages in
lms.middleware, except refused rubric scores, which come back with the input kept."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assignments.downloads import file_response
from assignments.selectors import my_submission_get
from assignments.services import rubric_criteria
from cohorts.selectors import cohort_get
from lms.errors import NotFound, ValidationFailed
from reviews import selectors, services
from reviews.models import QueueReason, Review, ReviewKind, ReviewStatus


def _page_number(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _scores_from(post: QueryDict, criteria: list[dict]) -> dict[str, dict]:
    """The rubric part of a review or grading form: one radio group ("score-<id>", the
    level's points) and one comment ("comment-<id>") per criterion. The service checks
    the points against the rubric."""
    return {
        c["id"]: {
            "points": post.get(f"score-{c['id']}", ""),
            "comment": post.get(f"comment-{c['id']}", ""),
        }
        for c in criteria
    }


def _rubric_fields(criteria: list[dict], entered: dict[str, dict] | None) -> list[dict]:
    """Each criterion with what the form shows in it: the chosen level's points (an int,
    to compare with the levels') and the comment."""
    entered = entered or {}
    rows = []
    for criterion in criteria:
        given = entered.get(criterion["id"]) or {}
        try:
            points = float(given.get("points"))
        except (TypeError, ValueError):
            points = None
        # A peer median between two levels (2.5) preselects nothing.
        selected = int(points) if points is not None and points.is_integer() else None
        rows.append(
            {"criterion": criterion, "selected": selected, "comment": given.get("comment", "")}
        )
    return rows


def _assignment_url(cohort_id: int, assignment_id: int, anchor: str = "") -> str:
    url = reverse("assignments:detail", args=[cohort_id, assignment_id])
    return f"{url}#{anchor}" if anchor else url


# --- Students: reviews to give ----------------------------------------------------------


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
        entered = _scores_from(request.POST, review.rubric.criteria)
        comment = request.POST.get("comment", "")
        try:
            services.review_submit(review=review, by=request.user, scores=entered, comment=comment)
        except ValidationFailed as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, _("Thank you: your review is submitted."))
            if review.kind == ReviewKind.SELF:
                run = review.submission.cohort_assignment
                return redirect(_assignment_url(cohort_id, run.assignment_id, "self-heading"))
            return redirect("reviews:my_reviews", cohort_id=cohort_id)
    version = (
        selectors.review_version(review=review) if review.status != ReviewStatus.EXPIRED else None
    )
    context = {
        "review": review,
        "cohort": review.submission.cohort_assignment.cohort,
        "assignment": review.submission.cohort_assignment.assignment,
        "version": version,
        "fields": _rubric_fields(review.rubric.criteria, entered),
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


# --- Students: feedback received --------------------------------------------------------


def _received(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> Review:
    review = selectors.received_review_get(review_id=review_id, user=request.user)
    if review.submission.cohort_assignment.cohort_id != cohort_id:
        raise NotFound(_("You received no review with that id."))
    return review


@login_required
@require_POST
def rate(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> HttpResponse:
    review = _received(request, cohort_id, review_id)
    try:
        helpfulness: int | None = int(request.POST.get("helpfulness", ""))
    except ValueError:
        helpfulness = None  # the service says what it takes
    services.review_rate(review=review, by=request.user, helpfulness=helpfulness)
    messages.success(request, _("Thank you for rating this review."))
    run = review.submission.cohort_assignment
    return redirect(_assignment_url(cohort_id, run.assignment_id, f"review-{review.public_id}"))


@login_required
@require_POST
def flag(request: HttpRequest, cohort_id: int, review_id: uuid.UUID) -> HttpResponse:
    review = _received(request, cohort_id, review_id)
    services.review_flag(review=review, by=request.user, reason=request.POST.get("reason", ""))
    messages.success(
        request, _("The review is reported. An instructor will look at it and at your work.")
    )
    run = review.submission.cohort_assignment
    return redirect(_assignment_url(cohort_id, run.assignment_id, f"review-{review.public_id}"))


@login_required
@require_POST
def regrade(request: HttpRequest, cohort_id: int, submission_id: int) -> HttpResponse:
    submission = my_submission_get(
        cohort_id=cohort_id, submission_id=submission_id, user=request.user
    )
    services.regrade_request(
        submission=submission, by=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Your regrade request is sent. An instructor will answer it here."))
    return redirect(
        _assignment_url(cohort_id, submission.cohort_assignment.assignment_id, "grade-heading")
    )


# --- Instructors: queue and grading -----------------------------------------------------


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


def _release_at(post: QueryDict) -> dt.datetime | None:
    """ "Now" (None) or the datetime-local moment, read in the viewer's timezone."""
    if post.get("release") != "later":
        return None
    try:
        moment = dt.datetime.fromisoformat(post.get("release_at", ""))
    except ValueError:
        raise ValidationFailed(
            _("Choose the day and time to release the feedback, or release it now."),
            field="release_at",
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def _seen_version(post: QueryDict) -> int | object | None:
    """The grade version the form was opened on ("": no grade yet). A form without the
    field does not ask for the check."""
    raw = post.get("seen_version")
    if raw is None:
        return services.ANY_VERSION
    try:
        return int(raw) if raw else None
    except ValueError:
        return None  # an unknown version: refused if a grade exists meanwhile


@login_required
@require_http_methods(["GET", "POST"])
def grade(request: HttpRequest, cohort_id: int, submission_id: int) -> HttpResponse:
    """Everything about one submission, names included, and the grading form against
    the assignment's current rubric."""
    view = selectors.grading_view_get(
        cohort_id=cohort_id, submission_id=submission_id, user=request.user
    )
    version = view.grade_version
    form = {
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
        form = {
            "entered": _scores_from(request.POST, view.rubric_criteria),
            "feedback": request.POST.get("feedback", ""),
            "release": "later" if request.POST.get("release") == "later" else "now",
            "release_at": request.POST.get("release_at", ""),
            "reason": request.POST.get("reason", ""),
            # Kept through a refused save: the check is against what the grader saw.
            "seen_version": request.POST.get("seen_version", ""),
        }
        try:
            result = services.submission_grade(
                submission=view.submission,
                by=request.user,
                scores=form["entered"],
                feedback=form["feedback"],
                release_at=_release_at(request.POST),
                reason=form["reason"],
                seen_version=_seen_version(request.POST),
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
                    _("The grade is saved; the student sees it from %(when)s.") % {"when": when},
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
        "fields": _rubric_fields(view.rubric_criteria, form["entered"]),
        "form": form,
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
    services.queue_item_resolve(item=item, by=request.user, note=request.POST.get("note", ""))
    messages.success(request, _("Taken off the queue; the grade stays as it is."))
    return redirect("reviews:queue", cohort_id=cohort_id)


@login_required
@require_POST
def answer_regrade(request: HttpRequest, cohort_id: int, regrade_id: int) -> HttpResponse:
    """Answer a regrade request. With "keep" the grade stays; otherwise the rubric
    levels sent along regrade the submission and the answer becomes its feedback."""
    regrade = selectors.regrade_get(cohort_id=cohort_id, regrade_id=regrade_id, user=request.user)
    scores = None
    if request.POST.get("keep") != "1":
        criteria = rubric_criteria(assignment=regrade.submission.cohort_assignment.assignment)
        scores = _scores_from(request.POST, criteria)
    services.regrade_answer(
        regrade=regrade, by=request.user, answer=request.POST.get("answer", ""), scores=scores
    )
    messages.success(request, _("Your answer is sent to the student."))
    return redirect("reviews:queue", cohort_id=cohort_id)
