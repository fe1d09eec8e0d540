"""The OpenAPI schema and the server agree: schemathesis generates requests for every
operation of /api/v1/schema/ (path ids both random and taken from a realistic cohort)
and checks each answer against the schema, as an anonymous visitor, a student and an
instructor of that cohort.

Each generated request runs in a savepoint that is rolled back, so every example meets
the same cohort: a student who leaves in one example is back for the next. Bounded and
derandomized so that a run is quick and repeatable."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.scene import auth_header

pytestmark = [pytest.mark.django_db, pytest.mark.schema]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 10


@contextmanager
def _test_connection_kept():
    """As Django's test client does, requests through the WSGI application must not
    close the connection that holds the test's transaction. (The test client connects
    the handler again after each of its own requests, so this wraps only the
    schemathesis calls.)"""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _examples(operation, scene):
    names = [parameter.name for parameter in operation.path_parameters]
    if not names:
        return operation.as_strategy()
    known = scene.parameters_for(operation.path, names)
    # Ids of the scene's objects reach the code behind the lookup; random ones the 404s.
    return st.one_of(operation.as_strategy(path_parameters=known), operation.as_strategy())


def _run(operation, strategy, headers, calls: list[int]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
                calls.append(response.status_code)
                case.validate_response(response, checks=CHECKS)
            finally:
                transaction.set_rollback(True)

    check()


@pytest.mark.parametrize("role", ["anonymous", "student", "instructor"])
def test_every_operation_answers_as_its_schema_says(scene, role):
    headers = auth_header(scene.user(role))
    failures, calls, operations = [], [], 0
    with _test_connection_kept():
        app = get_wsgi_application()
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app)
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            try:
                _run(operation, _examples(operation, scene), headers, calls)
            except Exception as exc:  # one report for every operation that fails
                failures.append(f"{operation.label}\n{exc}")
    print(f"\n{role}: {operations} operations, {len(calls)} calls")
    assert operations and not failures, "\n\n".join(failures)
