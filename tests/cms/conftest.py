"""Builders for the help centre, news and topics."""

from __future__ import annotations

import datetime as dt

import pytest

from cms.models import (
    HelpArticlePage,
    HelpCategoryPage,
    HelpIndexPage,
    NewsIndexPage,
    NewsPostPage,
    Topic,
)
from tests.factories import home_page


def make_topic(slug: str, *, position: int = 0) -> Topic:
    return Topic.objects.create(name=slug.title(), slug=slug, sort_order=position)


def make_post(index: NewsIndexPage, title: str, *, days_ago: int = 0, topics=(), **fields):
    return index.add_child(
        instance=NewsPostPage(
            title=title,
            slug=title.lower().replace(" ", "-"),
            date=dt.date(2026, 11, 30) - dt.timedelta(days=days_ago),
            intro=f"About {title.lower()}.",
            body=[("paragraph", f"<p>{fields.pop('text', 'News.')}</p>")],
            topics=list(topics),
            **fields,
        )
    )


@pytest.fixture
def help_index() -> HelpIndexPage:
    return home_page().add_child(instance=HelpIndexPage(title="Help", slug="help"))


@pytest.fixture
def help_category(help_index) -> HelpCategoryPage:
    return help_index.add_child(
        instance=HelpCategoryPage(title="Payments", slug="payments", intro="Paying.")
    )


@pytest.fixture
def invoice_article(help_category) -> HelpArticlePage:
    return help_category.add_child(
        instance=HelpArticlePage(
            title="How do I pay by invoice?",
            slug="pay-by-invoice",
            intro="Transfer the amount before the due date.",
            body=[
                ("heading", {"text": "Steps", "level": "h2"}),
                ("paragraph", "<p>Quote the payment reference with your bank transfer.</p>"),
            ],
        )
    )


@pytest.fixture
def news_index() -> NewsIndexPage:
    return home_page().add_child(instance=NewsIndexPage(title="News", slug="news"))
