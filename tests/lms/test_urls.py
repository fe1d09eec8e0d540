"""Ids in addresses: a number past the largest database id is an unknown page (404),
never an integer overflow in the database driver (500). Every route with an integer
parameter is found by walking the URL resolver, so new routes are covered too."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from lms.converters import MAX_ID, IdConverter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("lms", "cms", "notifications", "cohorts", "assignments", "payments", "live")
PROJECT_APPS += ("reviews", "badges", "home")
TOO_LARGE = (2**63, 10**30)


def _routes(resolver=None, prefix="", converters=None):
    """(route text, {name: converter}, module of the view) for every URL pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        found = {**(converters or {}), **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + route, found)
        elif isinstance(pattern, URLPattern):
            module = getattr(pattern.callback, "__module__", "")
            yield prefix + route, found, module


def _numeric_routes():
    for route, converters, module in _routes():
        numeric = {n: c for n, c in converters.items() if isinstance(c, IntConverter | IdConverter)}
        if numeric and not route.startswith("^"):
            yield route, numeric, module


def _address(route: str, value: int) -> str:
    def fill(match):
        kind = match.group(1)
        return {"uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}.get(kind, str(value))

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route)


def _is_project_route(route: str, module: str) -> bool:
    # Admin views, ours included, are routed by Wagtail's viewsets with its own <int:pk>.
    return module.split(".")[0] in PROJECT_APPS and not route.startswith("admin/")


def test_every_project_route_takes_ids_through_the_id_converter():
    plain_int = [
        route
        for route, converters, module in _numeric_routes()
        if _is_project_route(route, module)
        and any(type(c) is IntConverter for c in converters.values())
    ]
    assert plain_int == []


def test_the_project_has_routes_with_ids():
    assert sum(1 for r, _c, m in _numeric_routes() if _is_project_route(r, m)) > 40


@pytest.mark.parametrize("value", TOO_LARGE)
def test_an_id_past_the_largest_database_id_is_a_404_on_every_route(client, value):
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    routes = [r for r in _numeric_routes() if _is_project_route(r[0], r[2])]
    for viewer in (None, staff):
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        for route, _converters, _module in routes:
            address = _address(route, value)
            for method in ("get", "post"):
                response = getattr(client, method)(address)
                assert response.status_code == 404, (method, address, response.status_code)


@pytest.mark.parametrize("value", TOO_LARGE)
def test_an_id_past_the_largest_database_id_never_fails_on_admin_and_wagtail_routes(client, value):
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for route, _converters, module in _numeric_routes():
        if _is_project_route(route, module):
            continue
        address = _address(route, value)
        response = client.get(address)
        assert response.status_code < 500, (address, response.status_code)


def test_the_id_converter_takes_one_to_the_largest_id():
    converter = IdConverter()
    assert re.fullmatch(converter.regex, "1")
    assert not re.fullmatch(converter.regex, "0")
    assert not re.fullmatch(converter.regex, "-1")
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    with pytest.raises(ValueError):
        converter.to_python(str(MAX_ID + 1))
    assert not re.fullmatch(converter.regex, str(10**30))
