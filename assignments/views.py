"""HTML pages for assignments: the cohort's list, one assignment as a student sees it
(hand-in, versions, feedback, grade), file downloads and the instructors' overview.
Thin: one selector or service per request; DomainErrors become 4xx pages in
lms.middleware, except a refused hand-in, which comes back with the typed text kept."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assignments import downloads, selectors, services
from cms.models import AssignmentPage
from cohorts.selectors import cohort_get
from lms.errors import DomainError, ValidationFailed
from reviews.selectors import (
    AssignmentView,
    assignment_view_get,
    assignments_overview,
    criterion_scores,
    self_review_open,
)


class HandInForm(forms.Form):
    """Only the kinds of work the assignment takes. The rules (types, sizes, links, the
    deadline) are the service's: the form only carries the input to it."""

    text = forms.CharField(
        label=gettext_lazy("Your text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    link = forms.CharField(
        label=gettext_lazy("Link"),
        required=False,
        help_text=gettext_lazy("A web address starting with https:// or http://."),
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
    )
    file = forms.FileField(label=gettext_lazy("File"), required=False, allow_empty_file=True)

    def __init__(self, *args, assignment: AssignmentPage, **kwargs):
        super().__init__(*args, **kwargs)
        for name, accepted in (
            ("text", assignment.accepts_text),
            ("link", assignment.accepts_link),
            ("file", assignment.accepts_file),
        ):
            if not accepted:
                del self.fields[name]
        if "file" in self.fields:
            extensions = [e.strip().lower() for e in settings.LMS_SUBMISSION_EXTENSIONS if e]
            self.fields["file"].help_text = _("One of: %(types)s. At most %(limit)s.") % {
                "types": ", ".join(extensions),
                "limit": filesizeformat(settings.LMS_SUBMISSION_MAX_BYTES),
            }
            self.fields["file"].widget.attrs["accept"] = ",".join(f".{e}" for e in extensions)
            if assignment.peer_reviews:
                self.fields["file"].help_text += " " + reviewer_files_note()


def reviewer_files_note() -> str:
    """What peer reviewers get of a handed-in file, said where the author chooses it."""
    types = selectors.submission_file_types()
    note = _(
        "Peer reviewers get %(types)s files as a copy without the document's properties "
        "(such as its author)."
    ) % {"types": ", ".join(f".{e}" for e in types.shared)}
    if types.withheld:
        note += " " + _(
            "They do not get %(types)s files: those cannot be made anonymous, so reviewers "
            "see your text and link only. Instructors always get your file as handed in."
        ) % {"types": ", ".join(f".{e}" for e in types.withheld)}
    return note


def _apply_domain_error(form: forms.Form, exc: DomainError) -> None:
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
def assignment_list(request: HttpRequest, cohort_id: int) -> HttpResponse:
    now = timezone.now()
    data = selectors.assignment_list_get(cohort_id=cohort_id, user=request.user, now=now)
    return render(
        request, "assignments/list.html", {"data": data, "cohort": data.cohort, "now": now}
    )


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
            version = services.submission_submit(
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
def version_file(
    request: HttpRequest, cohort_id: int, submission_id: int, number: int
) -> HttpResponse:
    version, filename = selectors.version_file_get(
        user=request.user, cohort_id=cohort_id, submission_id=submission_id, number=number
    )
    return downloads.file_response(version.file, filename)


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
