"""Every API error is ``{"detail": ..., "code": ...}`` with a 4xx status."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lms.api import exception_handler
from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_student(api, student):
    api.force_authenticate(student)
    return api


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ValidationFailed("Choose a username."), 400, "invalid"),
        (NotAllowed("Not for you."), 403, "permission_denied"),
        (NotFound("No such thing."), 404, "not_found"),
        (Conflict("Too late.", code="enrolment_closed"), 409, "enrolment_closed"),
        (Http404("Django's own"), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
    ],
)
def test_domain_and_django_errors_become_detail_and_code(error, status, code):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert response.data["code"] == code
    assert isinstance(response.data["detail"], str) and response.data["detail"]


def test_a_field_error_names_its_field():
    response = exception_handler(ValidationFailed("Bad zone.", field="timezone"), {})
    assert response.data == {
        "detail": "Bad zone.",
        "code": "invalid",
        "errors": {"timezone": ["Bad zone."]},
    }


def test_serializer_errors_lead_with_the_first_message_and_keep_all(as_student):
    response = as_student.patch("/api/v1/me/", {"display_name": "x" * 151}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("The request is not valid: Ensure this field has no more")
    assert list(body["errors"]) == ["display_name"]


def test_a_body_that_is_not_json_is_a_400(as_student):
    response = as_student.patch("/api/v1/me/", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_unsupported_media_type_is_a_415(as_student):
    response = as_student.patch("/api/v1/me/", "<me/>", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_wrong_method_is_a_405(as_student):
    response = as_student.delete("/api/v1/me/")
    assert response.status_code == 405
    assert response.json() == {
        "detail": 'Method "DELETE" not allowed.',
        "code": "method_not_allowed",
    }


def test_an_anonymous_request_gets_401_and_is_told_to_authenticate(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_an_unknown_api_address_answers_in_the_error_shape(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_token_user_gets_answers_in_their_own_language(api):
    from lms.services import api_token_create
    from tests.factories import UserFactory

    user = UserFactory(language="nl")
    _token, key = api_token_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/cohorts/999999/enrolment/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Er is geen cohort met dat id."
