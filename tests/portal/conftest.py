"""Fixtures shared with the cms tests."""

from tests.cms.conftest import news_index  # noqa: F401
