"""Asking for one's data, the build's life (idempotent, restarts after a crash, a failure
recorded and retried), the link (the member alone, signed in, until it expires), the
sweep that expires it, the privacy page, the staff page and the API."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core import mail
from django.utils import timezone

from lms.errors import Conflict
from notifications.models import Kind, Notification
from notifications.services import pending_deliver
from privacy.models import ExportRequest, ExportStatus
from privacy.services import (
    export_build,
    export_request,
    export_retry,
    exports_expire,
    exports_resume,
)
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(student):
    request = export_request(user=student, by=student)
    export_build(request.pk)
    request.refresh_from_db()
    return request


def _url(request: ExportRequest) -> str:
    return f"/privacy/exports/{request.public_id}/download/"


# --- asking and building ------------------------------------------------------------


def test_a_second_request_while_one_is_open_is_refused_with_a_clear_message(student):
    export_request(user=student, by=student)
    with pytest.raises(Conflict) as refused:
        export_request(user=student, by=student)
    assert refused.value.code == "export_open"
    assert "already being prepared" in refused.value.message
    assert ExportRequest.objects.filter(user=student).count() == 1


def test_the_member_asks_and_the_worker_builds_and_emails_the_link(
    student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = export_request(user=student, by=student)
    request.refresh_from_db()
    assert request.status == ExportStatus.READY
    assert request.started_at and request.finished_at and request.size > 0
    assert request.expires_at == request.finished_at + dt.timedelta(days=7)
    assert request.counts["profile"] == 1
    note = Notification.objects.get(user=student, kind=Kind.DATA_EXPORT_READY)
    assert note.url == _url(request)
    pending_deliver()
    assert [m.to for m in mail.outbox] == [[student.email]]
    assert _url(request) in mail.outbox[0].body
    # The history says who asked and every step.
    assert [h.status for h in request.history.order_by("history_id")] == [
        "requested",
        "building",
        "ready",
    ]
    assert request.history.earliest("history_id").history_user == student


def test_building_a_ready_export_again_changes_nothing(ready):
    name, finished = ready.file.name, ready.finished_at
    export_build(ready.pk)
    ready.refresh_from_db()
    assert ready.file.name == name and ready.finished_at == finished
    assert Notification.objects.filter(kind=Kind.DATA_EXPORT_READY).count() == 1


def test_a_build_that_crashed_halfway_starts_over_and_finishes(student, monkeypatch):
    request = export_request(user=student, by=student)

    def crash(user, directory):
        raise ConnectionResetError("worker lost its storage")  # transient: retried

    monkeypatch.setattr("privacy.services.exports.archive_write", crash)
    with pytest.raises(ConnectionResetError):
        export_build(request.pk)
    request.refresh_from_db()
    assert request.status == ExportStatus.BUILDING and not request.file
    monkeypatch.undo()
    export_build(request.pk)
    request.refresh_from_db()
    assert request.status == ExportStatus.READY and request.file


def test_a_failed_build_is_recorded_and_staff_retry_it(student, monkeypatch):
    request = export_request(user=student, by=student)
    monkeypatch.setattr(
        "privacy.services.exports.archive_write",
        lambda user, directory: (_ for _ in ()).throw(ValueError("a bad row")),
    )
    export_build(request.pk)
    request.refresh_from_db()
    assert request.status == ExportStatus.FAILED and "a bad row" in request.error
    export_request(user=student, by=student)  # a failed one is not open: asking works
    with pytest.raises(Conflict):  # but it cannot be built again beside an open one
        export_retry(request=request, by=staff_user())
    ExportRequest.objects.filter(status=ExportStatus.REQUESTED).delete()
    monkeypatch.undo()
    export_retry(request=request, by=staff_user())
    export_build(request.pk)
    request.refresh_from_db()
    assert request.status == ExportStatus.READY and request.error == ""


def test_the_sweep_deletes_expired_files_and_queues_lost_builds(
    ready, student, django_capture_on_commit_callbacks
):
    storage = ready.file.storage
    name = ready.file.name
    assert storage.exists(name)
    assert exports_expire(now=ready.expires_at - dt.timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_expire(now=ready.expires_at) == 1
    ready.refresh_from_db()
    assert ready.status == ExportStatus.EXPIRED and not ready.file
    assert not storage.exists(name)
    assert exports_expire(now=ready.expires_at) == 0
    lost = export_request(user=student, by=student)  # its message never arrived
    assert exports_resume(now=lost.created_at + dt.timedelta(minutes=11)) == 1
    lost.refresh_from_db()
    assert lost.status == ExportStatus.READY  # eager in tests


# --- the link --------------------------------------------------------------------------


def test_the_member_downloads_their_zip(client, ready, student):
    client.force_login(student)
    response = client.get(_url(ready))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "profile.csv" in archive.namelist()


def test_nobody_else_gets_the_zip_not_even_staff(client, ready):
    assert client.get(_url(ready)).status_code == 302  # anonymous: to the login page
    client.force_login(UserFactory())
    assert client.get(_url(ready)).status_code == 404
    client.force_login(staff_user())
    assert client.get(_url(ready)).status_code == 404
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(_url(ready)).status_code == 404


def test_an_expired_link_says_so_and_offers_a_new_one(client, ready, student):
    client.force_login(student)
    ExportRequest.objects.filter(pk=ready.pk).update(expires_at=timezone.now())
    response = client.get(_url(ready))
    assert response.status_code == 410
    assert "This export has expired" in response.content.decode()
    assert 'href="/privacy/"' in response.content.decode()
    exports_expire()
    assert client.get(_url(ready)).status_code == 410


# --- pages -----------------------------------------------------------------------------


def test_the_privacy_page_asks_shows_the_status_and_the_link(
    client, student, django_capture_on_commit_callbacks
):
    client.force_login(student)
    page = client.get("/privacy/").content.decode()
    assert "Prepare my data" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/privacy/exports/", follow=True)
    page = response.content.decode()
    assert "We are preparing your data" in page and "Requested" in page
    assert "Prepare my data" not in page  # one at a time
    assert client.post("/privacy/exports/", follow=True).status_code == 200
    assert ExportRequest.objects.filter(user=student).count() == 1
    export_build(ExportRequest.objects.get().pk)
    page = client.get("/privacy/").content.decode()
    assert "Download my data" in page and _url(ExportRequest.objects.get()) in page
    assert client.get("/privacy/exports/").status_code == 405


def test_staff_prepare_a_members_data_and_follow_every_request(
    client, student, django_capture_on_commit_callbacks
):
    staff = staff_user()
    assert client.get("/privacy/staff/exports/").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/privacy/staff/exports/").status_code == 404
    client.force_login(staff)
    assert client.get("/privacy/staff/exports/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/privacy/staff/exports/", {"action": "request", "member": student.email.upper()}
        )
    assert response.status_code == 302
    request = ExportRequest.objects.get(user=student)
    assert request.requested_by == staff and request.status == ExportStatus.READY
    page = client.get("/privacy/staff/exports/").content.decode()
    assert student.email in page and "profile: 1" in page
    assert _url(request) not in page  # staff see the status, not the data
    refused = client.post("/privacy/staff/exports/", {"action": "request", "member": "nobody"})
    assert refused.status_code == 400
    assert "No member has that email address or username." in refused.content.decode()


# --- the API ---------------------------------------------------------------------------


def test_the_api_asks_lists_and_downloads_ones_own(
    api, student, django_capture_on_commit_callbacks
):
    other = UserFactory()
    ExportRequest.objects.create(user=other, created_at=timezone.now())
    api.force_authenticate(student)
    with django_capture_on_commit_callbacks(execute=False):
        created = api.post("/api/v1/privacy/exports/")
    assert created.status_code == 201 and created.json()["status"] == "requested"
    again = api.post("/api/v1/privacy/exports/")
    assert again.status_code == 409 and again.json()["code"] == "export_open"
    export_build(ExportRequest.objects.get(user=student).pk)
    [row] = api.get("/api/v1/privacy/exports/").json()
    assert row["status"] == "ready" and row["counts"]["profile"] == 1
    assert row["download_url"].endswith(f"/api/v1/privacy/exports/{row['id']}/download/")
    response = api.get(f"/api/v1/privacy/exports/{row['id']}/download/")
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None
    ExportRequest.objects.filter(user=student).update(expires_at=timezone.now())
    gone = api.get(f"/api/v1/privacy/exports/{row['id']}/download/")
    assert gone.status_code == 410 and gone.json()["code"] == "export_expired"
    theirs = ExportRequest.objects.get(user=other).public_id
    assert api.get(f"/api/v1/privacy/exports/{theirs}/download/").status_code == 404
