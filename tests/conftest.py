import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from django.db import connection
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page

# Property tests never fail on wall-clock time: hypothesis' default 200 ms deadline per
# example fails them on a loaded machine (the examples stay derandomised and bounded).
hypothesis_settings.register_profile("lms", deadline=None)
hypothesis_settings.load_profile("lms")

SERVICES = ("postgres", "worker", "browser", "validator")


def _required_services() -> set[str]:
    """The services LMS_REQUIRE_TEST_SERVICES names (CI): a misspelt one is an error,
    not a requirement silently dropped."""
    named = {m.strip() for m in os.environ.get("LMS_REQUIRE_TEST_SERVICES", "").split(",")}
    named.discard("")
    unknown = sorted(named - set(SERVICES))
    if unknown:
        raise pytest.UsageError(
            f"LMS_REQUIRE_TEST_SERVICES names unknown services: {', '.join(unknown)} "
            f"(known: {', '.join(SERVICES)})."
        )
    return named


def pytest_sessionstart(session):
    """A required service must answer before anything runs: configured is not enough
    (a database server that is down, a broker on the wrong port, a chromium that does
    not start would otherwise fail test after test, or pass tests that never reached
    it). Checked once, by the process that runs or hands out the tests."""
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: checked already
        return
    missing = _missing_services()
    problems = []
    for service in sorted(_required_services()):
        problem = missing.get(service) or _not_answering(service)
        if problem:
            problems.append(f"{service}: {problem}")
    if problems:
        raise pytest.UsageError(
            "LMS_REQUIRE_TEST_SERVICES requires services that do not answer:\n  "
            + "\n  ".join(problems)
        )


def pytest_collection_modifyitems(config, items):
    """Service-needing tests are skipped with a visible reason where the service is
    absent, and fail instead when the run says it must have them (CI)."""
    require = _required_services()
    for item in items:
        for marker, reason in _missing_services().items():
            if marker in item.keywords and marker not in require:
                item.add_marker(pytest.mark.skip(reason=reason))


def _not_answering(service: str) -> str | None:
    """Why a configured service does not answer, or None when it does."""
    return {
        "postgres": _postgres_problem,
        "worker": _broker_problem,
        "browser": _chromium_problem,
        "validator": _validator_problem,
    }[service]()


def _postgres_problem() -> str | None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        # The server's own database, as Django uses to create the test database.
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    try:
        with psycopg.connect(**{k: v for k, v in params.items() if v}) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
        return f"PostgreSQL at {where} does not answer: {str(exc).strip()}"
    return None


def _broker_problem() -> str | None:
    import redis
    from django.conf import settings

    url = urlsplit(settings.CELERY_BROKER_URL)
    where = f"{url.hostname}:{url.port or 6379}"  # not the URL: it may hold a password
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=5, socket_timeout=5
        )
        client.ping()
    except redis.RedisError as exc:
        return f"the Redis broker at {where} does not answer a PING: {exc}"
    return None


def _chromium_problem() -> str | None:
    try:
        done = subprocess.run(
            [chromium_path(), "--headless", "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{chromium_path()} does not run: {exc}"
    if done.returncode != 0 or not any(c.isdigit() for c in done.stdout):
        output = (done.stdout + done.stderr).strip()[-500:]
        return f"{chromium_path()} --version failed (exit status {done.returncode}): {output}"
    return None


def _validator_problem() -> str | None:
    # Loads the validator the way the validator tests run it, without validating.
    runner = Path(__file__).with_name("badges") / "ob_validate.py"
    try:
        done = subprocess.run(
            [validator_python(), "-c", f"import runpy; runpy.run_path({str(runner)!r})"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{validator_python()} does not run: {exc}"
    if done.returncode != 0:
        return f"{validator_python()} cannot load the validator: {done.stderr.strip()[-500:]}"
    return None


def _missing_services() -> dict[str, str]:
    from django.conf import settings

    missing = {}
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        missing["postgres"] = "needs PostgreSQL: run with DATABASE_URL=postgres://..."
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        missing["worker"] = "needs a Redis broker: run with CELERY_BROKER_URL=redis://..."
    if not os.path.exists(chromium_path()):
        missing["browser"] = "needs Debian's chromium: apt-get install chromium"
    if not os.path.exists(validator_python()):
        missing["validator"] = "needs the Open Badges validator: make validator"
    return missing


def chromium_path() -> str:
    return os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")


def validator_python() -> str:
    """The interpreter of the virtualenv that holds the Open Badges validator."""
    from django.conf import settings

    return os.environ.get(
        "LMS_OB_VALIDATOR_PYTHON", str(settings.BASE_DIR / ".venv-obv" / "bin" / "python")
    )


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in-process unless a test asks for the real worker."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from lms.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every factory user gets a password; the default hasher costs ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_caches():
    # Wagtail caches site roots and renditions by id; ids repeat after each rollback.
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # A request in Dutch leaves Dutch active in this thread; the next test starts clean.
    yield
    from django.utils import translation

    translation.activate("en")


@pytest.fixture(autouse=True)
def submissions_dir(settings, tmp_path):
    """Handed-in files go to a fresh directory per test, never to var/."""
    location = tmp_path / "submissions"
    settings.STORAGES = {
        **settings.STORAGES,
        "submissions": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    """Uploaded images and documents (badge images, lesson media) go to a fresh
    directory per test, never to var/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def course(db):
    return course_page()


@pytest.fixture
def cohort(course):
    return CohortFactory(course=course)


@pytest.fixture
def student(db):
    return UserFactory(username="sam")


@pytest.fixture
def enrolment(cohort, student):
    return EnrolmentFactory(cohort=cohort, user=student)


@pytest.fixture
def instructor(cohort):
    user = UserFactory(username="ines")
    cohort.instructors.add(user)
    return user


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
