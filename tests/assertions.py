"""Assertions shared by the test modules of several apps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Model


def assert_error(response, status: int, code: str | None = None) -> dict:
    """An API error in the project's shape: the status, a ``detail`` a person can read
    and, where given, the machine-readable ``code``."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"] and isinstance(body["detail"], str)
    if code is not None:
        assert body["code"] == code, body
    return body


def _rows(model: type[Model]) -> list[dict]:
    return list(model._default_manager.order_by("pk").values())


@contextmanager
def unchanged(*models: type[Model]) -> Iterator[None]:
    """Every row of these models is the same after the block as before it: nothing
    added, removed or edited. For requests that must be refused without a trace: a
    403 (or 404) alone does not say that nothing was written first."""
    before = {model: _rows(model) for model in models}
    yield
    for model in models:
        assert _rows(model) == before[model], f"a refused request changed {model.__name__}"


def without_welcomes(outbox) -> list:
    """The emails of a test about seats, less the community's welcome that every newly
    active member also gets (its subject ends "say hello" / "zeg hallo")."""
    return [m for m in outbox if not m.subject.endswith(("say hello", "zeg hallo"))]
