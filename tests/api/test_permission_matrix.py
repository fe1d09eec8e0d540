"""Who may call what: every operation of the OpenAPI schema, called by each role with
the path ids of a realistic cohort, answers as this table says.

The operations come from the schema itself, so an endpoint added without a row here
fails the test (and so does a row whose endpoint is gone). Writes are sent an empty
JSON body: a role that may call the operation gets past authentication, permission and
object lookup (``ok``: any answer but 401, 403, 404 or a server error; usually a 400
that names the missing fields, or a 409 for the cohort's state), a role that may not
gets exactly the refusal written here. Refusals of objects are deliberately 404 where
the object belongs to someone else (a cohort you are not part of, another student's
review or order): the answer does not reveal that it exists. 403 is kept for roles the
API names: staff-only payment and membership operations, instructor-only operations on
a cohort the user does belong to, and the bare-id instructor actions for users who
teach nothing.

Each call runs in a savepoint that is rolled back: one role's write does not change what
the next role finds."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from tests.api.scene import ROLES, auth_header

pytestmark = [pytest.mark.django_db, pytest.mark.schema]

OK = "ok"

# Per operation, the answer for each role in ROLES order:
# anonymous, student, other_student, instructor, other_instructor, staff.
EXPECTED: dict[str, str] = {
    "POST /api/v1/auth/token/": "ok ok ok ok ok ok",
    "GET /api/v1/auth/tokens/": "401 ok ok ok ok ok",
    # Only the owner may revoke a token; it does not exist for anyone else.
    "DELETE /api/v1/auth/tokens/{token_id}/": "401 ok 404 404 404 404",
    "POST /api/v1/auth/tokens/revoke-all/": "401 ok ok ok ok ok",
    "POST /api/v1/auth/logout/": "401 ok ok ok ok ok",
    "POST /api/v1/awards/{award_id}/revoke/": "401 404 404 ok 404 ok",
    "GET /api/v1/cohorts/": "ok ok ok ok ok ok",
    "GET /api/v1/cohorts/{cohort_id}/": "ok ok ok ok ok ok",
    "GET /api/v1/cohorts/{cohort_id}/assignments/": "401 ok 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/assignments/{assignment_id}/": "401 ok 404 ok 404 ok",
    # Only students hand in; instructors and staff of the cohort hear 403.
    "POST /api/v1/cohorts/{cohort_id}/assignments/{assignment_id}/submission/": "401 ok 404 403 404 403",  # noqa: E501
    "GET /api/v1/cohorts/{cohort_id}/assignments/overview/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/attendance/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/awards/": "401 404 404 ok 404 ok",
    "POST /api/v1/cohorts/{cohort_id}/awards/": "401 404 404 ok 404 ok",
    # A student's own badges and progress: nobody else has them in this cohort.
    "GET /api/v1/cohorts/{cohort_id}/badges/": "401 ok 404 404 404 404",
    "POST /api/v1/cohorts/{cohort_id}/enrol/": "401 ok ok ok ok ok",
    "GET /api/v1/cohorts/{cohort_id}/enrolment/": "401 ok 404 404 404 404",
    "POST /api/v1/cohorts/{cohort_id}/leave/": "401 ok 404 404 404 404",
    "GET /api/v1/cohorts/{cohort_id}/lessons/{lesson_id}/": "401 ok 404 ok 404 ok",
    # Progress is a student's: instructors and staff hear 404 `not_enrolled`.
    "PUT /api/v1/cohorts/{cohort_id}/lessons/{lesson_id}/completion/": "401 ok 404 404 404 404",
    "GET /api/v1/cohorts/{cohort_id}/modules/": "401 ok 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/modules/{module_id}/": "401 ok 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/progress/": "401 ok 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/queue/": "401 403 404 ok 404 ok",
    "POST /api/v1/cohorts/{cohort_id}/queue/next/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/reviews/": "401 ok 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/roster/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/sessions/": "401 ok 404 ok 404 ok",
    "POST /api/v1/cohorts/{cohort_id}/sessions/": "401 403 404 ok 404 ok",
    "POST /api/v1/cohorts/{cohort_id}/sessions/series/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/submissions/{submission_id}/grade/": "401 403 404 ok 404 ok",
    "POST /api/v1/cohorts/{cohort_id}/submissions/{submission_id}/grade/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/submissions/{submission_id}/versions/{number}/file/": "401 ok 404 ok 404 ok",  # noqa: E501
    "GET /api/v1/courses/": "ok ok ok ok ok ok",
    "POST /api/v1/feedback/{review_id}/flag/": "401 ok 404 404 404 404",
    "POST /api/v1/feedback/{review_id}/rating/": "401 ok 404 404 404 404",
    "GET /api/v1/me/": "401 ok ok ok ok ok",
    "PATCH /api/v1/me/": "401 ok ok ok ok ok",
    # One's own details only: the address names no user, so there is no other's to ask.
    "GET /api/v1/me/profile/": "401 ok ok ok ok ok",
    "PATCH /api/v1/me/profile/": "401 ok ok ok ok ok",
    "GET /api/v1/me/badges/": "401 ok ok ok ok ok",
    "PATCH /api/v1/me/badges/{award_uuid}/": "401 ok ok ok ok ok",
    "GET /api/v1/me/calendar-feed/": "401 ok ok ok ok ok",
    "POST /api/v1/me/calendar-feed/rotate/": "401 ok ok ok ok ok",
    "GET /api/v1/me/enrolments/": "401 ok ok ok ok ok",
    # Memberships: the tiers are public; one's own membership is one's own (who has
    # none hears 404 `no_membership`: the student has one, the other student's ended,
    # which rejoin/ joins again); the figures are for staff who manage memberships.
    "GET /api/v1/memberships/tiers/": "ok ok ok ok ok ok",
    "POST /api/v1/memberships/join/": "401 ok ok ok ok ok",
    "POST /api/v1/memberships/rejoin/": "401 404 ok 404 404 404",
    "GET /api/v1/memberships/me/": "401 ok ok ok ok ok",
    # One's own erasure: the student has one waiting; nobody else has one to cancel.
    "GET /api/v1/privacy/erasure/": "401 ok ok ok ok ok",
    "POST /api/v1/privacy/erasure/": "401 ok ok ok ok ok",
    "POST /api/v1/privacy/erasure/cancel/": "401 ok 404 404 404 404",
    "POST /api/v1/memberships/me/cancel/": "401 ok 404 404 404 404",
    "POST /api/v1/memberships/me/change/": "401 ok 404 404 404 404",
    "POST /api/v1/memberships/me/change-preview/": "401 ok 404 404 404 404",
    "POST /api/v1/memberships/me/keep/": "401 ok 404 404 404 404",
    "POST /api/v1/memberships/me/pause/": "401 ok 404 404 404 404",
    "POST /api/v1/memberships/me/payment-method/": "401 ok 404 404 404 404",
    "POST /api/v1/memberships/me/retention/": "401 ok 404 404 404 404",
    "GET /api/v1/memberships/members/": "401 403 403 403 403 ok",
    "GET /api/v1/memberships/revenue/": "401 403 403 403 403 ok",
    "GET /api/v1/notifications/": "401 ok ok ok ok ok",
    "POST /api/v1/notifications/{notification_id}/read/": "401 ok 404 404 404 404",
    "GET /api/v1/notifications/preferences/": "401 ok ok ok ok ok",
    "PUT /api/v1/notifications/preferences/": "401 ok ok ok ok ok",
    "POST /api/v1/notifications/read-all/": "401 ok ok ok ok ok",
    # A member's own data exports: a download is its member's alone, staff included.
    "GET /api/v1/privacy/exports/": "401 ok ok ok ok ok",
    "POST /api/v1/privacy/exports/": "401 ok ok ok ok ok",
    "GET /api/v1/privacy/exports/{export_id}/download/": "401 ok 404 404 404 404",
    # One's own mailing lists: there is nobody else's to name.
    "GET /api/v1/notifications/lists/": "401 ok ok ok ok ok",
    "POST /api/v1/notifications/lists/subscribe/": "401 ok ok ok ok ok",
    "POST /api/v1/notifications/lists/unsubscribe/": "401 ok ok ok ok ok",
    # Staff-only operations refuse everyone else with 403, before looking anything up.
    "GET /api/v1/payments/cohorts/{cohort_id}/": "401 403 403 403 403 ok",
    "POST /api/v1/payments/deferrals/": "401 ok ok ok ok ok",
    "POST /api/v1/payments/deferrals/{deferral_id}/decide/": "401 403 403 403 403 ok",
    "GET /api/v1/payments/orders/": "401 ok ok ok ok ok",
    # An order is its student's; staff see (and may start the payment of) every order.
    "GET /api/v1/payments/orders/{order_id}/": "401 ok 404 404 404 ok",
    "POST /api/v1/payments/orders/{order_id}/checkout/": "401 ok 404 404 404 ok",
    "POST /api/v1/payments/orders/{order_id}/mark-paid/": "401 403 403 403 403 ok",
    "POST /api/v1/payments/orders/{order_id}/refund/": "401 403 403 403 403 ok",
    "GET /api/v1/payments/quote/": "401 ok ok ok ok ok",
    # Addressed by a bare id: who teaches nowhere hears 403 at once, an instructor of
    # another cohort 404.
    "POST /api/v1/queue/{item_id}/release/": "401 403 403 ok 404 ok",
    "POST /api/v1/regrades/{regrade_id}/answer/": "401 403 403 ok 404 ok",
    "GET /api/v1/reviews/{review_id}/": "401 ok 404 404 404 404",
    "POST /api/v1/reviews/{review_id}/": "401 ok 404 404 404 404",
    "PUT /api/v1/reviews/{review_id}/": "401 ok 404 404 404 404",
    "GET /api/v1/reviews/{review_id}/file/": "401 ok 404 404 404 404",
    "GET /api/v1/sessions/{session_id}/": "401 ok 404 ok 404 ok",
    "PATCH /api/v1/sessions/{session_id}/": "401 403 404 ok 404 ok",
    "GET /api/v1/sessions/{session_id}/attendance/": "401 403 404 ok 404 ok",
    "PUT /api/v1/sessions/{session_id}/attendance/{user_id}/": "401 403 404 ok 404 ok",
    "POST /api/v1/sessions/{session_id}/cancel/": "401 403 404 ok 404 ok",
    "GET /api/v1/sessions/{session_id}/ics/": "401 ok 404 ok 404 ok",
    "POST /api/v1/sessions/{session_id}/join/": "401 ok 404 ok 404 ok",
    "PUT /api/v1/sessions/{session_id}/rsvp/": "401 ok 404 ok 404 ok",
    "POST /api/v1/submissions/{submission_id}/regrade/": "401 ok 404 404 404 404",
    # The community: members (students, instructors, staff who see every cohort) use
    # it; moderation is for instructors, moderators and staff (403 for a student); a
    # post is changed or removed by its author only (403 for everyone else).
    "GET /api/v1/cohorts/{cohort_id}/community/": "401 ok 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/community/directory/": "401 ok 404 ok 404 ok",
    "PUT /api/v1/cohorts/{cohort_id}/community/directory/me/": "401 ok 404 ok 404 ok",
    "POST /api/v1/cohorts/{cohort_id}/community/guidelines/accept/": "401 ok 404 ok 404 ok",
    "POST /api/v1/cohorts/{cohort_id}/community/images/": "401 ok 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/community/members/": "401 ok 404 ok 404 ok",
    "POST /api/v1/cohorts/{cohort_id}/community/mutes/": "401 403 404 ok 404 ok",
    "DELETE /api/v1/cohorts/{cohort_id}/community/mutes/{user_id}/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/community/pulse/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/community/reports/": "401 403 404 ok 404 ok",
    "GET /api/v1/cohorts/{cohort_id}/community/search/": "401 ok 404 ok 404 ok",
    "POST /api/v1/community/reports/{report_id}/dismiss/": "401 403 404 ok 404 ok",
    "GET /api/v1/me/community-profile/": "401 ok ok ok ok ok",
    "PUT /api/v1/me/community-profile/": "401 ok ok ok ok ok",
    "PATCH /api/v1/posts/{post_id}/": "401 ok 404 403 404 403",
    "DELETE /api/v1/posts/{post_id}/": "401 ok 404 403 404 403",
    "PUT /api/v1/posts/{post_id}/endorsement/": "401 403 404 ok 404 ok",
    "POST /api/v1/posts/{post_id}/hide/": "401 403 404 ok 404 ok",
    "GET /api/v1/posts/{post_id}/history/": "401 ok 404 ok 404 ok",
    "PUT /api/v1/posts/{post_id}/reactions/{kind}/": "401 ok 404 ok 404 ok",
    "DELETE /api/v1/posts/{post_id}/reactions/{kind}/": "401 ok 404 ok 404 ok",
    "POST /api/v1/posts/{post_id}/report/": "401 ok 404 ok 404 ok",
    "POST /api/v1/posts/{post_id}/restore/": "401 403 404 ok 404 ok",
    "POST /api/v1/spaces/{space_id}/read/": "401 ok 404 ok 404 ok",
    "GET /api/v1/spaces/{space_id}/threads/": "401 ok 404 ok 404 ok",
    "POST /api/v1/spaces/{space_id}/threads/": "401 ok 404 ok 404 ok",
    "GET /api/v1/threads/{thread_id}/": "401 ok 404 ok 404 ok",
    "PUT /api/v1/threads/{thread_id}/accepted-answer/": "401 ok 404 ok 404 ok",
    "PUT /api/v1/threads/{thread_id}/follow/": "401 ok 404 ok 404 ok",
    "POST /api/v1/threads/{thread_id}/lock/": "401 403 404 ok 404 ok",
    "POST /api/v1/threads/{thread_id}/move/": "401 403 404 ok 404 ok",
    "POST /api/v1/threads/{thread_id}/pin/": "401 403 404 ok 404 ok",
    "POST /api/v1/threads/{thread_id}/replies/": "401 ok 404 ok 404 ok",
}


def _operations(client: APIClient) -> list[tuple[str, str, list[str]]]:
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    return [
        (
            method.upper(),
            path,
            [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"],
        )
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def _path_parameter_schemas(client: APIClient) -> dict[str, dict]:
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    return {
        p["name"]: p["schema"]
        for item in schema["paths"].values()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }


def _fits(value: str, schema: dict) -> bool:
    if schema.get("type") == "integer":
        return value.lstrip("-").isdigit()
    if schema.get("format") == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            return False
    return True


def _outcome(status: int) -> str:
    return str(status) if status in (401, 403, 404) or status >= 500 else OK


def test_every_operation_has_an_expectation_for_every_role(scene):
    labels = {f"{method} {path}" for method, path, _names in _operations(APIClient())}
    assert sorted(labels - set(EXPECTED)) == [], "operations without a row in EXPECTED"
    assert sorted(set(EXPECTED) - labels) == [], "rows in EXPECTED for no operation"
    assert all(len(row.split()) == len(ROLES) for row in EXPECTED.values())


def test_the_scene_fills_every_path_parameter_with_a_value_of_its_documented_type(scene):
    client = APIClient()
    schemas = _path_parameter_schemas(client)
    for method, path, names in _operations(client):
        for name, value in scene.parameters_for(path, names).items():
            assert _fits(value, schemas[name]), (method, path, name, value, schemas[name])


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_designed_answer_from_every_operation(scene, role):
    client = APIClient()
    client.credentials(**{f"HTTP_{k.upper()}": v for k, v in auth_header(scene.user(role)).items()})
    column = ROLES.index(role)
    actual, wrong = {}, []
    for method, path, names in _operations(client):
        label = f"{method} {path}"
        url = path.format(**scene.parameters_for(path, names))
        with transaction.atomic():
            if method in ("GET", "HEAD"):
                response = client.generic(method, url)
            else:
                response = client.generic(method, url, "{}", content_type="application/json")
            transaction.set_rollback(True)
        actual[label] = _outcome(response.status_code)
        expected = EXPECTED.get(label, "?").split()
        if len(expected) != len(ROLES) or expected[column] != actual[label]:
            wrong.append(f"{label}: expected {expected[column : column + 1]}, got {actual[label]}")
    # The whole column as this role sees it, to compare with the table at a glance.
    assert not wrong, "\n".join(wrong) + "\n\n" + "\n".join(f"{k}: {v}" for k, v in actual.items())
