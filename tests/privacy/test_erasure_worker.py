"""Erasure through a real `celery worker` on Redis: the beat's sweep finds a request
whose cool-off ended and the worker erases the member, once, however often the sweep
runs."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lms.models import User
from privacy.models import ErasureRequest, ErasureStatus
from privacy.services import erasure_request
from privacy.tasks import run_due_erasures
from tests.factories import UserFactory
from tests.worker_support import broker_drained, wait_until, worker  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_worker_erases_a_member_once_their_cool_off_ended(worker):  # noqa: F811
    member = UserFactory(username="wiebe", email="wiebe@example.org")
    waiting = UserFactory()
    request = erasure_request(user=member, by=member)
    erasure_request(user=waiting, by=waiting)  # still in its cool-off
    ErasureRequest.objects.filter(pk=request.pk).update(runs_after=timezone.now())

    run_due_erasures.delay()
    run_due_erasures.delay()

    assert wait_until(
        lambda: ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.DONE
    )
    assert wait_until(broker_drained)
    request.refresh_from_db()
    assert request.counts["accounts"] == 1
    erased = User.objects.get(pk=member.pk)
    assert erased.erased_at is not None and erased.username.startswith("former-")
    assert ErasureRequest.objects.get(user=waiting).status == ErasureStatus.REQUESTED
    sent = "".join(path.read_text() for path in worker.iterdir())
    assert "wiebe@example.org" in sent  # the confirmation, to the address before erasure
