"""Curriculum pages, search and files served outside the cohort views follow the same
unlock schedule: locked content is never shown to a student it is locked for."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import ReferenceIndex

from cms.models import LessonPage
from cohorts.models import CURRICULUM_ACCESS, EnrolmentStatus
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def locked_lesson(course):
    """Lesson 3.1: its module opens in week 3, so it is locked in the shared cohort."""
    return LessonPage.objects.get(path__startswith=course.path, slug="lesson-3-1")


@pytest.fixture
def reader(course):
    """A student of a cohort in its third week, for whom module 3 is open (4 is not)."""
    starts_on = (timezone.now() - dt.timedelta(days=18)).date()
    cohort = CohortFactory(course=course, starts_on=starts_on)
    return EnrolmentFactory(cohort=cohort, user=UserFactory(username="rita")).user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def attach(lesson: LessonPage, block: tuple) -> None:
    """Add a block to the lesson and publish it, so the reference index knows."""
    lesson.body.append(block)
    lesson.save_revision().publish()
    assert ReferenceIndex.get_references_for_object(lesson).exists()


# --- Wagtail pages --------------------------------------------------------------------------


def test_an_anonymous_visitor_sees_the_teaser_of_a_lesson(client, locked_lesson):
    response = client.get(locked_lesson.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Module 3" in html and "What module 3 covers." in html
    assert "Secret content" not in html
    assert "Lesson 3.1" not in html


def test_an_enrolled_student_is_sent_to_the_lesson_in_their_cohort(
    client, enrolment, student, locked_lesson
):
    client.force_login(student)
    response = client.get(locked_lesson.url)
    assert response.status_code == 302
    assert response.url == f"/learn/{enrolment.cohort_id}/lessons/{locked_lesson.pk}/"

    module = locked_lesson.get_parent()
    response = client.get(module.url)
    assert response.url == reverse("cohorts:module", args=[enrolment.cohort_id, module.pk])


def test_a_student_of_another_course_sees_only_the_teaser(client, locked_lesson):
    other = CohortFactory(course=course_page(title="Other", modules=1, lessons=1))
    client.force_login(EnrolmentFactory(cohort=other).user)
    response = client.get(locked_lesson.url)
    assert response.status_code == 200
    assert "Secret content" not in response.content.decode()


def test_a_superuser_sees_the_full_lesson_page(client, superuser, locked_lesson):
    client.force_login(superuser)
    response = client.get(locked_lesson.url)
    assert response.status_code == 200
    assert "Secret content of lesson 3.1" in response.content.decode()


def test_an_editor_previews_the_full_lesson_page(client, locked_lesson):
    # Wagtail's own "Editors" group: admin access and edit rights on the whole tree.
    editor = UserFactory(username="eddie")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    response = client.get(locked_lesson.url)
    assert response.status_code == 200
    assert "Secret content of lesson 3.1" in response.content.decode()


# --- Search ---------------------------------------------------------------------------------


def lesson_hits(client, query="Secret") -> set[str]:
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return {
        hit["page"].title for hit in response.context["hits"] if isinstance(hit["page"], LessonPage)
    }


def test_search_never_finds_a_lesson_that_is_locked_for_the_student(client, enrolment, student):
    client.force_login(student)
    assert lesson_hits(client) == {"Lesson 1.1", "Lesson 1.2", "Lesson 2.1", "Lesson 2.2"}
    assert "Secret content of lesson 3" not in client.get("/search/?q=Secret").content.decode()


def test_search_finds_a_lesson_once_its_module_is_open(client, reader):
    client.force_login(reader)
    assert "Lesson 3.1" in lesson_hits(client)
    assert "Lesson 4.1" not in lesson_hits(client)


def test_search_shows_anonymous_visitors_no_module_and_no_lesson(client, course):
    response = client.get(reverse("search"), {"q": "module"})
    assert response.context["hits"] == []
    assert lesson_hits(client) == set()


# --- Documents ------------------------------------------------------------------------------


@pytest.fixture
def handout(locked_lesson):
    document = Document.objects.create(
        title="Handout", file=ContentFile(b"The handout.", name="handout.txt")
    )
    attach(locked_lesson, ("download", {"document": document, "description": ""}))
    return document


def test_a_document_of_a_locked_lesson_is_refused_to_its_students(
    client, enrolment, student, handout
):
    client.force_login(student)
    assert client.get(handout.url).status_code == 403


def test_a_document_of_an_open_lesson_downloads(client, reader, handout):
    client.force_login(reader)
    response = client.get(handout.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"The handout."


def test_a_document_is_not_found_for_anonymous_visitors(client, handout):
    assert client.get(handout.url).status_code == 404


def test_a_document_no_page_uses_is_for_editors_only(client, reader, superuser):
    stray = Document.objects.create(title="Draft", file=ContentFile(b"x", name="draft.txt"))
    client.force_login(reader)
    assert client.get(stray.url).status_code == 403
    client.force_login(superuser)
    assert client.get(stray.url).status_code == 200


# --- Images ---------------------------------------------------------------------------------


def png_file(name: str) -> ContentFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=name)


@pytest.fixture
def diagram(locked_lesson):
    image = Image.objects.create(title="Diagram", file=png_file("diagram.png"))
    attach(locked_lesson, ("image", {"image": image, "alt_text": "", "caption": ""}))
    return image


def test_an_image_of_a_locked_lesson_is_refused_to_its_students(
    client, enrolment, student, diagram
):
    client.force_login(student)
    assert diagram.file.url.startswith("/media/original_images/")
    assert client.get(diagram.file.url).status_code == 403
    rendition = diagram.get_rendition("width-2")
    assert client.get(rendition.url).status_code == 403


def test_an_image_of_an_open_lesson_is_served_privately(client, reader, diagram):
    client.force_login(reader)
    response = client.get(diagram.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert client.get(diagram.get_rendition("width-2").url).status_code == 200


def test_an_image_is_not_found_for_anonymous_visitors(client, diagram):
    assert client.get(diagram.file.url).status_code == 404


def test_a_course_image_is_public(client, course):
    image = Image.objects.create(title="Cover", file=png_file("cover.png"))
    course.image = image
    course.save_revision().publish()
    assert client.get(image.file.url).status_code == 200


def test_a_path_outside_the_media_folders_is_not_found(client, superuser):
    client.force_login(superuser)
    assert client.get("/media/../lms/settings.py").status_code == 404
    assert client.get("/media/documents/handout.txt").status_code == 404


# --- Seats without curriculum access --------------------------------------------------------
#
# Only an active (or completed) seat opens the curriculum. A student who is waitlisted,
# has not paid yet, is suspended for an unpaid instalment or left gets nothing of an
# open lesson on any surface: not its files, not its body (page or API), not a search
# hit. There is no search API; the search page is the only way to search.

NO_CURRICULUM = [
    EnrolmentStatus.PENDING_PAYMENT,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.SUSPENDED,
    EnrolmentStatus.CANCELLED,
]
WITH_CURRICULUM = [EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED]


def test_every_enrolment_status_is_known_to_open_the_curriculum_or_not():
    # A new status must be placed in one of the lists above, so the tests below cover it.
    assert set(NO_CURRICULUM) | set(WITH_CURRICULUM) == set(EnrolmentStatus)
    assert set(CURRICULUM_ACCESS) == set(WITH_CURRICULUM)


@pytest.fixture
def open_lesson(course):
    """Lesson 1.1: its module opened in week 1; the shared cohort is in week 2."""
    return LessonPage.objects.get(path__startswith=course.path, slug="lesson-1-1")


@pytest.fixture
def open_media(open_lesson):
    """A document and an image used by the open lesson."""
    document = Document.objects.create(
        title="Worksheet", file=ContentFile(b"The worksheet.", name="worksheet.txt")
    )
    image = Image.objects.create(title="Chart", file=png_file("chart.png"))
    attach(open_lesson, ("download", {"document": document, "description": ""}))
    attach(open_lesson, ("image", {"image": image, "alt_text": "", "caption": ""}))
    return document, image


def seated(client, cohort, status):
    """Sign in a student whose only enrolment in the cohort has this status."""
    held = status not in (EnrolmentStatus.PENDING_PAYMENT, EnrolmentStatus.WAITLISTED)
    enrolment = EnrolmentFactory(
        cohort=cohort,
        status=status,
        activated_at=timezone.now() if held else None,
        waitlisted_at=timezone.now() if status == EnrolmentStatus.WAITLISTED else None,
        ended_at=timezone.now() if status == EnrolmentStatus.CANCELLED else None,
    )
    client.force_login(enrolment.user)
    return enrolment


@pytest.mark.parametrize("status", NO_CURRICULUM)
def test_a_seat_without_curriculum_access_gets_no_document_or_image_of_an_open_lesson(
    client, cohort, open_media, status
):
    document, image = open_media
    seated(client, cohort, status)
    assert client.get(document.url).status_code == 403
    assert client.get(image.file.url).status_code == 403
    assert client.get(image.get_rendition("width-2").url).status_code == 403


@pytest.mark.parametrize("status", NO_CURRICULUM)
def test_a_seat_without_curriculum_access_gets_no_lesson_body_in_pages(
    client, cohort, open_lesson, status
):
    seated(client, cohort, status)
    # The lesson's public page: the teaser, never a redirect into the cohort.
    response = client.get(open_lesson.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "What module 1 covers." in page
    assert "Secret content" not in page
    # The lesson in the cohort.
    response = client.get(reverse("cohorts:lesson", args=[cohort.pk, open_lesson.pk]))
    assert response.status_code in (403, 404)
    assert "Secret content" not in response.content.decode()


@pytest.mark.parametrize("status", NO_CURRICULUM)
def test_a_seat_without_curriculum_access_gets_no_lesson_body_from_the_api(
    client, cohort, open_lesson, status
):
    seated(client, cohort, status)
    response = client.get(f"/api/v1/cohorts/{cohort.pk}/lessons/{open_lesson.pk}/")
    assert response.status_code in (403, 404)
    assert "body" not in response.json()
    assert "Secret content" not in response.content.decode()


@pytest.mark.parametrize("status", NO_CURRICULUM)
def test_a_seat_without_curriculum_access_finds_nothing_of_the_curriculum(
    client, cohort, open_lesson, status
):
    seated(client, cohort, status)
    assert lesson_hits(client, "Secret") == set()
    assert lesson_hits(client, "Lesson") == set()
    assert "Secret content" not in client.get("/search/?q=Secret").content.decode()


@pytest.mark.parametrize("status", WITH_CURRICULUM)
def test_a_seat_with_curriculum_access_gets_files_body_and_hits_of_an_open_lesson(
    client, cohort, open_lesson, open_media, status
):
    document, image = open_media
    seated(client, cohort, status)
    download = client.get(document.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"The worksheet."
    assert client.get(image.file.url).status_code == 200
    assert client.get(image.get_rendition("width-2").url).status_code == 200
    lesson_url = reverse("cohorts:lesson", args=[cohort.pk, open_lesson.pk])
    assert client.get(open_lesson.url).url == lesson_url
    response = client.get(lesson_url)
    assert response.status_code == 200
    assert "Secret content of lesson 1.1" in response.content.decode()
    response = client.get(f"/api/v1/cohorts/{cohort.pk}/lessons/{open_lesson.pk}/")
    assert response.status_code == 200
    assert "Secret content of lesson 1.1" in response.json()["body_html"]
    assert "Lesson 1.1" in lesson_hits(client, "Secret")
