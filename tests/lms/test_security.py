"""Production hardening: the Content-Security-Policy of the site and of the admin, the
deployment checklist, request size limits, the cache and the offline API docs."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from assignments.models import Submission
from lms.middleware import RequestSizeLimitMiddleware, request_body_limit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "LMS_ENV": "production",
    "DJANGO_SECRET_KEY": "test-only-dummy-secret-not-used-anywhere-0123456789abc",
    "DJANGO_ALLOWED_HOSTS": "lms.example.org",
}


def _directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Content-Security-Policy ------------------------------------------------------------


def test_site_pages_carry_a_strict_content_security_policy(client, course):
    response = client.get(reverse("login"))

    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'self'" in policy["form-action"]
    # Lesson videos are YouTube and Vimeo frames (cms VideoBlock).
    assert {"https://www.youtube.com", "https://player.vimeo.com"} <= set(policy["frame-src"])


def test_the_admin_has_its_own_policy_that_loads_nothing_from_elsewhere(client):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/admin/")

    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    # Wagtail's widgets need inline scripts (tests/browser/test_csp.py), nothing more.
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]


def test_the_api_docs_load_swagger_ui_from_this_site_not_a_cdn(client):
    response = client.get("/api/v1/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn.jsdelivr.net" not in html and "@latest" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<script>" not in html  # the start-up script comes from a URL
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


# --- Deployment checklist ---------------------------------------------------------------


def test_the_production_settings_pass_the_deployment_checklist():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def _settings(env: dict[str, str], *names: str) -> list[str]:
    """The settings as a process started with this environment sees them."""
    code = "from django.conf import settings; " + "; ".join(
        f"print(settings.{name})" for name in names
    )
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-len(names) :]


def test_hsts_is_a_year_in_production_none_in_development_and_settable():
    hsts_and_redirect = ("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT")
    assert _settings(PRODUCTION_ENV, *hsts_and_redirect) == ["31536000", "True"]
    assert _settings({}, *hsts_and_redirect) == ["0", "False"]
    env = {
        **PRODUCTION_ENV,
        "DJANGO_SECURE_HSTS_SECONDS": "3600",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    assert _settings(env, *hsts_and_redirect) == ["3600", "False"]


def test_the_cache_is_shared_redis_when_lms_cache_url_says_so():
    backend = "CACHES['default']['BACKEND']"
    assert "RedisCache" in _settings({"LMS_CACHE_URL": "redis://127.0.0.1:6379/10"}, backend)[0]
    assert "LocMemCache" in _settings({}, backend)[0]


# --- Request size -----------------------------------------------------------------------


@pytest.fixture
def small_limits(settings):
    settings.LMS_REQUEST_MAX_BYTES = 1_000
    settings.LMS_SUBMISSION_MAX_BYTES = 5_000
    settings.LMS_UPLOAD_FORM_OVERHEAD_BYTES = 500
    return settings


def test_each_path_accepts_its_largest_upload_plus_form_room(small_limits):
    assert request_body_limit("/learn/4/assignments/7/submit/") == 5_500
    assert request_body_limit("/api/v1/cohorts/4/assignments/7/submission/") == 5_500
    assert request_body_limit("/admin/documents/add/") == 20 * 1024 * 1024 + 500
    assert request_body_limit("/accounts/signup/") == 1_000


def test_a_hand_in_over_the_limit_is_refused_with_413_and_nothing_is_saved(
    client, enrolment, small_limits
):
    client.force_login(enrolment.user)
    response = client.post(
        f"/learn/{enrolment.cohort_id}/assignments/1/submit/",
        b"x" * 6_000,
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
    assert "at most 5.4" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_form_over_the_general_limit_is_refused_and_one_under_it_goes_through(
    client, small_limits
):
    assert client.post("/accounts/signup/", {"username": "x" * 2_000}).status_code == 413
    # Reaches the view, which answers with the form's errors.
    assert client.post("/accounts/signup/", {"username": "x" * 10}).status_code == 400


def test_the_api_answers_413_in_its_error_shape(api, small_limits):
    response = api.post("/api/v1/auth/token/", {"username": "x" * 2_000}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def _chunked_request(body: bytes):
    request = RequestFactory().post("/accounts/signup/", b"", content_type="text/plain")
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input_terminated"] = True
    request.META["wsgi.input"] = io.BytesIO(body)
    return request


def test_a_body_without_length_is_cut_off_once_it_passes_the_limit(small_limits):
    seen = []
    middleware = RequestSizeLimitMiddleware(lambda request: seen.append(request) or HttpResponse())

    refused = middleware(_chunked_request(b"x" * 1_001))
    assert refused.status_code == 413
    assert seen == []

    accepted = middleware(_chunked_request(b"y" * 1_000))
    assert accepted.status_code == 200
    assert seen[0].body == b"y" * 1_000
    assert seen[0].META["CONTENT_LENGTH"] == "1000"
