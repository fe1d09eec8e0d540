"""Malformed input is the sender's mistake: a 4xx with a message, nothing written,
never a server error. Checked once for all endpoints by the project's JSON parser and
the control-character middleware."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from cohorts.models import Enrolment
from lms.models import User
from lms.parsers import MAX_JSON_DEPTH
from payments.models import Deferral

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(api, student):
    api.force_authenticate(student)
    return api


def json_endpoints(cohort) -> list[tuple[str, str]]:
    return [
        ("patch", reverse("api-me")),
        ("post", reverse("api-enrol", args=[cohort.pk])),
        ("put", reverse("api-notification-preferences")),
        ("post", reverse("api-deferrals")),
        ("post", reverse("api-token")),
    ]


@pytest.mark.parametrize("body", ["[" * 5000, "[" * 5000 + "]" * 5000, '{"a":' * 5000])
def test_deeply_nested_json_is_refused_with_a_message_on_every_endpoint(
    signed_in, cohort, student, body
):
    for method, url in json_endpoints(cohort):
        response = getattr(signed_in, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert response.json()["code"] == "parse_error" or "detail" in response.json()
        assert "JSON" in response.json()["detail"], url
    assert not Enrolment.objects.filter(user=student).exists()


def test_json_just_within_the_depth_limit_reaches_the_endpoint(signed_in):
    body = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    body = json.dumps({"display_name": "Sam", "extra": json.loads(body)})
    response = signed_in.patch(reverse("api-me"), body, content_type="application/json")
    assert response.status_code == 200


def test_json_one_level_too_deep_is_refused(signed_in):
    too_deep = json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    body = json.dumps({"display_name": "Sam", "extra": too_deep})
    response = signed_in.patch(reverse("api-me"), body, content_type="application/json")
    assert response.status_code == 400
    assert str(MAX_JSON_DEPTH) in response.json()["detail"]


def test_a_json_body_larger_than_django_accepts_is_refused(signed_in, settings, student):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"display_name": "x" * 2000})
    response = signed_in.patch(reverse("api-me"), body, content_type="application/json")
    # Django itself refuses the body when it was read as a whole (400); the parser,
    # which reads the stream, does so with 413 and a message.
    assert response.status_code in (400, 413)
    student.refresh_from_db()
    assert student.display_name == "Sam"


@pytest.mark.parametrize("text", ["Sam\x00", "\x01Sam", "S\x1bam", "Sam\x7f\x00"])
def test_a_control_character_in_a_json_string_is_refused(signed_in, student, text):
    response = signed_in.patch(reverse("api-me"), {"display_name": text}, format="json")
    assert response.status_code == 400
    assert "display_name" in response.json()["detail"]
    assert "control character" in response.json()["detail"]
    student.refresh_from_db()
    assert student.display_name == "Sam"


def test_a_control_character_deep_in_a_json_body_names_the_field(signed_in, cohort):
    body = [{"kind": "session_reminder", "delivery": "email\x00"}]
    response = signed_in.put(reverse("api-notification-preferences"), body, format="json")
    assert response.status_code == 400
    assert "0.delivery" in response.json()["detail"]


def test_tab_newline_and_carriage_return_are_ordinary_text(signed_in, student):
    response = signed_in.patch(
        reverse("api-me"), {"display_name": "Sam\tthe\r\nreader"}, format="json"
    )
    assert response.status_code == 200
    student.refresh_from_db()
    assert student.display_name == "Sam\tthe\r\nreader"


def test_a_nul_byte_in_a_form_field_is_refused_and_nothing_is_stored(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "nul\x00user",
            "email": "nul@example.org",
            "password": "a long enough passphrase",
        },
    )
    assert response.status_code == 400
    assert "control character" in response.content.decode()
    assert "username" in response.content.decode()
    assert not User.objects.filter(email="nul@example.org").exists()


def test_a_control_character_in_a_multipart_field_is_refused(client, student):
    client.force_login(student)
    response = client.post(reverse("preferences"), {"display_name": "Sam\x07"})
    assert response.status_code == 400
    student.refresh_from_db()
    assert student.display_name == "Sam"


def test_a_control_character_in_a_form_encoded_api_body_is_refused(signed_in, student):
    response = signed_in.patch(
        reverse("api-me"),
        "display_name=Sam%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "control character" in response.json()["detail"]
    student.refresh_from_db()
    assert student.display_name == "Sam"


def test_a_nul_byte_in_a_query_parameter_is_refused(client, signed_in):
    response = client.get("/", {"page": "1\x00"})
    assert response.status_code == 400
    response = signed_in.get(reverse("api-notifications"), {"unread": "\x00"})
    assert response.status_code == 400
    assert "control character" in response.json()["detail"]


def test_a_file_with_nul_bytes_is_not_refused_for_its_contents(client, student):
    # Only form fields are looked at: a file upload carries any bytes.
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(student)
    upload = SimpleUploadedFile("data.bin", b"\x00\x01\x02", content_type="application/pdf")
    response = client.post(reverse("preferences"), {"display_name": "Sam", "file": upload})
    assert response.status_code == 302


def test_a_deferral_request_with_a_nul_reason_writes_nothing(signed_in, enrolment):
    body = {"cohort_id": enrolment.cohort_id, "to_cohort_id": enrolment.cohort_id, "reason": "\x00"}
    response = signed_in.post(reverse("api-deferrals"), body, format="json")
    assert response.status_code == 400
    assert not Deferral.objects.exists()
