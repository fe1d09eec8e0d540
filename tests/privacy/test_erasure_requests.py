"""Asking to be erased, the cool-off and cancelling it, who is refused (and what to do),
the staff's queue, and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from lms.errors import Conflict
from lms.models import User
from privacy.models import ErasureEvent, ErasureRequest, ErasureStatus
from privacy.services import (
    erasure_cancel,
    erasure_request,
    erasure_retry,
    erasure_run,
    erasures_due,
)
from tests.factories import CohortFactory, UserFactory, course_page

pytestmark = pytest.mark.django_db


def privacy_staff() -> User:
    user = UserFactory(username="privacy-officer")
    user.user_permissions.add(Permission.objects.get(codename="manage_privacy_requests"))
    return User.objects.get(pk=user.pk)


def test_a_member_asks_on_the_privacy_page_and_is_told_the_date_and_how_to_cancel(
    client, settings, django_capture_on_commit_callbacks
):
    settings.LMS_PRIVACY = {**settings.LMS_PRIVACY, "ERASURE_COOL_OFF_DAYS": 14}
    member = UserFactory(username="maartje", email="maartje@example.org")
    client.force_login(member)
    page = client.get(reverse("privacy:home")).content.decode()
    assert "What is kept, and why" in page and "Type your username" in page

    refused = client.post(reverse("privacy:erasure_request"), {"username": "someone-else"})
    assert refused.status_code == 400 and not ErasureRequest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy:erasure_request"), {"username": "maartje", "understood": "on"}
        )
    assert response.status_code == 302
    request = ErasureRequest.objects.get(user=member)
    assert request.status == ErasureStatus.REQUESTED and request.requested_by == member
    assert request.runs_after - request.created_at >= dt.timedelta(days=14) - dt.timedelta(
        seconds=5
    )
    [email] = [m for m in mail.outbox if m.to == ["maartje@example.org"]]
    assert "/privacy/" in email.body
    page = client.get(reverse("privacy:home")).content.decode()
    assert "Cancel the erasure" in page
    # Not before the cool-off has passed.
    assert not erasures_due().exists()
    assert erasure_run(request.pk).status == ErasureStatus.REQUESTED


def test_one_click_cancels_during_the_cool_off_and_nothing_is_erased(
    client, django_capture_on_commit_callbacks
):
    member = UserFactory(username="joost")
    request = erasure_request(user=member, by=member)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("privacy:erasure_cancel")).status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureStatus.CANCELLED and request.cancelled_at
    ErasureRequest.objects.filter(pk=request.pk).update(runs_after=timezone.now())
    assert erasure_run(request.pk).status == ErasureStatus.CANCELLED
    member.refresh_from_db()
    assert member.erased_at is None and member.username == "joost"
    assert list(request.events.values_list("what", flat=True)) == ["requested", "cancelled"]
    assert any("cancelled" in m.subject.lower() for m in mail.outbox)
    # They may ask again later.
    assert erasure_request(user=member, by=member).status == ErasureStatus.REQUESTED


def test_a_second_request_while_one_is_open_is_refused_with_409():
    member = UserFactory()
    erasure_request(user=member, by=member)
    with pytest.raises(Conflict) as exc:
        erasure_request(user=member, by=member)
    assert exc.value.code == "erasure_open"
    assert ErasureRequest.objects.filter(user=member).count() == 1


def test_the_only_instructor_of_a_running_cohort_is_refused_and_told_what_to_do():
    teacher = UserFactory(is_staff=True)
    cohort = CohortFactory(course=course_page(), name="Spring writing")
    cohort.instructors.add(teacher)
    with pytest.raises(Conflict) as exc:
        erasure_request(user=teacher, by=teacher)
    assert "Spring writing" in exc.value.message and "another instructor" in exc.value.message
    cohort.instructors.add(UserFactory())
    assert erasure_request(user=teacher, by=teacher).status == ErasureStatus.REQUESTED


def test_a_superuser_is_refused_with_the_reason():
    admin = UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(Conflict) as exc:
        erasure_request(user=admin, by=admin)
    assert "superuser" in exc.value.message


def test_staff_see_the_queue_retry_a_failed_run_and_ask_on_a_members_behalf(
    client, django_capture_on_commit_callbacks
):
    member, other = UserFactory(username="fenna"), UserFactory(username="sem")
    request = erasure_request(user=member, by=member)
    client.force_login(UserFactory())
    assert client.get(reverse("privacy:staff_erasures")).status_code == 404
    staff = privacy_staff()
    client.force_login(staff)
    page = client.get(reverse("privacy:staff_erasures")).content.decode()
    assert "fenna" in page and "Erase now" not in page

    ErasureRequest.objects.filter(pk=request.pk).update(status=ErasureStatus.FAILED)
    with pytest.raises(Conflict):
        erasure_retry(
            request_id=ErasureRequest.objects.create(
                user=UserFactory(), runs_after=timezone.now()
            ).pk,
            by=staff,
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:staff_erasure_retry", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    # Tasks run eagerly in tests: the retry ran the erasure through.
    assert request.status == ErasureStatus.DONE
    retried = ErasureEvent.objects.get(request=request, what="retried")
    assert retried.actor == staff

    client.post(reverse("privacy:staff_erasure_for"), {"member": "sem"})
    on_behalf = ErasureRequest.objects.get(user=other)
    assert on_behalf.requested_by == staff and on_behalf.status == ErasureStatus.REQUESTED


def test_the_api_asks_shows_and_cancels_ones_own_erasure():
    member = UserFactory(username="lotte")
    api = APIClient()
    api.force_authenticate(member)
    assert api.get("/api/v1/privacy/erasure/").json()["request"] is None
    assert (
        api.post("/api/v1/privacy/erasure/", {"confirm": "nope"}, format="json").status_code == 400
    )
    created = api.post("/api/v1/privacy/erasure/", {"confirm": "lotte"}, format="json")
    assert created.status_code == 201 and created.json()["cancellable"] is True
    again = api.post("/api/v1/privacy/erasure/", {"confirm": "lotte"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "erasure_open"
    assert api.get("/api/v1/privacy/erasure/").json()["request"]["status"] == "requested"
    assert api.post("/api/v1/privacy/erasure/cancel/").json()["status"] == "cancelled"
    assert api.post("/api/v1/privacy/erasure/cancel/").status_code == 404


def test_cancelling_is_refused_once_the_run_started():
    member = UserFactory()
    request = erasure_request(user=member, by=member)
    ErasureRequest.objects.filter(pk=request.pk).update(status=ErasureStatus.RUNNING)
    with pytest.raises(Conflict) as exc:
        erasure_cancel(user=member, by=member)
    assert exc.value.code == "erasure_started"
