"""A cohort's dashboard and module pages: they show live sessions, assignments, reviews
and badges beside the cohort's own progress, so they live above all of those apps.
Thin: one selector, render. DomainErrors become 4xx pages in lms.middleware."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from home import selectors


@login_required
def dashboard(request: HttpRequest, cohort_id: int) -> HttpResponse:
    now = timezone.now()
    page = selectors.cohort_dashboard_get(cohort_id=cohort_id, user=request.user, now=now)
    return render(
        request,
        "cohorts/dashboard.html",
        {
            "board": page.board,
            "cohort": page.board.cohort,
            "work": page.work,
            "badges": page.badges,
            "now": now,
            "sessions": page.sessions,
            "hello": page.hello,
        },
    )


@login_required
def module(request: HttpRequest, cohort_id: int, module_id: int) -> HttpResponse:
    page = selectors.module_page_get(cohort_id=cohort_id, module_id=module_id, user=request.user)
    return render(
        request,
        "cohorts/module.html",
        {"view": page.view, "cohort": page.view.cohort, "assignments": page.assignments},
    )
