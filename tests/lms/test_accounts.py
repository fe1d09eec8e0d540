import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.core import mail
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


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """Post the sign-up form; its email goes out on commit."""

    def post(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("signup"), signup_data(**changes))

    return post


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def activation_link(message) -> str:
    [link] = [line for line in message.body.splitlines() if "/accounts/activate/" in line]
    return link.strip().removeprefix(settings.WAGTAILADMIN_BASE_URL.rstrip("/"))


def test_signing_up_opens_an_inactive_account_and_emails_its_activation_link(client, sign_up):
    response = sign_up()
    assert response.status_code == 302
    assert response.url == reverse("signup_sent")
    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.org"
    assert user.check_password(PASSWORD)
    assert not user.is_active
    assert not get_user(client).is_authenticated
    [message] = mail.outbox
    assert message.to == ["newbie@example.org"]
    assert "Confirm your email address" in message.subject

    link = activation_link(message)
    assert client.get(link).status_code == 200  # a mail scanner's visit changes nothing
    user.refresh_from_db()
    assert not user.is_active
    response = client.post(link)
    assert response.status_code == 302
    assert response.url == reverse("login")
    user.refresh_from_db()
    assert user.is_active
    response = client.post(reverse("login"), {"username": "newbie", "password": PASSWORD})
    assert response.status_code == 302


def test_an_activation_link_works_once(client, sign_up):
    sign_up()
    link = activation_link(mail.outbox[0])
    client.post(link)
    response = client.post(link)
    assert response.status_code == 400
    assert "This confirmation link is not valid" in response.content.decode()


def test_a_forged_activation_link_activates_nothing(client, sign_up):
    sign_up()
    user = User.objects.get(username="newbie")
    uid = activation_link(mail.outbox[0]).split("/")[3]
    response = client.post(reverse("signup_activate", args=[uid, "abc-0123456789abcdef"]))
    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.is_active


def test_an_email_address_in_use_gets_the_same_answer_and_its_owner_an_email(client, sign_up):
    fresh = sign_up(username="fresh", email="fresh@example.org")
    fresh_page = without_csrf_token(client.get(fresh.url))
    mail.outbox.clear()

    owner = UserFactory(username="first", email="newbie@example.org")
    response = sign_up(email="NEWBIE@example.org")
    assert (response.status_code, response.url) == (fresh.status_code, fresh.url)
    assert without_csrf_token(client.get(response.url)) == fresh_page
    assert not User.objects.filter(username="newbie").exists()
    assert not get_user(client).is_authenticated

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "Someone tried to sign up" in message.subject
    assert "Your username: first" in message.body
    assert reverse("password_reset") in message.body
    assert "/accounts/activate/" not in message.body

    # Once an hour at most: the form is no way to flood someone's inbox.
    sign_up(username="again")
    assert len(mail.outbox) == 1


def test_signing_up_again_with_an_address_waiting_for_confirmation_resends_the_link(
    client, sign_up
):
    sign_up()
    mail.outbox.clear()
    sign_up(username="newbie2")
    [message] = mail.outbox
    assert "Your username: newbie" in message.body
    client.post(activation_link(message))
    assert User.objects.get(username="newbie").is_active
    assert not User.objects.filter(username="newbie2").exists()


def test_a_username_in_use_is_refused(client, sign_up):
    UserFactory(username="Newbie")
    response = sign_up(email="other@example.org")
    assert response.status_code == 400
    assert form_errors(response) == ["That username is taken; choose another."]
    assert not mail.outbox


@pytest.mark.parametrize(
    "username", ["<script>alert(1)</script>", "ab", "x" * 31, "sam smith", "s\u0430m"]
)
def test_a_username_outside_letters_digits_and_a_few_signs_is_refused_at_the_field(
    client, sign_up, username
):
    response = sign_up(username=username)
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [
        "Choose a username of 3 to 30 characters: letters, digits and @ . + - _ only."
    ]
    assert not User.objects.exists()
    assert not mail.outbox


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


def test_a_confirmation_email_whose_task_was_lost_is_sent_by_the_sweep(client):
    """The sign-up commits, but its email task never runs (a worker died, the broker
    restarted): the sweep sends it once, while the link would still work."""
    import datetime as dt

    from django.utils import timezone

    from lms.services import activation_emails_resume

    client.post(reverse("signup"), signup_data())  # no on-commit callback runs here
    assert mail.outbox == []
    user = User.objects.get(username="newbie")
    assert activation_emails_resume() == 0  # its own task may still be on its way
    later = timezone.now() + dt.timedelta(minutes=5)
    assert activation_emails_resume(now=later) == 1
    [message] = mail.outbox
    assert message.to == [user.email] and "Confirm your email address" in message.subject
    assert activation_emails_resume(now=later) == 0  # sent: never again
    too_late = timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    User.objects.filter(pk=user.pk).update(email="other@example.org")
    assert activation_emails_resume(now=too_late) == 0
