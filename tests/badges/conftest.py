import pytest


@pytest.fixture
def base_url(settings):
    settings.LMS_BASE_URL = "https://lms.example.org"
    return "https://lms.example.org"
