import pytest

from tests.api.scene import build_scene


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
def scene(db, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://lms.example.org"
    return build_scene()
