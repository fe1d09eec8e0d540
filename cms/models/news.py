"""News: an index page listing posts, newest first, and the posts, each tagged with the
interest topics it is about (a post without topics is for everyone)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import ArticleStreamBlock

NEWS_PER_PAGE = 12


def _today():
    return timezone.localdate()


class NewsIndexPage(Page):
    """The news listing, filterable by topic and, for a signed-in member, by their
    interests."""

    intro = models.TextField(_("introduction"), blank=True, max_length=600)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPostPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import news_list, topics_list

        context = super().get_context(request, *args, **kwargs)
        topics = topics_list()
        topic = next((t for t in topics if t.slug == request.GET.get("topic")), None)
        mine = request.GET.get("mine") == "1" and request.user.is_authenticated
        posts = news_list(index=self, topic=topic, user=request.user if mine else None)
        page = Paginator(posts, NEWS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(topics=topics, topic=topic, mine=mine, posts=page)
        return context


class NewsPostPage(Page):
    date = models.DateField(_("date"), default=_today)
    intro = models.TextField(
        _("introduction"), max_length=600, help_text=_("Shown in the news listing.")
    )
    body = StreamField(ArticleStreamBlock(), verbose_name=_("content"), blank=True)
    topics = ParentalManyToManyField(
        "cms.Topic",
        verbose_name=_("topics"),
        blank=True,
        related_name="news_posts",
        help_text=_(
            "Shown in the news of members who follow one of these topics. Leave empty for "
            "news for everyone."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news post")
        verbose_name_plural = _("news posts")

    @property
    def summary(self) -> str:
        """What site search shows under the title."""
        return self.intro
