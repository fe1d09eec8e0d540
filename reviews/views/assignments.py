"""The pages of the "assignments" URL namespace that show an assignment together with
its reviews and grade: one assignment as a student sees it (hand-in, versions, feedback,
grade) and the instructors' overview. They live here, above assignments, because they
read reviews; reviews.assignment_urls puts them under their assignments: names.
Thin: one selector or service per request; DomainErrors become 4xx pages in
lms.middleware, except a refused hand-in, which comes back with the typed text kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assignments.services import submission_submit
from cohorts.selectors import cohort_get
from lms.errors import DomainError, ValidationFailed
from reviews.forms import HandInForm, reviewer_files_note
from reviews.selectors import (
    AssignmentView,
    assignment_view_get,
    assignments_overview,
    criterion_scores,
    self_review_open,
)


def _apply_domain_error(form: HandInForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _detail_context(view: AssignmentView, form: HandInForm | None) -> dict:
    """What the assignment page shows besides the selector's view: scores laid out per
    criterion, and the self-assessment still to write."""
    received = [
        {
            "label": r.label,
            "review": r.review,
            "scores": criterion_scores(criteria=r.review.rubric.criteria, scores=r.review.scores),
        }
        for r in view.received
    ]
    self_review = view.self_review
    assignment = view.slot.assignment
    return {
        "reviewer_files_note": reviewer_files_note()
        if assignment.accepts_file and assignment.peer_reviews
        else "",
        "view": view,
        "cohort": view.cohort,
        "form": form,
        "received": received,
        "self_scores": criterion_scores(
            criteria=self_review.rubric.criteria, scores=self_review.scores
        )
        if self_review
        else [],
        "self_review_open": self_review_open(submission=view.submission),
        "grade_scores": criterion_scores(
            criteria=view.grade.rubric.criteria, scores=view.grade.criteria
        )
        if view.grade
        else [],
    }


def _render_detail(request: HttpRequest, view: AssignmentView, form: HandInForm | None, status):
    if not view.readable:
        # Title and unlock moment only, as for a locked lesson.
        return render(
            request, "assignments/detail.html", {"view": view, "cohort": view.cohort}, status=403
        )
    if form is None and view.can_submit:
        form = HandInForm(assignment=view.slot.assignment)
    return render(request, "assignments/detail.html", _detail_context(view, form), status=status)


@login_required
def detail(request: HttpRequest, cohort_id: int, assignment_id: int) -> HttpResponse:
    view = assignment_view_get(cohort_id=cohort_id, assignment_id=assignment_id, user=request.user)
    return _render_detail(request, view, None, status=200)


@login_required
@require_POST
def submit(request: HttpRequest, cohort_id: int, assignment_id: int) -> HttpResponse:
    view = assignment_view_get(cohort_id=cohort_id, assignment_id=assignment_id, user=request.user)
    form = HandInForm(request.POST, request.FILES, assignment=view.slot.assignment)
    if form.is_valid():
        try:
            version = submission_submit(
                cohort=view.cohort,
                assignment_id=assignment_id,
                author=request.user,
                text=form.cleaned_data.get("text", ""),
                link=form.cleaned_data.get("link", ""),
                file=form.cleaned_data.get("file"),
            )
        except ValidationFailed as exc:
            # Shown on the page with the text kept; other errors (closed, locked, not a
            # student) are not about the input and go to the error page.
            _apply_domain_error(form, exc)
        else:
            if version.number == 1:
                messages.success(request, _("Your work is handed in."))
            else:
                messages.success(
                    request,
                    _("Version %(n)s is handed in; it replaces the earlier ones.")
                    % {"n": version.number},
                )
            url = reverse("assignments:detail", args=[cohort_id, assignment_id])
            return redirect(f"{url}#versions-heading")
    return _render_detail(request, view, form, status=400)


@login_required
def overview(request: HttpRequest, cohort_id: int) -> HttpResponse:
    now = timezone.now()
    progress = assignments_overview(cohort_id=cohort_id, user=request.user, now=now)
    rows = [
        {"progress": p, "waited": timesince(now - p.oldest_wait, now) if p.oldest_wait else ""}
        for p in progress
    ]
    return render(
        request,
        "assignments/overview.html",
        {"rows": rows, "cohort": cohort_get(cohort_id=cohort_id)},
    )
