import datetime as dt

import pytest
from django.utils import timezone

from cohorts.models import Enrolment, EnrolmentStatus, LessonCompletion
from tests.assertions import assert_error
from tests.cohorts.conftest import lesson_of
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def as_student(api, student):
    api.force_authenticate(student)
    return api


# --- Catalogue ------------------------------------------------------------------------------


def test_an_anonymous_visitor_reads_the_catalogue(api, cohort):
    courses = api.get(f"{API}/courses/")
    assert courses.status_code == 200
    [course] = courses.json()
    assert course["title"] == "Writing for the web"
    assert [c["id"] for c in course["cohorts"]] == [cohort.pk]

    cohorts = api.get(f"{API}/cohorts/", {"course": cohort.course_id})
    assert [(c["id"], c["seats_left"], c["window"]) for c in cohorts.json()] == [
        (cohort.pk, 30, "open")
    ]
    detail = api.get(f"{API}/cohorts/{cohort.pk}/")
    assert detail.status_code == 200
    assert detail.json()["my_status"] is None


def test_a_cohort_filter_that_is_not_a_number_is_a_400(api, cohort):
    body = assert_error(api.get(f"{API}/cohorts/", {"course": "abc"}), 400, "invalid")
    assert body["errors"] == {"course": ["Give a course id (a number)."]}


def test_an_unknown_cohort_is_a_404_with_detail_and_code(api, db):
    assert assert_error(api.get(f"{API}/cohorts/999999/"), 404, "not_found") == {
        "detail": "There is no cohort with that id.",
        "code": "not_found",
    }


# --- Enrolment ------------------------------------------------------------------------------


def test_enrolling_gives_an_active_seat(as_student, cohort, student):
    response = as_student.post(f"{API}/cohorts/{cohort.pk}/enrol/")
    assert response.status_code == 201
    assert response.json()["status"] == "active"
    assert response.json()["waitlist_position"] is None
    assert Enrolment.objects.get(user=student).status == EnrolmentStatus.ACTIVE


def test_enrolling_in_a_full_cohort_waitlists_with_a_position(as_student, course, student):
    cohort = CohortFactory(course=course, capacity=1)
    EnrolmentFactory(cohort=cohort)
    response = as_student.post(f"{API}/cohorts/{cohort.pk}/enrol/")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["waitlist_position"]) == ("waitlisted", 1)

    mine = as_student.get(f"{API}/cohorts/{cohort.pk}/enrolment/")
    assert mine.json()["waitlist_position"] == 1
    assert [e["cohort_id"] for e in as_student.get(f"{API}/me/enrolments/").json()] == [cohort.pk]


def test_enrolling_twice_is_a_409(as_student, cohort):
    as_student.post(f"{API}/cohorts/{cohort.pk}/enrol/")
    again = as_student.post(f"{API}/cohorts/{cohort.pk}/enrol/")
    body = assert_error(again, 409, "already_enrolled")
    assert "already" in body["detail"]
    assert Enrolment.objects.count() == 1


def test_enrolling_outside_the_window_is_a_409_and_writes_nothing(as_student, course):
    now = timezone.now()
    cohort = CohortFactory(
        course=course,
        enrolment_opens_at=now - dt.timedelta(days=20),
        enrolment_closes_at=now - dt.timedelta(days=1),
    )
    assert_error(as_student.post(f"{API}/cohorts/{cohort.pk}/enrol/"), 409, "enrolment_closed")
    assert not Enrolment.objects.exists()


def test_an_anonymous_enrolment_is_refused_with_a_message(api, cohort):
    response = api.post(f"{API}/cohorts/{cohort.pk}/enrol/")
    body = assert_error(response, 401, "not_authenticated")
    assert "credentials" in body["detail"]
    assert not Enrolment.objects.exists()


def test_leaving_cancels_the_enrolment_and_a_second_leave_is_a_404(as_student, enrolment):
    response = as_student.post(f"{API}/cohorts/{enrolment.cohort_id}/leave/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = as_student.post(f"{API}/cohorts/{enrolment.cohort_id}/leave/")
    assert_error(again, 404, "not_enrolled")


def test_a_completed_enrolment_cannot_be_left(as_student, cohort, student):
    EnrolmentFactory(cohort=cohort, user=student, status=EnrolmentStatus.COMPLETED)
    assert_error(as_student.post(f"{API}/cohorts/{cohort.pk}/leave/"), 409)


# --- Curriculum -----------------------------------------------------------------------------


def test_modules_show_which_are_locked_and_when_they_open(as_student, enrolment):
    response = as_student.get(f"{API}/cohorts/{enrolment.cohort_id}/modules/")
    assert response.status_code == 200
    modules = response.json()
    assert [(m["title"], m["locked"]) for m in modules] == [
        ("Module 1", False),
        ("Module 2", False),
        ("Module 3", True),
        ("Module 4", True),
    ]
    assert all(m["unlocks_at"] for m in modules)
    assert [m["week"] for m in modules] == [1, 2, 3, 4]


def test_a_locked_module_lists_no_lessons(as_student, enrolment, open_module, locked_module):
    url = f"{API}/cohorts/{enrolment.cohort_id}/modules/"
    unlocked = as_student.get(f"{url}{open_module.pk}/").json()
    assert [x["title"] for x in unlocked["lessons"]] == ["Lesson 1.1", "Lesson 1.2"]
    locked = as_student.get(f"{url}{locked_module.pk}/")
    assert locked.status_code == 200
    assert (locked.json()["locked"], locked.json()["lessons"]) == (True, [])


def test_a_locked_lesson_is_a_403_with_its_unlock_moment_and_no_body(
    as_student, enrolment, locked_lesson
):
    response = as_student.get(f"{API}/cohorts/{enrolment.cohort_id}/lessons/{locked_lesson.pk}/")
    body = assert_error(response, 403, "module_locked")
    assert body["unlocks_at"]
    assert "body" not in body
    assert b"Secret content" not in response.content


def test_an_open_lesson_has_its_content(as_student, enrolment, open_lesson):
    response = as_student.get(f"{API}/cohorts/{enrolment.cohort_id}/lessons/{open_lesson.pk}/")
    assert response.status_code == 200
    assert "Secret content of lesson 1.1" in response.json()["body_html"]
    assert response.json()["body"][0]["type"] == "paragraph"


def test_progress_summarises_the_cohort_for_the_student(as_student, enrolment, open_lesson):
    url = f"{API}/cohorts/{enrolment.cohort_id}/lessons/{open_lesson.pk}/completion/"
    as_student.put(url, {"completed": True}, format="json")
    body = as_student.get(f"{API}/cohorts/{enrolment.cohort_id}/progress/").json()
    assert (body["role"], body["lessons_completed"], body["lessons_total"]) == ("student", 1, 8)
    assert body["next_unlock_at"] == body["modules"][2]["unlocks_at"]


def test_completion_can_be_set_and_cleared(as_student, enrolment, open_lesson):
    url = f"{API}/cohorts/{enrolment.cohort_id}/lessons/{open_lesson.pk}/completion/"
    response = as_student.put(url, {"completed": True}, format="json")
    assert (response.status_code, response.json()) == (200, {"completed": True})
    assert LessonCompletion.objects.filter(enrolment=enrolment, lesson=open_lesson).exists()
    lesson = as_student.get(f"{API}/cohorts/{enrolment.cohort_id}/lessons/{open_lesson.pk}/")
    assert lesson.json()["completed"] is True

    response = as_student.put(url, {"completed": False}, format="json")
    assert (response.status_code, response.json()) == (200, {"completed": False})
    assert not LessonCompletion.objects.exists()


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        ('{"completed": "maybe"}', "application/json", "invalid"),
        ("{}", "application/json", "invalid"),
        ("completed=yes please", "text/plain", "unsupported_media_type"),
        ("{not json", "application/json", "parse_error"),
    ],
)
def test_a_malformed_completion_is_refused(
    as_student, enrolment, open_lesson, data, content_type, code
):
    url = f"{API}/cohorts/{enrolment.cohort_id}/lessons/{open_lesson.pk}/completion/"
    response = as_student.put(url, data, content_type=content_type)
    assert_error(response, 415 if code == "unsupported_media_type" else 400, code)
    assert not LessonCompletion.objects.exists()


def test_completing_a_locked_lesson_is_a_409(as_student, enrolment, locked_lesson):
    url = f"{API}/cohorts/{enrolment.cohort_id}/lessons/{locked_lesson.pk}/completion/"
    assert_error(as_student.put(url, {"completed": True}, format="json"), 409, "module_locked")


# --- Instructors ----------------------------------------------------------------------------


def test_the_roster_lists_students_and_filters_those_behind(api, cohort, instructor):
    keen = EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Anna"))
    late = EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Bert"))
    for n in (1, 2):
        LessonCompletion.objects.create(
            enrolment=keen, lesson=lesson_of(cohort.course, 1, n), completed_at=timezone.now()
        )
    api.force_authenticate(instructor)

    body = api.get(f"{API}/cohorts/{cohort.pk}/roster/").json()
    assert (body["count"], body["lessons_due"], body["behind_count"]) == (2, 2, 1)
    assert [(r["name"], r["behind"]) for r in body["results"]] == [("Anna", False), ("Bert", True)]

    behind = api.get(f"{API}/cohorts/{cohort.pk}/roster/", {"behind": "true"}).json()
    assert [r["enrolment_id"] for r in behind["results"]] == [late.pk]

    assert_error(api.get(f"{API}/cohorts/{cohort.pk}/roster/", {"page": "0"}), 400, "invalid")


def test_a_student_cannot_read_the_roster(as_student, enrolment):
    response = as_student.get(f"{API}/cohorts/{enrolment.cohort_id}/roster/")
    assert_error(response, 403, "permission_denied")


# --- Me and tokens --------------------------------------------------------------------------


def test_me_shows_and_updates_preferences(as_student, student):
    assert as_student.get(f"{API}/me/").json()["username"] == "sam"
    response = as_student.patch(
        f"{API}/me/", {"timezone": "America/New_York", "language": "nl"}, format="json"
    )
    assert response.status_code == 200
    student.refresh_from_db()
    assert (student.timezone, student.language) == ("America/New_York", "nl")


def test_a_bad_timezone_is_a_400_that_names_it(as_student, student):
    response = as_student.patch(f"{API}/me/", {"timezone": "Mars/Olympus"}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "'Mars/Olympus' is not a timezone" in body["detail"]
    assert body["errors"] == {"timezone": [body["detail"]]}
    student.refresh_from_db()
    assert student.timezone == ""


def test_a_token_from_username_and_password_authenticates(api, enrolment, student):
    response = api.post(
        f"{API}/auth/token/", {"username": "sam", "password": "correct horse battery"}
    )
    assert response.status_code == 200
    token = response.json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(f"{API}/me/").json()["username"] == "sam"
    assert api.get(f"{API}/cohorts/{enrolment.cohort_id}/progress/").status_code == 200


def test_a_wrong_password_gets_no_token(api, student):
    response = api.post(f"{API}/auth/token/", {"username": "sam", "password": "nope"})
    assert_error(response, 400, "invalid")
    assert not student.auth_token_set.exists()


def test_an_invalid_token_is_refused(api, student):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    # Session authentication comes first, so DRF answers 403 rather than 401.
    assert_error(api.get(f"{API}/me/"), 401, "authentication_failed")


# --- Schema ---------------------------------------------------------------------------------


def test_the_schema_describes_our_endpoints_only(api, db):
    response = api.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for expected in (
        "/api/v1/courses/",
        "/api/v1/cohorts/{cohort_id}/enrol/",
        "/api/v1/cohorts/{cohort_id}/lessons/{lesson_id}/completion/",
        "/api/v1/cohorts/{cohort_id}/roster/",
        "/api/v1/me/",
        "/api/v1/auth/token/",
    ):
        assert expected in paths
    assert all(path.startswith("/api/v1/") for path in paths)


def test_the_api_docs_page_renders(api, db):
    assert api.get(f"{API}/docs/").status_code == 200


# --- No 500s --------------------------------------------------------------------------------

UNKNOWN = 999_999


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "cohorts/{unknown}/", 404),
        ("post", "cohorts/{unknown}/enrol/", 404),
        ("post", "cohorts/{unknown}/leave/", 404),
        ("get", "cohorts/{unknown}/enrolment/", 404),
        ("get", "cohorts/{unknown}/progress/", 404),
        ("get", "cohorts/{unknown}/modules/", 404),
        ("get", "cohorts/{cohort}/modules/{unknown}/", 404),
        ("get", "cohorts/{unknown}/modules/{module}/", 404),
        ("get", "cohorts/{cohort}/lessons/{unknown}/", 404),
        ("get", "cohorts/{cohort}/lessons/{module}/", 404),  # a module is not a lesson
        ("get", "cohorts/{unknown}/lessons/{lesson}/", 404),
        ("put", "cohorts/{cohort}/lessons/{unknown}/completion/", 404),
        ("put", "cohorts/{unknown}/lessons/{lesson}/completion/", 404),
        ("get", "cohorts/{unknown}/roster/", 404),
        ("get", "cohorts/{cohort}/modules/{foreign_module}/", 404),
        ("get", "cohorts/{cohort}/lessons/{foreign_lesson}/", 404),
    ],
)
def test_an_unknown_id_is_a_4xx_with_detail_and_code_never_a_500(
    as_student, enrolment, other_cohort, open_module, open_lesson, method, path, status
):
    url = f"{API}/" + path.format(
        unknown=UNKNOWN,
        cohort=enrolment.cohort_id,
        module=open_module.pk,
        lesson=open_lesson.pk,
        foreign_module=other_cohort.course.get_children().first().pk,
        foreign_lesson=lesson_of(other_cohort.course, 1, 1).pk,
    )
    response = getattr(as_student, method)(url, {"completed": True}, format="json")
    assert_error(response, status)


def test_an_id_longer_than_the_database_stores_is_a_404_not_a_500(as_student, cohort, enrolment):
    huge = "9" * 25
    for url in (
        f"/api/v1/cohorts/{cohort.pk}/lessons/{huge}/",
        f"/api/v1/cohorts/{cohort.pk}/modules/{huge}/",
        f"/api/v1/cohorts/{huge}/progress/",
    ):
        response = as_student.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
