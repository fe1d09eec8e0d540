"""Staff page: what the retention jobs removed, when, and with which periods."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from privacy.models import RetentionRun

PERMISSION = "privacy.manage_privacy_requests"


@login_required
@require_GET
def staff_retention(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise Http404
    return render(
        request,
        "privacy/staff_retention.html",
        {"runs": RetentionRun.objects.all()[:60], "periods": settings.LMS_PRIVACY},
    )


urlpatterns = [path("staff/retention/", staff_retention, name="staff_retention")]
