"""A data export through a real Celery worker on Redis: the member asks, the worker
builds the zip and the member gets one email with the link; delivered again, the task
changes nothing."""

from __future__ import annotations

import pytest

from lms.models import SentEmail
from privacy.jobs.exports import export_build_task
from privacy.models import ExportRequest, ExportStatus
from privacy.services import export_request
from tests.factories import UserFactory
from tests.worker_support import broker_drained, wait_until, worker  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _ready(pk: int) -> bool:
    return ExportRequest.objects.filter(pk=pk, status=ExportStatus.READY).exists()


def test_the_worker_builds_the_export_and_emails_the_member_once(worker):  # noqa: F811
    member = UserFactory()
    request = export_request(user=member, by=member)

    assert wait_until(lambda: _ready(request.pk), timeout=120)
    assert wait_until(lambda: SentEmail.objects.filter(recipient=member.email).exists())
    request.refresh_from_db()
    name, size = request.file.name, request.size
    assert name.startswith("exports/") and size > 0 and request.counts["profile"] == 1

    # Delivered again (a retry, a redelivery after a lost worker): nothing new.
    export_build_task.delay(request.pk)
    export_build_task.delay(request.pk)
    assert wait_until(broker_drained)
    request.refresh_from_db()
    assert request.file.name == name and request.status == ExportStatus.READY
    assert SentEmail.objects.filter(recipient=member.email).count() == 1
    sent = "".join(path.read_text() for path in worker.iterdir())
    assert f"/privacy/exports/{request.public_id}/download/" in sent
