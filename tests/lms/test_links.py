"""Absolute links follow the request where there is one, else LMS_BASE_URL, which
defaults to the HOST and PORT the server runs on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.test import RequestFactory

from lms.links import absolute_url
from notifications.tasks import deliver_pending
from tests.badges.factories import badge_class
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _base_url_in_a_process_with(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("LMS_BASE_URL", "HOST", "PORT")}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from lms.links import absolute_url; print(absolute_url('/learn/'))",
        ],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_without_lms_base_url_links_follow_the_port_the_server_runs_on():
    assert _base_url_in_a_process_with({"PORT": "9001"}) == "http://127.0.0.1:9001/learn/"
    assert (
        _base_url_in_a_process_with({"HOST": "0.0.0.0", "PORT": "9002"})  # noqa: S104
        == "http://127.0.0.1:9002/learn/"
    )
    assert (
        _base_url_in_a_process_with({"LMS_BASE_URL": "https://lms.example.org", "PORT": "9001"})
        == "https://lms.example.org/learn/"
    )


def test_a_link_built_with_a_request_uses_its_host_and_scheme(settings):
    settings.ALLOWED_HOSTS = ["lms.example.org"]
    request = RequestFactory().get("/", HTTP_HOST="lms.example.org:8443", secure=True)
    assert absolute_url("/learn/", request) == "https://lms.example.org:8443/learn/"
    assert absolute_url("https://elsewhere.example/x", request) == "https://elsewhere.example/x"


def test_the_calendar_feed_address_uses_the_host_of_the_request(api, settings):
    settings.ALLOWED_HOSTS = ["lms.example.org"]
    api.force_authenticate(UserFactory())
    response = api.get("/api/v1/me/calendar-feed/", HTTP_HOST="lms.example.org:8443")
    assert response.json()["url"].startswith("http://lms.example.org:8443/calendar/")


def test_an_email_sent_by_a_task_links_to_lms_base_url(settings, cohort, enrolment):
    from badges import services

    settings.LMS_BASE_URL = "http://127.0.0.1:9001"
    manual = badge_class(cohort.course, name="Helpful peer")
    instructor = UserFactory()
    cohort.instructors.add(instructor)
    award = services.award_grant(
        badge_class=manual, recipient=enrolment.user, cohort=cohort, by=instructor, note="n"
    )
    mail.outbox.clear()
    deliver_pending()
    assert f"http://127.0.0.1:9001/badges/awards/{award.uuid}/" in mail.outbox[-1].body
