"""A sweep of every route with malformed input: whatever arrives, the answer is never
a server error. Routes are found by walking the URL resolver, so new ones are swept
too; ids point at real rows so that the views get past their 404s."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from badges.models import Award
from notifications.models import Notification
from reviews import services as review_services
from reviews.models import Review
from tests.factories import UserFactory
from tests.live.factories import LiveSessionFactory
from tests.reviews.conftest import build_scenario

pytestmark = pytest.mark.django_db

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

PROJECT_APPS = {"lms", "cms", "notifications", "cohorts", "assignments", "payments", "live"}
PROJECT_APPS |= {"reviews", "badges", "home"}

BIG = 10**29


def _json(value) -> bytes:
    return json.dumps(value).encode()


BODIES = [
    ("empty", b"", "application/json"),
    ("array", b"[1, 2]", "application/json"),
    ("string", b'"x"', "application/json"),
    ("null", b"null", "application/json"),
    ("deep", b"[" * 5000, "application/json"),
    ("wrong types", _json({"capacity": "many", "scores": [], "text": {}, "going": "x"}), JSON),
    ("negative", _json({"amount": -5, "capacity": -1, "helpfulness": -3, "recipient": -1}), JSON),
    ("huge", _json({"capacity": BIG, "amount": BIG, "recipient": BIG, "cohort_id": BIG}), JSON),
    ("infinite", b'{"capacity": 1e400, "amount": 1e400, "helpfulness": 1e400}', JSON),
    ("nul", _json({k: "a\x00" for k in ("reason", "title", "text", "answer", "note")}), JSON),
    ("long", _json({"reason": "r" * 20_000, "title": "t" * 20_000, "note": "n" * 20_000}), JSON),
    ("long link", _json({"link": "https://example.org/" + "a" * 600}), JSON),
    ("text/plain", b"hello", "text/plain"),
    ("bad multipart", b"--x\r\nnot a part", "multipart/form-data; boundary=x"),
    ("form", b"reason=" + b"r" * 20_000 + b"&amount=-1&capacity=abc", FORM),
]


def _routes(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + route)
        elif isinstance(pattern, URLPattern):
            module = getattr(pattern.callback, "__module__", "")
            ours = module.split(".")[0] in PROJECT_APPS and not prefix.startswith("admin/")
            if ours and not route.startswith("^"):
                yield prefix + route


@pytest.fixture
def world(db):
    scenario = build_scenario(4, submit=True, accepts_link=True)
    review_services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    session = LiveSessionFactory(cohort=scenario.cohort)
    submission = scenario.submission_of(scenario.students[0])
    review = Review.objects.filter(submission=submission).first() or Review.objects.first()
    ids = {
        "cohort_id": scenario.cohort.pk,
        "assignment_id": scenario.assignment.pk,
        "submission_id": submission.pk,
        "review_id": review.public_id,
        "session_id": session.pk,
        "user_id": scenario.students[0].pk,
        "number": 1,
        "module_id": scenario.assignment.get_parent().pk,
        "lesson_id": scenario.assignment.get_parent().get_children().first().pk,
        "notification_id": getattr(Notification.objects.first(), "pk", 1),
        "award_id": getattr(Award.objects.first(), "pk", 1),
    }
    return scenario, ids


def _address(route: str, ids: dict, bad_id: str | None = None) -> str:
    def fill(match):
        kind, name = match.group(1), match.group(2)
        if kind == "uuid":
            return str(ids.get(name, "00000000-0000-0000-0000-000000000000"))
        if kind in ("str", "slug", "path"):
            return "x"
        return bad_id if bad_id is not None else str(ids.get(name, 1))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def _sweep(client, addresses) -> list[tuple]:
    failures = []
    for address in addresses:
        for method in ("post", "put", "patch"):
            for label, body, content_type in BODIES:
                response = getattr(client, method)(address, body, content_type=content_type)
                if response.status_code >= 500:
                    failures.append((method, address, label, response.status_code))
        for query in ({"page": "-1"}, {"page": "x" * 5000}, {"course": "²"}, {"per_page": "0"}):
            response = client.get(address, query)
            if response.status_code >= 500:
                failures.append(("get", address, query, response.status_code))
    return failures


@pytest.mark.parametrize("who", ["student", "instructor", "staff"])
def test_no_route_answers_malformed_input_with_a_server_error(client, world, who):
    scenario, ids = world
    user = {
        "student": scenario.students[0],
        "instructor": scenario.instructor,
        "staff": UserFactory(username="root", is_staff=True, is_superuser=True),
    }[who]
    client.force_login(user)
    client.raise_request_exception = False
    addresses = [_address(route, ids) for route in _routes()]
    assert _sweep(client, addresses) == []


def test_no_route_answers_a_non_numeric_or_negative_id_with_a_server_error(client, world):
    scenario, ids = world
    client.force_login(scenario.instructor)
    client.raise_request_exception = False
    failures = []
    for route in _routes():
        for bad in ("abc", "-1", "0", "1.5", "%00"):
            response = client.get(_address(route, ids, bad_id=bad))
            if response.status_code >= 500:
                failures.append((route, bad, response.status_code))
    assert failures == []
