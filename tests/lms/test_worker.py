"""Celery through a real worker process on the Redis broker, against the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from cohorts import services
from cohorts.tasks import send_waitlist_promotion_email
from lms.celery import app
from lms.models import SentEmail
from tests.factories import CohortFactory, UserFactory, course_page

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path, settings):
    """A `celery worker` subprocess on the test database; emails land in files."""
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.control.purge()
    db = connection.settings_dict
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
        "LMS_VAR_DIR": str(tmp_path / "var"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        yield mail_dir
    finally:
        process.terminate()
        process.wait(timeout=30)
        app.conf.task_always_eager = True


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_promotion_email_goes_out_through_the_worker_exactly_once(worker):
    cohort = CohortFactory(course=course_page(modules=1, lessons=1), capacity=1)
    holder = services.enrolment_create(cohort=cohort, user=UserFactory())
    waiting = services.enrolment_create(cohort=cohort, user=UserFactory(language="nl"))

    services.enrolment_leave(enrolment=holder, by=holder.user)  # enqueues on commit

    key = f"waitlist-promoted:{waiting.pk}"
    assert wait_until(lambda: SentEmail.objects.filter(key=key).exists())
    send_waitlist_promotion_email.delay(waiting.pk)  # the same message delivered again
    assert wait_until(_broker_drained)
    assert SentEmail.objects.filter(key=key).count() == 1
    emails = list(worker.iterdir())
    assert len(emails) == 1
    assert waiting.user.email in emails[0].read_text()


def _broker_drained() -> bool:
    """Nothing waiting and nothing delivered-but-unacknowledged (acks are late)."""
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        return client.llen("celery") == 0 and client.hlen("unacked") == 0
