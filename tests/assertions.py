"""Assertions shared by the test modules of several apps."""

from __future__ import annotations


def assert_error(response, status: int, code: str | None = None) -> dict:
    """An API error in the project's shape: the status, a ``detail`` a person can read
    and, where given, the machine-readable ``code``."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"] and isinstance(body["detail"], str)
    if code is not None:
        assert body["code"] == code, body
    return body
