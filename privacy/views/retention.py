"""Staff page: what the retention jobs removed, when, and with which periods."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from privacy.models import RetentionRun
from privacy.views.staff import privacy_staff_required


@privacy_staff_required
@require_GET
def staff_retention(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/staff_retention.html",
        {"runs": RetentionRun.objects.all()[:60], "periods": settings.LMS_PRIVACY},
    )


urlpatterns = [path("staff/retention/", staff_retention, name="staff_retention")]
