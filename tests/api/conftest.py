import pytest

from tests.api.scene import build_scene


@pytest.fixture
def scene(db, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://lms.example.org"
    return build_scene()
