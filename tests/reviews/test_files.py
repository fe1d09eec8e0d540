"""The file a reviewer downloads is a copy without the author's document metadata, under
a neutral name; a type that cannot be cleaned is not given to reviewers at all. The
author and the instructors still get the file as it was handed in."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from assignments.models import SubmissionVersion
from assignments.services import submission_submit
from reviews import services
from reviews.models import Review, ReviewKind
from tests.assignments.files import (
    AUTHOR,
    EMAIL,
    docx_with_author,
    jpeg_with_exif,
    pdf_with_author,
)
from tests.reviews.conftest import Scenario, build_scenario

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _handed_in(name: str, content: bytes) -> tuple[Scenario, Review]:
    """Two students; the first handed in ``name``, the second reviews it."""
    s = build_scenario(2, submit=False, peer_reviews=1, accepts_file=True)
    author, reviewer = s.students
    submission_submit(
        cohort=s.cohort,
        assignment_id=s.assignment.pk,
        author=author,
        text="An essay about windmills.",
        file=SimpleUploadedFile(name, content),
        now=s.due_at - dt.timedelta(hours=1),
    )
    s.submit(reviewer)
    services.peer_reviews_allocate(run=s.run, now=s.due_at + dt.timedelta(minutes=1))
    review = Review.objects.get(reviewer=reviewer, kind=ReviewKind.PEER)
    return s, review


def _download(client, s: Scenario, review: Review):
    client.force_login(review.reviewer)
    return client.get(reverse("reviews:review_file", args=[s.cohort.pk, review.public_id]))


def _assert_neutral_name(response, review: Review, extension: str) -> None:
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="submission-{review.public_id}.{extension}"'
    assert "zelda" not in disposition.lower()


def test_a_reviewer_gets_a_docx_without_its_author_and_still_a_docx(client):
    original = docx_with_author()
    s, review = _handed_in("zelda-quixote-essay.docx", original)
    response = _download(client, s, review)
    assert response.status_code == 200
    _assert_neutral_name(response, review, "docx")
    served = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(served)) as archive:
        assert archive.testzip() is None
        parts = {name: archive.read(name) for name in archive.namelist()}
    assert "word/document.xml" in parts and "docProps/custom.xml" not in parts
    for content in parts.values():
        assert AUTHOR.encode() not in content and EMAIL.encode() not in content


def test_a_reviewer_gets_a_pdf_without_info_or_xmp_through_the_api(client):
    _s, review = _handed_in("zelda-quixote.pdf", pdf_with_author())
    client.force_login(review.reviewer)
    work = client.get(f"{API}/reviews/{review.public_id}/").json()["work"]
    assert work["file_withheld"] is False
    response = client.get(work["file_url"])
    assert response.status_code == 200
    _assert_neutral_name(response, review, "pdf")
    served = b"".join(response.streaming_content)
    assert AUTHOR.encode() not in served and EMAIL.encode() not in served
    with pikepdf.open(io.BytesIO(served)) as pdf:
        assert "/Author" not in pdf.docinfo and "/Metadata" not in pdf.Root


def test_a_reviewer_gets_a_jpeg_without_exif(client):
    s, review = _handed_in("IMG_0042.jpg", jpeg_with_exif())
    response = _download(client, s, review)
    assert response.status_code == 200
    _assert_neutral_name(response, review, "jpg")
    served = b"".join(response.streaming_content)
    assert AUTHOR.encode() not in served and EMAIL.encode() not in served
    with Image.open(io.BytesIO(served)) as image:
        assert image.format == "JPEG" and not image.getexif()


def test_the_clean_copy_is_made_once_and_kept_beside_the_original(client):
    s, review = _handed_in("essay.pdf", pdf_with_author())
    first = b"".join(_download(client, s, review).streaming_content)
    version = SubmissionVersion.objects.get(submission=review.submission)
    stored = version.reviewer_file.name
    assert stored and stored != version.file.name
    second = b"".join(_download(client, s, review).streaming_content)
    version.refresh_from_db()
    assert (version.reviewer_file.name, second) == (stored, first)


def test_author_and_instructors_still_get_the_file_as_handed_in(client):
    original = docx_with_author()
    s, review = _handed_in("zelda-quixote-essay.docx", original)
    b"".join(_download(client, s, review).streaming_content)  # the copy exists now
    url = reverse("assignments:version_file", args=[s.cohort.pk, review.submission_id, 1])
    for person in (review.submission.author, s.instructor):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == original
        assert "zelda-quixote-essay.docx" in response["Content-Disposition"]


@pytest.mark.parametrize("name", ["essay.zip", "essay.rtf"])
def test_a_file_that_cannot_be_made_anonymous_is_not_given_to_reviewers(client, name):
    content = docx_with_author() if name.endswith("zip") else b"{\\rtf1 Zelda Quixote}"
    s, review = _handed_in(name, content)
    client.force_login(review.reviewer)
    page = client.get(reverse("reviews:review", args=[s.cohort.pk, review.public_id]))
    text = page.content.decode()
    assert "can&#x27;t be shared anonymously" in text or "can't be shared anonymously" in text
    file_url = reverse("reviews:review_file", args=[s.cohort.pk, review.public_id])
    assert file_url not in text
    assert "An essay about windmills." in text

    response = client.get(file_url)
    assert response.status_code == 409
    assert content not in response.content
    work = client.get(f"{API}/reviews/{review.public_id}/").json()["work"]
    assert (work["file_url"], work["file_withheld"]) == (None, True)
    api = client.get(f"{API}/reviews/{review.public_id}/file/")
    assert (api.status_code, api.json()["code"]) == (409, "file_withheld")
    assert not SubmissionVersion.objects.get(submission=review.submission).reviewer_file


def test_a_file_that_fails_to_clean_is_refused_and_remembered(client):
    broken = b"%PDF-1.4 " + AUTHOR.encode() + b" and nothing a PDF reader would open"
    s, review = _handed_in("essay.pdf", broken)
    response = _download(client, s, review)
    assert response.status_code == 409
    assert AUTHOR.encode() not in response.content
    version = SubmissionVersion.objects.get(submission=review.submission)
    assert version.reviewer_file_refused and not version.reviewer_file
    # From now on the page says so instead of offering the file.
    page = client.get(reverse("reviews:review", args=[s.cohort.pk, review.public_id]))
    assert reverse("reviews:review_file", args=[s.cohort.pk, review.public_id]) not in (
        page.content.decode()
    )
    assert _download(client, s, review).status_code == 409


def test_the_assignment_tells_authors_which_files_reviewers_get(client):
    s = build_scenario(1, submit=False, peer_reviews=2, accepts_file=True)
    client.force_login(s.students[0])
    page = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    text = page.content.decode()
    assert "without the document&#x27;s properties" in text
    assert ".zip" in text and ".rtf" in text
    assert "Instructors always get your file as handed in." in text
