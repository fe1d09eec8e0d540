"""Repeated wrong passwords lock a username out from one address (django-axes), on the
sign-in page and on the API token endpoint alike."""

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
TOKEN_URL = "/api/v1/auth/token/"
LOCKED = "Too many failed sign-in attempts. Try again in 15 minutes or reset your password."


@pytest.fixture(autouse=True)
def _default_limits(settings):
    settings.LMS_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    settings.LMS_LOGIN_ADDRESS_FAILURE_LIMIT = 50
    settings.LMS_LOGIN_LOCKOUT_MINUTES = 15
    settings.LMS_TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def sam(db):
    return UserFactory(username="sam")


def log_in(client, username="sam", password="wrong", address="10.0.0.1", **extra):  # noqa: S107
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def ask_token(api, username="sam", password="wrong", address="10.0.0.1", **extra):  # noqa: S107
    return api.post(
        TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def test_wrong_passwords_lock_the_sign_in_page_for_that_username_and_address(client, sam):
    for _attempt in range(4):
        assert log_in(client).status_code == 200
    response = log_in(client)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert LOCKED in page
    assert "<html" in page and reverse("password_reset") in page

    # Even the right password is refused until the lockout ends.
    response = log_in(client, password=PASSWORD)
    assert response.status_code == 429
    assert not get_user(client).is_authenticated


def test_a_lockout_leaves_the_same_username_from_another_address_alone(client, sam):
    for _attempt in range(5):
        log_in(client, address="10.0.0.1")
    response = log_in(client, password=PASSWORD, address="10.0.0.2")
    assert response.status_code == 302
    assert get_user(client) == sam


def test_a_lockout_leaves_other_usernames_from_the_same_address_alone(client, sam):
    UserFactory(username="kim")
    for _attempt in range(5):
        log_in(client, username="sam")
    response = log_in(client, username="kim", password=PASSWORD)
    assert response.status_code == 302
    assert get_user(client).username == "kim"


def test_many_usernames_tried_from_one_address_lock_that_address(client, settings, sam):
    settings.LMS_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for name in ["ann", "bob", "cat", "dan", "eve", "fay"]:
        assert log_in(client, username=name).status_code in (200, 429)
    assert log_in(client, password=PASSWORD).status_code == 429
    assert log_in(client, password=PASSWORD, address="10.0.0.2").status_code == 302


def test_a_successful_sign_in_clears_the_failures_of_that_username_and_address(client, sam):
    for _attempt in range(4):
        log_in(client)
    assert log_in(client, password=PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert log_in(client).status_code == 200
    assert log_in(client, password=PASSWORD).status_code == 302


def test_the_address_is_read_from_x_forwarded_for_only_behind_a_trusted_proxy(
    client, settings, sam
):
    # No proxy: anyone can write X-Forwarded-For, so it does not move the lockout.
    for n in range(5):
        log_in(client, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert log_in(client, password=PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429

    # One trusted proxy: the address it appended is the client's.
    settings.LMS_TRUSTED_PROXY_COUNT = 1
    for _attempt in range(5):
        log_in(client, address="10.9.9.9", HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.7")
    locked = log_in(
        client, password=PASSWORD, address="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert locked.status_code == 429
    other = log_in(
        client, password=PASSWORD, address="10.9.9.9", HTTP_X_FORWARDED_FOR="198.51.100.8"
    )
    assert other.status_code == 302


# --- The API token endpoint ---------------------------------------------------------------


def test_wrong_passwords_lock_the_token_endpoint_too(api, sam):
    for _attempt in range(4):
        assert ask_token(api).status_code == 400
    response = ask_token(api)
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED, "code": "locked_out"}
    assert response["Retry-After"] == "900"

    response = ask_token(api, password=PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert not sam.auth_token_set.exists()


def test_failures_on_the_sign_in_page_and_the_api_add_up(client, api, sam):
    for _attempt in range(3):
        log_in(client)
    for _attempt in range(2):
        ask_token(api)
    assert ask_token(api, password=PASSWORD).status_code == 429
    assert log_in(client, password=PASSWORD).status_code == 429


def test_token_requests_are_throttled_per_address(api, sam, monkeypatch):
    from lms.api import TokenRateThrottle

    monkeypatch.setitem(TokenRateThrottle.THROTTLE_RATES, "api_token", "3/minute")
    for _attempt in range(3):
        assert ask_token(api, password=PASSWORD).status_code == 200
    response = ask_token(api, password=PASSWORD)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert "Try again" in body["detail"]
    assert int(response["Retry-After"]) > 0
    assert sam.auth_token_set.count() == 3
    assert ask_token(api, password=PASSWORD, address="10.0.0.2").status_code == 200
