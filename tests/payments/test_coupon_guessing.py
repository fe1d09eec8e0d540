"""Guessing coupon codes is slowed down: codes that did not work are counted per user
and per client address, in the API and the HTML enrol form alike; past the limit every
code is refused with 429 and Retry-After, and nothing is held. Codes that work are not
counted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from payments.models import Coupon, Order
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUOTE = "/api/v1/payments/quote/"


@pytest.fixture
def scholarship(db):
    return Coupon.objects.create(code="FULLRIDE", percent_off=100)


def quote(client, cohort, code, **extra):
    return client.get(QUOTE, {"cohort": cohort.pk, "coupon": code}, **extra)


def guess_wrong(client, cohort, times, **extra):
    for n in range(times):
        response = quote(client, cohort, f"GUESS{n}", **extra)
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "coupon_invalid"


def assert_too_many(response):
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_codes"
    assert response.json()["detail"].startswith("Too many codes tried; try again in")
    assert 0 < int(response["Retry-After"]) <= 3600


def test_after_ten_wrong_codes_a_user_gets_429_even_for_a_valid_code(
    client, paid_cohort, scholarship
):
    client.force_login(UserFactory())
    guess_wrong(client, paid_cohort, 10)
    response = quote(client, paid_cohort, "FULLRIDE")
    assert_too_many(response)
    assert "60 minutes" in response.json()["detail"]
    # Asking for the price without a code still works.
    assert client.get(QUOTE, {"cohort": paid_cohort.pk}).status_code == 200


def test_wrong_codes_from_one_address_are_counted_across_users(client, paid_cohort, scholarship):
    for _ in range(3):
        client.force_login(UserFactory())
        guess_wrong(client, paid_cohort, 10)
    client.force_login(UserFactory())
    assert_too_many(quote(client, paid_cohort, "FULLRIDE"))


def test_a_class_behind_one_address_using_the_right_code_all_get_through(client, paid_cohort, db):
    Coupon.objects.create(code="CLASS2030", percent_off=20)
    for _ in range(40):
        client.force_login(UserFactory())
        assert quote(client, paid_cohort, "CLASS2030").status_code == 200
    assert quote(client, paid_cohort, "TYPO").status_code == 400


def test_the_enrol_api_is_throttled_and_holds_nothing(client, paid_cohort, scholarship):
    client.force_login(UserFactory())
    for n in range(10):
        response = client.post(
            f"/api/v1/cohorts/{paid_cohort.pk}/enrol/",
            {"coupon": f"GUESS{n}"},
            content_type="application/json",
        )
        assert response.status_code == 400
    response = client.post(
        f"/api/v1/cohorts/{paid_cohort.pk}/enrol/",
        {"coupon": "FULLRIDE"},
        content_type="application/json",
    )
    assert_too_many(response)
    assert not paid_cohort.enrolments.exists() and not Order.objects.exists()


def test_the_html_enrol_form_shares_the_counter_and_says_when_to_try_again(
    client, paid_cohort, scholarship
):
    client.force_login(UserFactory())
    guess_wrong(client, paid_cohort, 6)
    for n in range(4):
        response = client.post(
            reverse("cohorts:enrol_check", args=[paid_cohort.pk]), {"coupon": f"WRONG{n}"}
        )
        assert response.status_code == 400
    response = client.post(reverse("cohorts:enrol", args=[paid_cohort.pk]), {"coupon": "FULLRIDE"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "Too many codes tried; try again in 60 minutes." in html
    assert 'name="coupon"' in html  # the form, not a bare error page
    assert not paid_cohort.enrolments.exists() and not Order.objects.exists()
    assert_too_many(quote(client, paid_cohort, "FULLRIDE"))


def test_behind_a_configured_proxy_the_forwarded_address_is_counted(
    client, paid_cohort, scholarship, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.LMS_COUPON_FAILURES_PER_ADDRESS = 3
    office = {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    for _ in range(3):
        client.force_login(UserFactory())
        guess_wrong(client, paid_cohort, 1, **office)
    client.force_login(UserFactory())
    assert_too_many(quote(client, paid_cohort, "FULLRIDE", **office))
    elsewhere = quote(client, paid_cohort, "FULLRIDE", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert elsewhere.status_code == 200


def test_the_failure_count_can_be_shared_between_web_processes(monkeypatch):
    import runpy
    from pathlib import Path

    settings_file = Path(__file__).resolve().parents[2] / "lms" / "settings.py"
    monkeypatch.setenv("LMS_CACHE_URL", "redis://127.0.0.1:6379/11")
    cache = runpy.run_path(str(settings_file))["CACHES"]["default"]
    assert cache["BACKEND"].endswith("RedisCache") and cache["LOCATION"].endswith("/11")
