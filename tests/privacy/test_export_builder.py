"""The archive a member downloads: every kind the registry declares for export, as CSV
and in one JSON document, with their files; nothing of another member, nothing that
names who reviewed their work; a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from assignments.models import Submission
from cms.models import LessonPage
from cohorts.services import lesson_mark_complete
from community import services as community_services
from community.access import community_member
from live.models import Attendance, AttendanceSource, LiveSession
from lms.models import User
from privacy import registry
from privacy.models import ExportRequest, ExportStatus
from privacy.services import export_build, export_request
from privacy.services.export_archive import export_kinds
from reviews.models import Review, ReviewStatus
from tests.api.scene import build_scene
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db

# The kinds the product promises (the list); each has rows in the scene.
PROMISED = {
    "profile",
    "enrolments",
    "progress",
    "submissions",
    "submission_versions",
    "reviews_given",
    "reviews_received",
    "grades",
    "orders",
    "invoices",
    "memberships",
    "attendance",
    "badges",
    "posts",
    "post_images",
    "notifications",
}


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("holiday-of-sam.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def scene(settings):
    """The API's realistic cohort, plus progress, attendance and a post image."""
    settings.WAGTAILADMIN_BASE_URL = "https://lms.example.org"
    scene = build_scene()
    student = scene.user("student")
    enrolment = scene.cohort.enrolments.get(user=student)
    lesson = LessonPage.objects.get(pk=scene.path_values["lesson_id"])
    lesson_mark_complete(enrolment=enrolment, lesson=lesson)
    session = LiveSession.objects.get(pk=scene.path_values["session_id"])
    Attendance.objects.create(
        session=session,
        user=student,
        source=AttendanceSource.JOINED,
        first_joined_at=timezone.now(),
    )
    member = community_member(user=student, cohort=scene.cohort)
    community_services.image_upload(member=member, file=_png())
    return scene


def _built(user) -> tuple[ExportRequest, zipfile.ZipFile]:
    request = export_request(user=user, by=user)
    export_build(request.pk)
    request.refresh_from_db()
    assert request.status == ExportStatus.READY, request.error
    with request.file.open("rb") as handle:
        return request, zipfile.ZipFile(io.BytesIO(handle.read()))


def _csv(archive: zipfile.ZipFile, kind: str) -> list[dict]:
    text = archive.read(f"{kind}.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(
        archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist()
    )


def test_the_archive_of_a_member_in_a_realistic_cohort(scene):
    """One build of the scene, checked from every side (the scene is costly to make)."""
    student = scene.user("student")
    student.language = "nl"
    student.save(update_fields=["language"])
    mine = Submission.objects.get(author=student)
    received = Review.objects.filter(submission=mine, status=ReviewStatus.SUBMITTED)
    reviewers = list(User.objects.filter(pk__in=received.values("reviewer")))
    assert len(reviewers) == 2

    request, archive = _built(student)

    _every_kind_as_csv_and_json(request, archive)
    _csv_for_people_json_for_programs(student, archive)
    _the_members_files(archive)
    _nothing_of_another_member(student, scene.user("other_student"), archive)
    _reviews_received_without_the_reviewer(reviewers, archive)
    _readme_in_the_members_language(archive)


def _every_kind_as_csv_and_json(request, archive):
    names = set(archive.namelist())
    data = json.loads(archive.read("data.json"))
    kinds = {k.name for k in export_kinds()}
    declared = {
        d.export_kind
        for m in registry.subject_models()
        if (d := registry.declaration_for(m)).export_kind
    }
    assert declared | {"reviews_received", "consent_records"} == kinds
    assert kinds >= PROMISED
    assert set(data) == kinds
    for kind in kinds:
        assert f"{kind}.csv" in names, kind
        rows = _csv(archive, kind)
        assert len(rows) == len(data[kind]) == request.counts[kind], kind
    for kind in PROMISED:
        assert request.counts[kind] >= 1, kind
    # History tables are not kinds of their own.
    assert not any("historical" in name.lower() for name in names)
    assert request.size == request.file.size > 0


def _csv_for_people_json_for_programs(student, archive):
    data = json.loads(archive.read("data.json"))
    [profile] = _csv(archive, "profile")  # headers in the member's language (Dutch)
    assert profile["Gebruikersnaam"] == "student"
    assert student.email in profile.values()
    assert "password" not in data["profile"][0]
    assert student.password not in _everything(archive)
    assert data["profile"][0]["username"] == "student"
    first = data["enrolments"][0]
    assert isinstance(first["cohort_id"], int)  # a related row as its id
    joined = data["profile"][0]["date_joined"]
    assert joined.startswith(str(student.date_joined.year)) and "T" in joined  # ISO 8601
    statuses = {row["status"] for row in data["enrolments"]}
    labels = {row["Status"] for row in _csv(archive, "enrolments")}
    assert "active" in statuses and "active" not in labels  # CSV shows the label


def _the_members_files(archive):
    versions = [v for v in json.loads(archive.read("data.json"))["submission_versions"]]
    paths = [v["file"] for v in versions if v["file"]]
    assert paths and all(p.startswith("files/submission_versions/") for p in paths)
    assert all(p.endswith("student-essay.pdf") for p in paths)
    for path in paths:
        assert archive.read(path).startswith(b"%PDF")
    [image] = json.loads(archive.read("data.json"))["post_images"]
    assert image["file"].startswith("files/post_images/") and image["file"].endswith(".png")
    assert archive.read(image["file"]).startswith(b"\x89PNG")


def _nothing_of_another_member(student, other, archive):
    text = _everything(archive)
    for value in (other.username, other.email, "The essay of other_student"):
        assert not re.search(rf"\b{re.escape(value)}\b", text), value
    data = json.loads(archive.read("data.json"))
    assert {row["user_id"] for row in data["enrolments"]} == {student.pk}
    assert {row["author_id"] for row in data["submissions"]} == {student.pk}
    assert {row["reviewer_id"] for row in data["reviews_given"]} == {student.pk}


def _reviews_received_without_the_reviewer(reviewers, archive):
    data = json.loads(archive.read("data.json"))
    rows = data["reviews_received"]
    assert len(rows) == 2 and all(r["comment"] == "Ok." and r["scores"] for r in rows)
    assert all("reviewer_id" not in r and "public_id" not in r for r in rows)
    text = _everything(archive)
    for reviewer in reviewers:
        for value in (reviewer.username, reviewer.email, reviewer.get_display_name()):
            assert not re.search(rf"\b{re.escape(value)}\b", text), value


def _readme_in_the_members_language(archive):
    readme = archive.read("README.txt").decode()
    assert "data.json" in readme and "profile.csv" in readme and "files/" in readme


def _member_with(rows: int):
    """A member with ``rows`` enrolments, progress marks and notifications."""
    from notifications.models import Kind
    from notifications.services import notify_user

    user = UserFactory()
    for _ in range(rows):
        EnrolmentFactory(user=user)
    for n in range(rows):
        notify_user(
            kind=Kind.BADGE_AWARDED,
            key=f"k{n}",
            user_id=user.pk,
            params={"badge": "b", "cohort": "c", "note": ""},
        )
    return user


def test_the_build_costs_the_same_queries_for_few_or_many_rows(django_assert_max_num_queries):
    few, many = _member_with(1), _member_with(12)
    budget = len(export_kinds()) + 20
    counted = []
    for user in (few, many):
        request = export_request(user=user, by=user)
        with django_assert_max_num_queries(budget) as captured:
            export_build(request.pk)
        counted.append(len(captured.captured_queries))
    assert counted[0] == counted[1], counted
