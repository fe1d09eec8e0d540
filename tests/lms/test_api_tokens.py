"""API tokens: hashed, expiring, listed and revoked by their owner, revoked by a new
password."""

import datetime as dt

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lms.models import ApiToken
from lms.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
PASSWORD = "correct horse battery"


@pytest.fixture
def sam(db):
    return UserFactory(username="sam")


def take_token(api, **extra) -> dict:
    response = api.post(
        f"{API}/auth/token/", {"username": "sam", "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def works(api, key: str) -> bool:
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    status = api.get(f"{API}/me/").status_code
    api.credentials()
    assert status in (200, 401)
    return status == 200


def test_a_token_expires_after_the_configured_days_and_is_stored_hashed(api, sam, settings):
    settings.LMS_API_TOKEN_TTL_DAYS = 90
    body = take_token(api, name="grading script")
    assert set(body) == {"token", "expiry"}
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert dt.timedelta(days=89) < expiry - timezone.now() <= dt.timedelta(days=90)
    [row] = ApiToken.objects.filter(user=sam)
    assert row.name == "grading script"
    assert body["token"] not in {row.digest, row.token_key}
    assert works(api, body["token"])


def test_a_token_lifetime_of_zero_days_means_no_expiry(api, sam, settings):
    settings.LMS_API_TOKEN_TTL_DAYS = 0
    assert take_token(api)["expiry"] is None


def test_an_expired_token_no_longer_works(api, sam):
    token, key = api_token_create(user=sam)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert not works(api, key)


def test_using_a_token_records_when_it_was_last_used(api, sam):
    token, key = api_token_create(user=sam)
    assert token.last_used_at is None
    assert works(api, key)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_owner_lists_their_tokens_without_the_keys(api, sam):
    first, first_key = api_token_create(user=sam, name="laptop")
    _second, second_key = api_token_create(user=sam)
    api_token_create(user=UserFactory())
    api.credentials(HTTP_AUTHORIZATION=f"Token {second_key}")
    response = api.get(f"{API}/auth/tokens/")
    assert response.status_code == 200
    rows = response.json()
    assert [r["current"] for r in rows] == [True, False]
    assert rows[1]["id"] == first.pk
    assert rows[1]["name"] == "laptop"
    assert rows[1]["prefix"] == first_key[:8]
    assert first_key not in response.content.decode()
    assert set(rows[0]) == {"id", "name", "prefix", "created", "last_used_at", "expiry", "current"}


def test_revoking_one_token_stops_it_and_only_it(api, sam):
    first, first_key = api_token_create(user=sam)
    _second, second_key = api_token_create(user=sam)
    api.credentials(HTTP_AUTHORIZATION=f"Token {second_key}")
    assert api.delete(f"{API}/auth/tokens/{first.pk}/").status_code == 204
    assert not works(api, first_key)
    assert works(api, second_key)


def test_nobody_revokes_another_persons_token(api, sam):
    theirs, their_key = api_token_create(user=UserFactory())
    api.force_authenticate(sam)
    response = api.delete(f"{API}/auth/tokens/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    api.force_authenticate(None)
    assert works(api, their_key)


def test_revoke_all_and_logout(api, sam):
    _a, key_a = api_token_create(user=sam)
    _b, key_b = api_token_create(user=sam)
    _c, key_c = api_token_create(user=sam)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key_a}")
    assert api.post(f"{API}/auth/logout/").status_code == 204
    assert not works(api, key_a)
    assert works(api, key_b)

    api.credentials(HTTP_AUTHORIZATION=f"Token {key_b}")
    assert api.post(f"{API}/auth/tokens/revoke-all/").status_code == 204
    assert not works(api, key_b) and not works(api, key_c)
    assert not ApiToken.objects.filter(user=sam).exists()


def test_logout_without_a_token_says_there_is_nothing_to_log_out(api, sam):
    api.force_authenticate(sam)
    response = api.post(f"{API}/auth/logout/")
    assert response.status_code == 400
    assert response.json()["code"] == "no_token"


def test_changing_the_password_revokes_every_token(client, api, sam):
    _token, key = api_token_create(user=sam)
    client.force_login(sam)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert not works(api, key)


def test_resetting_the_password_revokes_every_token(client, api, sam):
    _token, key = api_token_create(user=sam)
    uid = urlsafe_base64_encode(force_bytes(sam.pk))
    link = reverse(
        "password_reset_confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(sam)},
    )
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(
        form_url,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert not works(api, key)


def test_an_unused_token_changes_nothing_on_password_reset_of_someone_else(client, api, sam):
    other = UserFactory()
    _token, key = api_token_create(user=sam)
    client.force_login(other)
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert works(api, key)


# --- The page under /accounts/ ------------------------------------------------------------


def test_the_tokens_page_lists_and_revokes(client, api, sam, django_assert_max_num_queries):
    laptop, laptop_key = api_token_create(user=sam, name="laptop")
    _phone, phone_key = api_token_create(user=sam, name="phone")
    theirs, their_key = api_token_create(user=UserFactory())
    client.force_login(sam)
    assert reverse("api_tokens") in client.get(reverse("preferences")).content.decode()

    with django_assert_max_num_queries(8):
        page = client.get(reverse("api_tokens"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "laptop" in html and "phone" in html and laptop_key[:8] in html
    assert laptop_key not in html and theirs.token_key[:8] not in html

    response = client.post(reverse("api_token_revoke", args=[laptop.pk]))
    assert response.status_code == 302
    assert not works(api, laptop_key) and works(api, phone_key)

    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404
    assert works(api, their_key)

    assert client.post(reverse("api_tokens_revoke_all")).status_code == 302
    assert not works(api, phone_key) and works(api, their_key)


def test_the_tokens_page_needs_a_login(client, db):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_token_endpoints_are_in_the_api_schema(db):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths["/api/v1/auth/token/"]) == {"post"}
    assert set(paths["/api/v1/auth/tokens/"]) == {"get"}
    assert set(paths["/api/v1/auth/tokens/{token_id}/"]) == {"delete"}
    assert set(paths["/api/v1/auth/tokens/revoke-all/"]) == {"post"}
    assert set(paths["/api/v1/auth/logout/"]) == {"post"}


def test_a_password_set_by_staff_or_on_the_command_line_revokes_every_token(api, sam):
    # The admin's user form and `manage.py changepassword` both end in set_password()
    # and save(), without the account pages' views.
    _token, key = api_token_create(user=sam)
    other = UserFactory()
    _other_token, other_key = api_token_create(user=other)
    sam.set_password("a brand new passphrase")
    sam.save()
    assert not works(api, key)
    assert works(api, other_key)


def test_saving_a_user_without_a_new_password_keeps_their_tokens(api, sam):
    _token, key = api_token_create(user=sam)
    sam.first_name = "Sam"
    sam.save()
    assert works(api, key)
