"""Two requests for one member's data at the same moment (two tabs, a double click, the
member and staff at once), on PostgreSQL with real concurrent connections: one request
is made, the other hears that their data is already being prepared."""

from __future__ import annotations

import pytest

from lms.errors import Conflict
from privacy.models import ExportRequest, ExportStatus
from privacy.services import export_request
from tests.concurrency import race
from tests.factories import UserFactory, staff_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_build(monkeypatch):
    # The race is about asking; a build started by the winner would end its request
    # while the loser is still asking.
    monkeypatch.setattr(
        "privacy.jobs.exports.export_build_task.delay_on_commit", lambda *args, **kwargs: None
    )


def test_two_requests_at_once_make_one_and_the_other_hears_why():
    member = UserFactory()
    staff = staff_user()

    results = race(
        [
            lambda: export_request(user=member, by=member),
            lambda: export_request(user=member, by=member),
            lambda: export_request(user=member, by=staff),
        ]
    )

    made = [r for r in results if isinstance(r, ExportRequest)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 2, results
    assert all(r.code == "export_open" for r in refused)
    assert ExportRequest.objects.filter(user=member).count() == 1
    assert ExportRequest.objects.get(user=member).status == ExportStatus.REQUESTED
