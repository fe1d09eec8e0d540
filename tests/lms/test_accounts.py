import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from lms.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"


def signup_data(**changes) -> dict:
    return {
        "username": "newbie",
        "email": "Newbie@Example.org",
        "display_name": "New Bie",
        "password": PASSWORD,
        **changes,
    }


def form_errors(response) -> list[str]:
    return [m for messages in response.context["form"].errors.values() for m in messages]


def test_signing_up_creates_the_account_and_logs_in(client):
    response = client.post(reverse("signup"), signup_data())
    assert response.status_code == 302
    assert response.url == "/"
    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.org"
    assert user.check_password(PASSWORD)
    assert get_user(client).pk == user.pk


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("/learn/", "/learn/"), ("https://evil.example/", "/"), ("//evil.example/", "/")],
)
def test_signing_up_returns_only_to_a_page_of_this_site(client, next_url, expected):
    response = client.post(f"{reverse('signup')}?next={next_url}", signup_data())
    assert response.status_code == 302
    assert response.url == expected


def test_an_email_address_in_use_is_refused_with_a_way_out(client):
    UserFactory(username="first", email="newbie@example.org")
    response = client.post(reverse("signup"), signup_data())
    assert response.status_code == 400
    assert form_errors(response) == [
        "An account with this email address exists already; log in instead."
    ]
    assert not User.objects.filter(username="newbie").exists()
    assert not get_user(client).is_authenticated


def test_a_username_in_use_is_refused(client):
    UserFactory(username="Newbie")
    response = client.post(reverse("signup"), signup_data(email="other@example.org"))
    assert response.status_code == 400
    assert form_errors(response) == ["That username is taken; choose another."]


@pytest.mark.parametrize("password", ["short", "12345678901", "password123"])
def test_a_weak_password_is_refused(client, password):
    response = client.post(reverse("signup"), signup_data(password=password))
    assert response.status_code == 400
    assert "password" in response.context["form"].errors
    assert not User.objects.exists()


def test_a_signed_in_user_is_sent_on_from_the_signup_page(client, student):
    client.force_login(student)
    response = client.get(reverse("signup"))
    assert response.status_code == 302
    assert response.url == reverse("cohorts:my_cohorts")


def test_preferences_save_name_timezone_and_language(client, student):
    client.force_login(student)
    assert client.get(reverse("preferences")).status_code == 200
    response = client.post(
        reverse("preferences"),
        {"display_name": " Sam S. ", "timezone": "America/New_York", "language": "nl"},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.display_name, student.timezone, student.language) == (
        "Sam S.",
        "America/New_York",
        "nl",
    )


def test_an_unknown_timezone_is_not_saved(client, student):
    client.force_login(student)
    response = client.post(reverse("preferences"), {"timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "timezone" in response.context["form"].errors
    student.refresh_from_db()
    assert student.timezone == ""


def test_preferences_need_a_login(client, db):
    response = client.get(reverse("preferences"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_who_chose_dutch_gets_pages_in_dutch(client, db):
    client.force_login(UserFactory(language="nl"))
    response = client.get(reverse("cohorts:my_cohorts"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "nl"
    assert response["Content-Language"] == "nl"
    assert '<html lang="nl"' in response.content.decode()


def test_a_visitor_without_a_choice_gets_the_browser_language(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl")
    assert response["Content-Language"] == "nl"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "en"


def test_times_are_shown_in_the_profile_timezone_else_the_browser_one(client, db, settings):
    response = client.get(reverse("login"))
    assert response.wsgi_request.viewer_timezone == settings.LMS_DEFAULT_VIEWER_TIMEZONE

    client.cookies["lms_tz"] = "Asia/Tokyo"
    assert client.get(reverse("login")).wsgi_request.viewer_timezone == "Asia/Tokyo"

    client.cookies["lms_tz"] = "Not/AZone"
    response = client.get(reverse("login"))
    assert response.wsgi_request.viewer_timezone == settings.LMS_DEFAULT_VIEWER_TIMEZONE

    client.force_login(UserFactory(timezone="America/New_York"))
    client.cookies["lms_tz"] = "Asia/Tokyo"
    assert client.get(reverse("login")).wsgi_request.viewer_timezone == "America/New_York"


def test_a_stored_timezone_that_no_longer_exists_falls_back_instead_of_failing(client, settings):
    # Saved outside the services (an import, or a zone dropped from tzdata).
    client.force_login(UserFactory(timezone="Mars/Olympus"))
    response = client.get(reverse("cohorts:my_cohorts"))
    assert response.status_code == 200
    assert response.wsgi_request.viewer_timezone == settings.LMS_DEFAULT_VIEWER_TIMEZONE
