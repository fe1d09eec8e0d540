import pytest


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    """Badge images go to a fresh directory per test, never to var/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def base_url(settings):
    settings.LMS_BASE_URL = "https://lms.example.org"
    return "https://lms.example.org"
