"""Reads: the curriculum tree as plain, immutable outlines; topics and interests; the
knowledge base and the news.

Student pages need only a few columns of every module and lesson of a course; reading
them as value rows instead of Wagtail page instances keeps a 60-lesson course at one
cheap query per level (see bench/pages.py). The help and news pages are few; they
are read as pages, in a fixed number of queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from wagtail.models import Page

from cms.models import (
    HelpArticlePage,
    HelpCategoryPage,
    HelpIndexPage,
    LessonPage,
    ModulePage,
    NewsIndexPage,
    NewsPostPage,
    Topic,
    unlock_label,
)
from lms.models import User
from lms.textcheck import CONTROL_CHARACTER

STEPLEN = Page.steplen


@dataclass(frozen=True)
class ModuleOutline:
    pk: int
    title: str
    slug: str
    path: str
    depth: int
    summary: str
    unlock_unit: str
    unlock_offset: int

    @property
    def id(self) -> int:
        return self.pk

    @property
    def unlock_label(self) -> str:
        return unlock_label(self.unlock_unit, self.unlock_offset)


@dataclass(frozen=True)
class LessonOutline:
    pk: int
    title: str
    slug: str
    path: str
    depth: int
    estimated_minutes: int | None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def module_path(self) -> str:
        return self.path[:-STEPLEN]


_MODULE_COLUMNS = (
    "pk",
    "title",
    "slug",
    "path",
    "depth",
    "summary",
    "unlock_unit",
    "unlock_offset",
)
_LESSON_COLUMNS = ("pk", "title", "slug", "path", "depth", "estimated_minutes")


def modules_outline(
    *, course: Page, module_id: int | None = None, path: str | None = None
) -> list[ModuleOutline]:
    """The live modules of a course in tree order (or the one with that id or path)."""
    rows = ModulePage.objects.filter(
        live=True, path__startswith=course.path, depth=course.depth + 1
    )
    if module_id is not None:
        rows = rows.filter(pk=module_id)
    if path is not None:
        rows = rows.filter(path=path)
    return [ModuleOutline(*row) for row in rows.order_by("path").values_list(*_MODULE_COLUMNS)]


def lessons_outline(*, under: Page | ModuleOutline, depth: int) -> list[LessonOutline]:
    """Live lessons at ``depth`` below ``under`` (a course or a module), in tree order."""
    rows = LessonPage.objects.filter(live=True, path__startswith=under.path, depth=depth)
    return [LessonOutline(*row) for row in rows.order_by("path").values_list(*_LESSON_COLUMNS)]


# --- Interests --------------------------------------------------------------------------


def topics_list() -> list[Topic]:
    """Every topic, in the order staff gave them."""
    return list(Topic.objects.order_by("sort_order", "name"))


def interests_of(user: User) -> list[Topic]:
    """The topics a member follows, in the topics' order (none for a visitor)."""
    if not user.is_authenticated:
        return []
    return list(Topic.objects.filter(interests__user=user).order_by("sort_order", "name"))


# --- Knowledge base ---------------------------------------------------------------------

# A search is a few words: quotes and operators are dropped rather than handed to the
# full-text engine, whose syntax differs per database (as in the site search).
_SEARCH_WORD = re.compile(r"\w+")
_SEARCH_MAX_WORDS = 12


def search_query(raw: str) -> str:
    """The text of a search box as it may be echoed back: no control characters, at
    most 200 characters."""
    return CONTROL_CHARACTER.sub("", raw)[:200].strip()


@dataclass(frozen=True)
class HelpCategoryListing:
    category: HelpCategoryPage
    articles: list[HelpArticlePage]


def help_index_get(*, index: HelpIndexPage) -> list[HelpCategoryListing]:
    """The live, public categories of the help index with their articles, in tree
    order: three queries (view restrictions, categories, articles) however many."""
    private = Page.objects.private_q()  # reads the view restrictions once for both
    categories = list(
        HelpCategoryPage.objects.live().exclude(private).child_of(index).order_by("path")
    )
    articles = (
        HelpArticlePage.objects.live()
        .exclude(private)
        .descendant_of(index)
        .filter(depth=index.depth + 2)
        .order_by("path")
    )
    by_parent: dict[str, list[HelpArticlePage]] = {}
    for article in articles:
        by_parent.setdefault(article.path[:-STEPLEN], []).append(article)
    return [HelpCategoryListing(c, by_parent.get(c.path, [])) for c in categories]


def help_search(*, index: HelpIndexPage, query: str, limit: int = 30) -> list[HelpArticlePage]:
    """Live, public help articles under ``index`` matching the words of ``query``, best
    first. Nothing else of the site (news, lessons) is searched."""
    words = _SEARCH_WORD.findall(query)[:_SEARCH_MAX_WORDS]
    if not words:
        return []
    articles = HelpArticlePage.objects.live().public().descendant_of(index)
    return list(articles.search(" ".join(words))[:limit])


def help_related(*, article: HelpArticlePage) -> list[HelpArticlePage]:
    """The article's live related articles in the editor's order. Read from the page's
    own (possibly unsaved, in a preview) list, then one query for the pages."""
    ids = [link.related_id for link in article.related_articles.all() if link.related_id]
    pages = HelpArticlePage.objects.live().public().exclude(pk=article.pk).in_bulk(ids)
    return [pages[pk] for pk in dict.fromkeys(ids) if pk in pages]


# --- News -------------------------------------------------------------------------------

_NewsTopic = NewsPostPage.topics.through


def _news_for_member(user: User | None) -> Q:
    """Posts without topics, and for a member the posts on a topic they follow."""
    tagged = _NewsTopic.objects.filter(newspostpage=OuterRef("pk"))
    visible = ~Exists(tagged)
    if user is not None and user.is_authenticated:
        visible |= Exists(tagged.filter(topic__interests__user=user))
    return Q(visible)


def news_list(
    *, index: NewsIndexPage, topic: Topic | None = None, user: User | None = None
) -> QuerySet[NewsPostPage]:
    """The live posts of a news index, newest first, with their topics; only those on
    ``topic``, or (given a ``user``) those ``news_for`` would show them."""
    posts = NewsPostPage.objects.live().public().child_of(index)
    if topic is not None:
        posts = posts.filter(topics=topic)
    if user is not None:
        posts = posts.filter(_news_for_member(user))
    return posts.order_by("-date", "-pk").prefetch_related("topics")


def news_for(user: User, limit: int = 5) -> list[NewsPostPage]:
    """The member's recent news: live posts on a topic they follow and posts without
    topics (those only, for a visitor), newest first, with their topics. Three queries
    (view restrictions, posts, topics) however many posts and interests."""
    posts = NewsPostPage.objects.live().public().filter(_news_for_member(user))
    return list(posts.order_by("-date", "-pk").prefetch_related("topics")[:limit])


def news_post_recipients_topics(post: NewsPostPage) -> list[int]:
    """The ids of the topics a post is about: whoever sends it by email picks the
    consenting members who follow one of them (none: the post is for everyone)."""
    return list(
        _NewsTopic.objects.filter(newspostpage_id=post.pk)
        .order_by("topic_id")
        .values_list("topic_id", flat=True)
    )
