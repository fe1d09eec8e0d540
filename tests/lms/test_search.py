"""Site search: locked means locked in search too, and any query text is answered.

The shared ``cohort`` is in its second week: modules 1 and 2 of the 4-module course are
open, 3 and 4 are locked. Each module gets an assignment whose instructions hold a word
found nowhere else, so a hit on that word would tell what a locked page says.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.models import AssignmentPage, CoursePage, LessonPage, ModulePage
from cohorts.models import EnrolmentStatus
from cohorts.selectors import search_curriculum
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    UserFactory,
    assignment_page,
    course_page,
)

pytestmark = pytest.mark.django_db


def module_of(course, number: int) -> ModulePage:
    return ModulePage.objects.get(path__startswith=course.path, slug=f"module-{number}")


@pytest.fixture
def assignments(course):
    return {
        number: assignment_page(
            module_of(course, number),
            title=f"Essay of module {number}",
            instructions=f"<p>Describe the zanzibar{number} method in 300 words.</p>",
        )
        for number in range(1, 5)
    }


def titles(client, query: str) -> set[str]:
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return {hit["page"].title for hit in response.context["hits"]}


def curriculum_titles(client, query: str) -> set[str]:
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return {
        hit["page"].title
        for hit in response.context["hits"]
        if isinstance(hit["page"], (ModulePage, LessonPage, AssignmentPage))
    }


def test_a_student_finds_assignments_of_open_modules_only(client, enrolment, assignments):
    client.force_login(enrolment.user)
    assert curriculum_titles(client, "essay") == {"Essay of module 1", "Essay of module 2"}


def test_the_instructions_of_a_locked_assignment_give_no_hit(client, enrolment, assignments):
    client.force_login(enrolment.user)
    assert titles(client, "zanzibar1") == {"Essay of module 1"}
    assert titles(client, "zanzibar3") == set()
    assert titles(client, "zanzibar4") == set()


def test_a_student_finds_open_modules_but_not_locked_ones(client, enrolment, assignments):
    client.force_login(enrolment.user)
    assert curriculum_titles(client, "module") == {
        "Module 1",
        "Module 2",
        "Essay of module 1",
        "Essay of module 2",
    }


@pytest.mark.parametrize(
    "status",
    [
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.PENDING_PAYMENT,
        EnrolmentStatus.SUSPENDED,
        EnrolmentStatus.CANCELLED,
    ],
)
def test_a_student_without_an_active_seat_finds_nothing_of_the_curriculum(
    client, cohort, assignments, status
):
    student = EnrolmentFactory(cohort=cohort, status=status, activated_at=None).user
    client.force_login(student)
    for query in ("module", "essay", "zanzibar1", "lesson", "secret"):
        assert curriculum_titles(client, query) == set(), query


def test_an_anonymous_visitor_finds_the_course_but_nothing_inside_it(client, course, assignments):
    assert titles(client, "web") == {"Writing for the web"}
    for query in ("module", "essay", "zanzibar1", "lesson", "secret"):
        assert titles(client, query) == set(), query


def test_a_student_of_another_course_finds_nothing_of_this_one(client, course, assignments):
    other = CohortFactory(course=course_page(title="Other", modules=1, lessons=1))
    client.force_login(EnrolmentFactory(cohort=other).user)
    assert curriculum_titles(client, "essay") == set()
    assert "Module 1" in curriculum_titles(client, "module")  # of the other course
    assert all(
        not page.path.startswith(course.path)
        for page in (
            hit["page"] for hit in client.get(reverse("search"), {"q": "module"}).context["hits"]
        )
    )


def test_an_instructor_finds_every_assignment_of_the_course_they_teach(
    client, instructor, assignments
):
    client.force_login(instructor)
    assert curriculum_titles(client, "essay") == {f"Essay of module {n}" for n in range(1, 5)}


def test_staff_and_editors_find_locked_assignments(client, course, assignments):
    staff = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(staff)
    assert titles(client, "zanzibar4") == {"Essay of module 4"}

    editor = UserFactory(username="eddie")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert titles(client, "zanzibar4") == {"Essay of module 4"}


def test_the_result_count_counts_only_what_the_viewer_may_read(client, enrolment, assignments):
    client.force_login(enrolment.user)
    response = client.get(reverse("search"), {"q": "essay"})
    assert response.context["hits"] and len(response.context["hits"]) == 2
    assert "2 results for" in response.content.decode()


def test_readable_hits_are_not_crowded_out_by_locked_ones(client, enrolment, course):
    # More locked pages match than the page shows: the readable one must still appear.
    locked = module_of(course, 4)
    for n in range(70):
        locked.add_child(instance=LessonPage(title=f"Quokka {n}", slug=f"quokka-{n}"))
    module_of(course, 1).add_child(instance=LessonPage(title="Quokka open", slug="quokka-open"))
    client.force_login(enrolment.user)
    assert titles(client, "quokka") == {"Quokka open"}


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        '"unterminated',
        "\x00",
        "a\x00b",
        "\x01\x02\x1f",
        "\t\n\r",
        "x" * 10_000,
        "a " * 5_000,
        "(",
        ")",
        "a AND (b",
        "OR",
        "NOT",
        "a NEAR b",
        "*",
        "-",
        "^",
        ":",
        "%",
        "100% sure",
        "\\",
        "\ufffd",
        "😀",
        "a & b | !c",
    ],
)
def test_any_query_text_is_answered(client, enrolment, assignments, query):
    client.force_login(enrolment.user)
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


def test_a_query_with_punctuation_still_finds_its_words(client, enrolment, assignments):
    client.force_login(enrolment.user)
    assert titles(client, '"zanzibar1') == {"Essay of module 1"}


@pytest.fixture
def searchable(course, assignments, enrolment):
    return enrolment.user


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.text(max_size=300))
def test_the_search_selector_answers_arbitrary_text(searchable, query):
    hits = search_curriculum(user=searchable, query=query)
    assert all(not isinstance(hit["page"], CoursePage) or hit["page"].live for hit in hits)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300))
def test_the_search_page_answers_arbitrary_text(client, searchable, query):
    client.force_login(searchable)
    assert client.get(reverse("search"), {"q": query}).status_code == 200
