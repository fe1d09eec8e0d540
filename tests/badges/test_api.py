"""The badges API: my badges and progress, visibility, instructors' awards."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail

from badges import services
from badges.models import Award
from notifications.models import Notification
from tests.assertions import unchanged
from tests.badges.factories import badge_class
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manual(cohort):
    return badge_class(cohort.course, kind="manual", name="Helpful peer")


def _award_url(cohort):
    return f"/api/v1/cohorts/{cohort.pk}/awards/"


def test_an_instructor_awards_through_the_api_and_twice_is_409(
    api, enrolment, instructor, manual, django_capture_on_commit_callbacks
):
    api.force_authenticate(instructor)
    body = {"badge": str(manual.uuid), "recipient": enrolment.user_id, "note": "Great help."}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(_award_url(enrolment.cohort), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["badge"]["name"] == "Helpful peer"
    assert data["recipient_id"] == enrolment.user_id
    assert data["assertion_url"].endswith(f"/badges/assertions/{data['uuid']}.json")
    assert len(mail.outbox) == 1

    again = api.post(_award_url(enrolment.cohort), body, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_awarded"
    assert Award.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"recipient": "outsider"}, 400, "not_enrolled"),
        ({"recipient": 2**63}, 400, "not_enrolled"),
        ({"note": ""}, 400, "invalid"),
        ({"badge": "unknown"}, 404, "not_found"),
        ({"badge": "not-a-uuid"}, 400, "invalid"),
    ],
)
def test_bad_award_requests_write_nothing(api, enrolment, instructor, manual, change, status, code):
    api.force_authenticate(instructor)
    body = {"badge": str(manual.uuid), "recipient": enrolment.user_id, "note": "Great help."}
    body.update(change)
    if body["recipient"] == "outsider":
        body["recipient"] = EnrolmentFactory().user_id
    if body["badge"] == "unknown":
        body["badge"] = str(uuid.uuid4())
    response = api.post(_award_url(enrolment.cohort), body, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not Award.objects.exists()


def test_students_cannot_award_or_revoke(api, enrolment, instructor, manual):
    award = services.award_grant(
        badge_class=manual,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="n",
    )
    api.force_authenticate(enrolment.user)
    body = {"badge": str(manual.uuid), "recipient": enrolment.user_id, "note": "Me!"}
    with unchanged(Award, Notification):
        assert api.post(_award_url(enrolment.cohort), body, format="json").status_code == 404
        response = api.post(f"/api/v1/awards/{award.pk}/revoke/", {"reason": "x"}, format="json")
        assert response.status_code == 404
        assert api.post(f"/api/v1/awards/{2**64}/revoke/", {"reason": "x"}).status_code == 404


def test_revoking_needs_a_reason(api, enrolment, instructor, manual):
    award = services.award_grant(
        badge_class=manual,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="n",
    )
    api.force_authenticate(instructor)
    url = f"/api/v1/awards/{award.pk}/revoke/"
    response = api.post(url, {"reason": " "}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "reason": ["Give the reason for revoking; it is published with the revoked badge."]
    }
    award.refresh_from_db()
    assert award.revoked_at is None
    response = api.post(url, {"reason": "Wrong student."}, format="json")
    assert response.status_code == 200
    assert response.json()["revocation_reason"] == "Wrong student."
    assert api.post(url, {"reason": "Again."}, format="json").status_code == 409
    listed = api.get(_award_url(enrolment.cohort)).json()
    assert [a["revoked_at"] is not None for a in listed] == [True]


def test_a_student_lists_their_badges_with_progress_and_hides_one(
    api, enrolment, instructor, manual
):
    badge_class(enrolment.cohort.course, kind="all_modules", name="Finisher")
    award = services.award_grant(
        badge_class=manual,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="n",
    )
    api.force_authenticate(enrolment.user)
    cohort_badges = api.get(f"/api/v1/cohorts/{enrolment.cohort_id}/badges/").json()
    assert [(b["badge"]["name"], b["earned"]) for b in cohort_badges] == [
        ("Helpful peer", True),
        ("Finisher", False),
    ]
    assert cohort_badges[1]["progress"] == {"done": 0, "total": 8, "percent": 0}
    mine = api.get("/api/v1/me/badges/").json()
    assert [a["uuid"] for a in mine] == [str(award.uuid)]

    response = api.patch(f"/api/v1/me/badges/{award.uuid}/", {"is_public": False}, format="json")
    assert response.status_code == 200 and response.json()["is_public"] is False
    api.force_authenticate(UserFactory())
    response = api.patch(f"/api/v1/me/badges/{award.uuid}/", {"is_public": True}, format="json")
    assert response.status_code == 404
    assert api.get(f"/api/v1/cohorts/{enrolment.cohort_id}/badges/").status_code == 404
