"""Erasure requests on PostgreSQL with real concurrent connections: two requests for
the same member at the same moment make one (the other hears 409), and two workers
running the same request erase once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lms.errors import Conflict
from privacy.models import ErasureEvent, ErasureRequest, ErasureStatus
from privacy.services import erasure_request, erasure_run
from tests.concurrency import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_requests_at_once_make_one_and_the_other_hears_409():
    member = UserFactory()
    results = race([lambda: erasure_request(user=member, by=member)] * 2)
    made = [r for r in results if isinstance(r, ErasureRequest)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 1
    assert refused[0].code == "erasure_open" and refused[0].status_code == 409
    assert ErasureRequest.objects.filter(user=member).count() == 1


def test_two_workers_running_one_request_erase_once():
    member = UserFactory()
    request = erasure_request(user=member, by=member)
    ErasureRequest.objects.filter(pk=request.pk).update(runs_after=timezone.now())
    race([lambda: erasure_run(request.pk)] * 2)
    request.refresh_from_db()
    assert request.status == ErasureStatus.DONE, request.error
    assert request.counts["accounts"] == 1
    steps = list(
        ErasureEvent.objects.filter(request=request, what="step").values_list("step", flat=True)
    )
    assert len(steps) == len(set(steps))
    assert ErasureEvent.objects.filter(request=request, what="started").count() == 1
