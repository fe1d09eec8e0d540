"""The export holds the member's consent records: the state per list and each event with
the exact text they agreed to."""

import csv
import io
import json
import zipfile

import pytest

from notifications.models import ConsentList
from privacy.models import ExportRequest
from privacy.services import export_build, export_request
from tests.factories import UserFactory
from tests.notifications.test_consents import subscribed

pytestmark = pytest.mark.django_db


def test_consent_records_are_in_the_export(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    member, other = UserFactory(), UserFactory()
    subscribed(member, ConsentList.NEWSLETTER)
    subscribed(other, ConsentList.NEWS)
    request = export_request(user=member, by=member)
    export_build(request_id=request.pk)
    request = ExportRequest.objects.get(pk=request.pk)
    with request.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    rows = list(csv.reader(io.StringIO(archive.read("consent_records.csv").decode("utf-8-sig"))))
    assert rows[0][0] == "Record"
    kinds = [row[0] for row in rows[1:]]
    assert kinds.count("state") == 1 and kinds.count("event") == 2  # requested, granted
    assert any(row[5].startswith("Yes, email me the newsletter") for row in rows[1:])
    data = json.loads(archive.read("data.json"))
    assert {r["list"] for r in data["consent_records"]} == {"Newsletter"}
    assert request.counts["consent_records"] == 3
