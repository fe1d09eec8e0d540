"""HTML pages for assignments: the cohort's list and the download of handed-in files.
The assignment page itself (hand-in, feedback, grade) and the instructors' overview show
reviews, so reviews serves them (reviews.views.assignments), under the same
assignments: names. Thin: one selector per request; DomainErrors become 4xx pages in
lms.middleware."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from assignments import downloads, selectors


@login_required
def assignment_list(request: HttpRequest, cohort_id: int) -> HttpResponse:
    now = timezone.now()
    data = selectors.assignment_list_get(cohort_id=cohort_id, user=request.user, now=now)
    return render(
        request, "assignments/list.html", {"data": data, "cohort": data.cohort, "now": now}
    )


@login_required
def version_file(
    request: HttpRequest, cohort_id: int, submission_id: int, number: int
) -> HttpResponse:
    version, filename = selectors.version_file_get(
        user=request.user, cohort_id=cohort_id, submission_id=submission_id, number=number
    )
    return downloads.file_response(version.file, filename)
