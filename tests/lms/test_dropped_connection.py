"""A database connection dropped under a web request: a read is tried once more on a new
connection; a write, or a read that fails twice, is a 503 with Retry-After that says
whether anything was saved. Never a 500.

Most tests fail queries with an execute wrapper (SQLite and PostgreSQL); the last ones
kill the request's own PostgreSQL backend for real."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from cohorts.models import Cohort, Enrolment
from lms.services import api_token_create
from notifications.models import Notification
from tests.assertions import assert_error, unchanged
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

API = "/api/v1"
NOTHING_SAVED = "The service had a brief problem, and nothing was saved."
WRITE_MODELS = (Enrolment, Enrolment.history.model, Cohort, Notification)


class DropConnection:
    """An execute wrapper failing chosen queries as a dropped connection does."""

    def __init__(self, times: int = 1, when=lambda sql, conn: True):
        self.left = times
        self.when = when
        self.failed: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if self.left and self.when(sql, context["connection"]):
            self.left -= 1
            self.failed.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def on_table(table: str, statement: str = "SELECT"):
    return lambda sql, conn: sql.startswith(statement) and f'"{table}"' in sql


def after_committed_insert_into(table: str):
    """The first query outside a transaction after an INSERT into ``table``: the
    INSERT's transaction has committed by then."""
    seen = False

    def when(sql, conn):
        nonlocal seen
        if sql.startswith(f'INSERT INTO "{table}"'):
            seen = True
            return False
        return seen and not conn.in_atomic_block

    return when


def requested(client, method: str, url: str, drop: DropConnection, **extra):
    with connection.execute_wrapper(drop):
        response = getattr(client, method)(url, **extra)
    assert drop.failed, "no query failed: the test did not simulate anything"
    return response


@pytest.fixture
def as_student(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def token_api(api, student):
    _token, key = api_token_create(user=student)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def assert_unavailable_page(response, retry_after: str = "5") -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == retry_after
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


# --- Reads are tried once more ------------------------------------------------------


@pytest.mark.django_db
def test_a_page_whose_session_load_fails_once_is_shown_after_one_retry(as_student, enrolment):
    drop = DropConnection(when=on_table("django_session"))
    response = requested(
        as_student, "get", reverse("cohorts:dashboard", args=[enrolment.cohort_id]), drop
    )
    assert response.status_code == 200
    assert enrolment.cohort.name in response.content.decode()


@pytest.mark.django_db
def test_a_page_whose_view_query_fails_once_is_shown_after_one_retry(as_student, enrolment):
    drop = DropConnection(when=on_table("cohorts_enrolment"))
    response = requested(
        as_student, "get", reverse("cohorts:dashboard", args=[enrolment.cohort_id]), drop
    )
    assert response.status_code == 200
    assert enrolment.cohort.name in response.content.decode()


@pytest.mark.django_db
def test_an_api_read_whose_first_query_fails_once_answers_after_one_retry(token_api, enrolment):
    response = requested(token_api, "get", f"{API}/me/enrolments/", DropConnection())
    assert response.status_code == 200
    assert [e["cohort_id"] for e in response.json()] == [enrolment.cohort_id]


@pytest.mark.django_db
def test_a_page_that_fails_twice_is_a_503_with_retry_after_and_a_message(as_student, enrolment):
    drop = DropConnection(times=2, when=on_table("cohorts_enrolment"))
    response = requested(
        as_student, "get", reverse("cohorts:dashboard", args=[enrolment.cohort_id]), drop
    )
    page = assert_unavailable_page(response)
    assert NOTHING_SAVED in page
    assert "Try again" in page
    assert len(drop.failed) == 2


@pytest.mark.django_db
def test_a_page_whose_session_load_fails_twice_is_a_503(as_student, enrolment):
    drop = DropConnection(times=2, when=on_table("django_session"))
    response = requested(
        as_student, "get", reverse("cohorts:dashboard", args=[enrolment.cohort_id]), drop
    )
    assert NOTHING_SAVED in assert_unavailable_page(response)


@pytest.mark.django_db
def test_an_api_read_that_fails_twice_is_a_503_in_the_error_shape(token_api, enrolment):
    response = requested(token_api, "get", f"{API}/me/enrolments/", DropConnection(times=2))
    body = assert_error(response, 503, "database_unavailable")
    assert body["detail"].startswith(NOTHING_SAVED)
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
def test_the_503_is_in_the_language_of_the_request(client, enrolment, settings):
    settings.LMS_DB_RETRY_AFTER_SECONDS = 12
    client.force_login(UserFactory(language="nl"))
    drop = DropConnection(times=2, when=on_table("cohorts_enrolment"))
    page = assert_unavailable_page(
        requested(client, "get", reverse("cohorts:my_cohorts"), drop), retry_after="12"
    )
    assert 'lang="nl"' in page

    api = Client(HTTP_ACCEPT_LANGUAGE="nl")
    response = requested(api, "get", f"{API}/courses/", DropConnection(times=2))
    assert_error(response, 503, "database_unavailable")
    assert response["Retry-After"] == "12"
    assert response["Content-Language"] == "nl"


# --- Writes are a 503, with nothing written -----------------------------------------


@pytest.mark.django_db
def test_an_api_enrolment_that_loses_its_connection_is_a_503_and_writes_nothing(token_api, cohort):
    drop = DropConnection(when=on_table("cohorts_enrolment", "INSERT"))
    with unchanged(*WRITE_MODELS):
        response = requested(token_api, "post", f"{API}/cohorts/{cohort.pk}/enrol/", drop)
    body = assert_error(response, 503, "database_unavailable")
    assert body["detail"].startswith(NOTHING_SAVED)
    assert response["Retry-After"] == "5"
    # Sending it again works.
    assert token_api.post(f"{API}/cohorts/{cohort.pk}/enrol/").status_code == 201


@pytest.mark.django_db
def test_an_enrol_form_that_loses_its_connection_is_a_503_and_writes_nothing(as_student, cohort):
    drop = DropConnection(when=on_table("cohorts_enrolment", "INSERT"))
    with unchanged(*WRITE_MODELS):
        response = requested(as_student, "post", reverse("cohorts:enrol", args=[cohort.pk]), drop)
    page = assert_unavailable_page(response)
    assert NOTHING_SAVED in page
    assert "Try again" not in page  # a link would not send the form again


@pytest.mark.django_db
def test_a_post_is_never_tried_twice(as_student, enrolment):
    # The first query of leaving fails: the view is not called again, nothing changes.
    drop = DropConnection(times=2, when=on_table("cohorts_enrolment"))
    with unchanged(*WRITE_MODELS):
        response = requested(
            as_student, "post", reverse("cohorts:leave", args=[enrolment.cohort_id]), drop
        )
    assert_unavailable_page(response)
    assert len(drop.failed) == 1


@pytest.mark.django_db(transaction=True)
def test_a_write_that_committed_before_the_connection_dropped_says_so(course, student):
    # A full cohort: the place on the waitlist is committed, then its position is read.
    cohort = CohortFactory(course=course, capacity=1)
    EnrolmentFactory(cohort=cohort)
    api = Client()
    api.force_login(student)
    drop = DropConnection(when=after_committed_insert_into("cohorts_enrolment"))
    response = requested(api, "post", f"{API}/cohorts/{cohort.pk}/enrol/", drop)
    body = assert_error(response, 503, "database_unavailable_after_write")
    assert "part of it may have been saved" in body["detail"]
    assert response["Retry-After"] == "5"
    assert Enrolment.objects.filter(user=student, cohort=cohort).exists()


@pytest.mark.django_db
def test_a_connection_lost_in_a_middleware_after_the_view_is_a_503(db):
    # A 404 makes Wagtail's redirect middleware look for a redirect.
    browser = Client(raise_request_exception=False)
    drop = DropConnection(when=on_table("wagtailredirects_redirect"))
    response = requested(browser, "get", "/no-such-page/", drop)
    assert NOTHING_SAVED in assert_unavailable_page(response)


# --- A real termination of the request's PostgreSQL backend -------------------------


class TerminateBackend:
    """An execute wrapper that, right before the first query ``when`` picks, has a
    second connection terminate this connection's backend, so that the query meets the
    real error."""

    def __init__(self, when):
        self.when = when
        self.terminated: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if not self.terminated and self.when(sql, context["connection"]):
            self.terminated.append(sql)
            self.terminate(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    @staticmethod
    def terminate(pid: int) -> None:
        import psycopg

        db = connection.settings_dict
        params = {
            "host": db["HOST"],
            "port": db["PORT"],
            "user": db["USER"],
            "password": db["PASSWORD"],
            "dbname": db["NAME"],
        }
        with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as other:
            # With a timeout, pg_terminate_backend waits until the backend is gone.
            assert other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]


@pytest.fixture
def terminated(transactional_db):
    """Requests with the backend terminated before the query ``when`` picks."""

    def request(client, method: str, url: str, when, **extra):
        kill = TerminateBackend(when)
        with connection.execute_wrapper(kill):
            response = getattr(client, method)(url, **extra)
        assert kill.terminated, "no backend was terminated"
        return response

    yield request
    # The test client keeps the connection between requests: one left broken by a
    # failing test must not fail the next tests' set-up too.
    connection.close_if_unusable_or_obsolete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_read_survives_its_backend_being_terminated(client, enrolment, terminated):
    client.force_login(enrolment.user)
    url = reverse("cohorts:dashboard", args=[enrolment.cohort_id])
    response = terminated(client, "get", url, lambda sql, conn: sql.startswith("SELECT"))
    assert response.status_code == 200
    assert enrolment.cohort.name in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_api_read_survives_its_backend_being_terminated(api, enrolment, terminated):
    _token, key = api_token_create(user=enrolment.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = terminated(api, "get", f"{API}/me/enrolments/", on_table("cohorts_enrolment"))
    assert response.status_code == 200
    assert [e["cohort_id"] for e in response.json()] == [enrolment.cohort_id]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", [False, True], ids=["api", "page"])
def test_an_enrolment_whose_backend_is_terminated_is_a_503_then_works(
    cohort, student, page, terminated
):
    client = Client()
    client.force_login(student)
    url = (
        reverse("cohorts:enrol", args=[cohort.pk]) if page else f"{API}/cohorts/{cohort.pk}/enrol/"
    )
    with unchanged(*WRITE_MODELS):
        response = terminated(client, "post", url, on_table("cohorts_enrolment", "INSERT"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    if page:
        assert NOTHING_SAVED in response.content.decode()
    else:
        assert_error(response, 503, "database_unavailable")

    # The next request gets a new connection.
    again = client.post(url)
    assert again.status_code == (302 if page else 201)
    assert Enrolment.objects.filter(user=student, cohort=cohort).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_leave_whose_backend_is_terminated_keeps_the_seat(client, enrolment, terminated):
    client.force_login(enrolment.user)
    url = f"{API}/cohorts/{enrolment.cohort_id}/leave/"
    with unchanged(*WRITE_MODELS):
        response = terminated(client, "post", url, on_table("cohorts_enrolment", "UPDATE"))
    assert_error(response, 503, "database_unavailable")
    assert client.post(url).status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.status == "cancelled"
