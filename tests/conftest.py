import os

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


def pytest_collection_modifyitems(config, items):
    """Service-needing tests are skipped with a visible reason where the service is
    absent, and fail instead when the run says it must have them (CI)."""
    require = {m.strip() for m in os.environ.get("LMS_REQUIRE_TEST_SERVICES", "").split(",") if m}
    for item in items:
        for marker, reason in _missing_services().items():
            if marker in item.keywords and marker not in require:
                item.add_marker(pytest.mark.skip(reason=reason))


def _missing_services() -> dict[str, str]:
    from django.conf import settings

    missing = {}
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        missing["postgres"] = "needs PostgreSQL: run with DATABASE_URL=postgres://..."
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        missing["worker"] = "needs a Redis broker: run with CELERY_BROKER_URL=redis://..."
    if not os.path.exists(os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")):
        missing["browser"] = "needs Debian's chromium: apt-get install chromium"
    if not os.path.exists(validator_python()):
        missing["validator"] = "needs the Open Badges validator: make validator"
    return missing


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
