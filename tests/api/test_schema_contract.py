"""What the OpenAPI schema promises about errors, nullable fields, content types and
input bounds, and that the server keeps each promise."""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from badges.models import Award
from cohorts.models import EnrolmentStatus
from reviews.models import RegradeRequest, Review
from tests.api.scene import make_staff
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operation(schema, method: str, path: str) -> dict:
    return schema["paths"][path][method.lower()]


def _component(schema, name: str) -> dict:
    return schema["components"]["schemas"][name]


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Errors -----------------------------------------------------------------------------


def test_every_operation_that_needs_a_sign_in_documents_401_in_the_error_shape(schema):
    needs_sign_in = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if {} not in operation.get("security", [])
    ]
    assert len(needs_sign_in) > 60
    for method, path, operation in needs_sign_in:
        content = operation["responses"]["401"]["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/Error"}, (method, path)
    assert _component(schema, "Error")["required"] == ["code", "detail"]


def test_operations_open_to_everyone_document_401_for_a_token_that_is_not_valid(schema):
    for path in ("/api/v1/courses/", "/api/v1/cohorts/", "/api/v1/auth/token/"):
        for operation in schema["paths"][path].values():
            assert {} in operation["security"]
            assert "token" in operation["responses"]["401"]["description"]


def test_a_token_that_is_not_valid_is_a_401_even_where_anyone_may_call(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get(f"{API}/courses/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_operations_naming_an_object_document_404_and_those_with_input_400(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
            if "requestBody" in operation:
                assert "400" in operation["responses"], (method, path)


def test_a_write_to_an_unknown_api_address_is_a_json_404_not_the_csrf_page(db):
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{API}/no-such-thing/", "{}", "application/json")
        assert response.status_code == 404, method
        assert response.json()["code"] == "not_found"


def test_a_wrong_method_on_a_known_address_is_a_json_405(db):
    client = _as(UserFactory())
    response = client.delete(f"{API}/me/calendar-feed/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_student_whose_seat_is_not_active_hears_403_in_the_documented_shapes(
    schema, cohort, student
):
    EnrolmentFactory(cohort=cohort, user=student, status=EnrolmentStatus.PENDING_PAYMENT)
    client = _as(student)
    for path in ("/modules/", "/sessions/", "/assignments/"):
        response = client.get(f"{API}/cohorts/{cohort.pk}{path}")
        assert response.status_code == 403, path
        assert response.json()["code"] == "enrolment_not_active"
    modules = _operation(schema, "GET", "/api/v1/cohorts/{cohort_id}/modules/")
    sessions = _operation(schema, "GET", "/api/v1/cohorts/{cohort_id}/sessions/")
    assert "403" in modules["responses"] and "403" in sessions["responses"]
    # The assignment detail's 403 is ModuleLocked: unlocks_at only comes with module_locked.
    locked = _component(schema, "ModuleLocked")
    assert "unlocks_at" not in locked["required"]


# --- Nullable fields and content types ---------------------------------------------------


def test_a_version_without_a_file_has_a_null_file_url_and_the_schema_says_so(schema):
    assert _component(schema, "Version")["properties"]["file_url"]["nullable"] is True


def test_moments_that_may_be_missing_are_nullable_in_the_schema(schema):
    # A queue entry nobody holds has no lease end; a cohort whose modules are all open
    # has no next unlock.
    assert _component(schema, "QueueEntry")["properties"]["lease_expires_at"]["nullable"]
    assert _component(schema, "Progress")["properties"]["next_unlock_at"]["nullable"]


def test_a_free_cohorts_payment_summary_has_a_null_currency_and_the_schema_says_so(schema, cohort):
    response = _as(make_staff()).get(f"{API}/payments/cohorts/{cohort.pk}/")
    assert response.status_code == 200
    assert response.json()["currency"] is None
    assert _component(schema, "CohortPayments")["properties"]["currency"]["nullable"] is True


def test_api_downloads_are_octet_streams_as_documented(schema, scene):
    student = scene.user("student")
    values = scene.path_values
    url = (
        f"{API}/cohorts/{values['cohort_id']}/submissions/{values['submission_id']}"
        f"/versions/{values['number']}/file/"
    )
    response = _as(student).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert 'filename="student-essay.pdf"' in response["Content-Disposition"]
    review = _as(student).get(f"{API}/reviews/{values['review_id']}/file/")
    assert review.status_code == 200
    assert review["Content-Type"] == "application/octet-stream"
    for path in (
        "/api/v1/cohorts/{cohort_id}/submissions/{submission_id}/versions/{number}/file/",
        "/api/v1/reviews/{review_id}/file/",
    ):
        content = _operation(schema, "GET", path)["responses"]["200"]["content"]
        assert list(content) == ["application/octet-stream"]


# --- Input the server refuses is refused by the schema too -------------------------------


def test_blank_reasons_and_comments_are_below_the_documented_minimum(schema):
    for component, field in (
        ("FlagInputRequest", "reason"),
        ("RevokeInputRequest", "reason"),
        ("AwardInputRequest", "note"),
        ("RegradeAnswerInputRequest", "answer"),
        ("ReviewInputRequest", "comment"),
    ):
        assert _component(schema, component)["properties"][field]["minLength"] == 1, component
    assert _component(schema, "RegradeInputRequest")["properties"]["reason"]["minLength"] == 10


def test_a_blank_flag_reason_is_a_400_with_the_services_message(scene):
    review = Review.objects.get(public_id=scene.path_overrides["/api/v1/feedback/"]["review_id"])
    response = _as(scene.user("student")).post(
        f"{API}/feedback/{review.public_id}/flag/", {"reason": "  "}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "reason": ["Say what is wrong with this review, so the instructor can act on it."]
    }
    review.refresh_from_db()
    assert review.flagged_at is None


def test_a_short_regrade_reason_is_refused_before_anything_is_written(scene):
    student = scene.user("student")
    response = _as(student).post(
        f"{API}/submissions/{scene.path_values['submission_id']}/regrade/",
        {"reason": "Unfair."},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    assert not RegradeRequest.objects.filter(submission__author=student).exists()


def _query_parameter(operation: dict, name: str) -> dict:
    return next(p for p in operation["parameters"] if p["name"] == name)["schema"]


def test_the_queue_pages_are_bounded_in_the_schema_and_on_the_server(schema, scene):
    queue = _operation(schema, "GET", "/api/v1/cohorts/{cohort_id}/queue/")
    assert _query_parameter(queue, "per_page")["minimum"] == 1
    assert _query_parameter(queue, "per_page")["maximum"] == 200
    assert _query_parameter(queue, "page")["minimum"] == 1
    client = _as(scene.user("instructor"))
    url = f"{API}/cohorts/{scene.cohort.pk}/queue/"
    for per_page, status in (("0", 400), ("201", 400), ("1", 200), ("200", 200)):
        assert client.get(url, {"per_page": per_page}).status_code == status, per_page
    assert client.get(url, {"page": "0"}).status_code == 400


def test_a_quote_for_zero_instalments_is_below_the_documented_minimum(schema):
    quote = _operation(schema, "GET", "/api/v1/payments/quote/")
    assert _query_parameter(quote, "instalments")["minimum"] == 1
    assert _query_parameter(quote, "cohort")["minimum"] == 1


def test_the_language_is_one_of_the_sites_languages(schema, student):
    assert _component(schema, "LanguageEnum")["enum"] == ["en", "nl"]
    client = _as(student)
    response = client.patch(f"{API}/me/", {"language": "fr"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["language"]
    student.refresh_from_db()
    assert student.language != "fr"
    assert client.patch(f"{API}/me/", {"language": "nl"}, format="json").status_code == 200


def test_a_patch_of_a_badge_without_fields_changes_nothing(schema, scene):
    award = Award.objects.get(pk=scene.path_values["award_id"])
    assert "required" not in _component(schema, "PatchedVisibilityInputRequest")
    response = _as(scene.user("student")).patch(f"{API}/me/badges/{award.uuid}/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["is_public"] is award.is_public


# --- Who is refused comes before what they sent ------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/cohorts/{cohort_id}/sessions/",
        "/cohorts/{cohort_id}/sessions/series/",
        "/cohorts/{cohort_id}/lessons/{lesson_id}/completion/",
        "/submissions/{submission_id}/regrade/",
        "/regrades/{regrade_id}/answer/",
    ],
)
def test_someone_from_another_cohort_hears_404_whatever_the_body(scene, path):
    url = API + path.format(**scene.path_values)
    method = "put" if path.endswith("completion/") else "post"
    # Someone who teaches nowhere is turned away from the regrade answer at once (403).
    roles = ("other_instructor",) if "regrades" in path else ("other_student", "other_instructor")
    for role in roles:
        response = getattr(_as(scene.user(role)), method)(url, {}, format="json")
        assert response.status_code == 404, (role, response.content)
