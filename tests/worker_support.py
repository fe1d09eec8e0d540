"""A real `celery worker` process on the Redis broker, against the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from lms.celery import app


def _more_env(request) -> dict[str, str]:
    """What the test module adds to the worker's environment with a ``worker_env``
    fixture of its own (a dict of variables); nothing where it has none."""
    try:
        return dict(request.getfixturevalue("worker_env"))
    except pytest.FixtureLookupError:
        return {}


@pytest.fixture
def worker(tmp_path, settings, request):
    """A `celery worker` subprocess on the test database; emails land in files. A test
    module gives it more environment (a payment provider's address...) by defining a
    ``worker_env`` fixture."""
    more = _more_env(request)
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
        **more,
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
        cwd=Path(__file__).resolve().parents[1],
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


def broker_drained() -> bool:
    """Nothing waiting and nothing delivered-but-unacknowledged (acks are late)."""
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        return client.llen("celery") == 0 and client.hlen("unacked") == 0
