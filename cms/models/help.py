"""The knowledge base: one help index under the home page, its categories, and the
articles that answer members' questions. The index searches the articles only."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import ArticleStreamBlock


class HelpIndexPage(Page):
    """The help centre: the categories with their articles, and a search box."""

    intro = models.TextField(_("introduction"), blank=True, max_length=600)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.HelpCategoryPage"]
    max_count = 1

    class Meta:
        verbose_name = _("help index")

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import help_index_get, help_search, search_query

        context = super().get_context(request, *args, **kwargs)
        query = search_query(request.GET.get("q", ""))
        context["query"] = query
        if query:
            context["hits"] = help_search(index=self, query=query)
        else:
            context["categories"] = help_index_get(index=self)
        return context


class HelpCategoryPage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=600)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HelpIndexPage"]
    subpage_types = ["cms.HelpArticlePage"]

    class Meta:
        verbose_name = _("help category")
        verbose_name_plural = _("help categories")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = (
            HelpArticlePage.objects.live().public().child_of(self).order_by("path")
        )
        return context


class HelpArticlePage(Page):
    """One answer to one question, titled as the question a member would ask."""

    intro = models.TextField(
        _("short answer"),
        max_length=600,
        help_text=_("The answer in one or two sentences; the body gives the details."),
    )
    body = StreamField(ArticleStreamBlock(), verbose_name=_("content"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        InlinePanel("related_articles", label=_("Related articles")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    parent_page_types = ["cms.HelpCategoryPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")

    @property
    def summary(self) -> str:
        """What site search shows under the title (as for a course's summary)."""
        return self.intro

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import help_related

        context = super().get_context(request, *args, **kwargs)
        context["related"] = help_related(article=self)
        return context


class RelatedHelpArticle(Orderable):
    """ "See also" on an article, in the order the editor chose."""

    article = ParentalKey(
        HelpArticlePage, on_delete=models.CASCADE, related_name="related_articles"
    )
    related = models.ForeignKey(
        HelpArticlePage,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [PageChooserPanel("related", "cms.HelpArticlePage")]

    class Meta(Orderable.Meta):
        verbose_name = _("related article")
        verbose_name_plural = _("related articles")

    def __str__(self) -> str:
        return str(self.related)
