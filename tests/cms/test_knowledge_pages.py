"""The help centre and news pages: where they may go in the tree, the help search (help
articles only), and the pages as members read them."""

import pytest
from wagtail.models import Page

from cms.models import (
    CoursePage,
    HelpArticlePage,
    HelpCategoryPage,
    HelpIndexPage,
    HomePage,
    LessonPage,
    NewsIndexPage,
    NewsPostPage,
    RelatedHelpArticle,
)
from cms.selectors import help_index_get, help_search
from tests.cms.conftest import make_post
from tests.factories import course_page, home_page

pytestmark = pytest.mark.django_db


# --- The page tree ----------------------------------------------------------------------


def test_the_home_page_takes_courses_one_help_index_and_a_news_index():
    assert set(HomePage.allowed_subpage_models()) == {CoursePage, HelpIndexPage, NewsIndexPage}
    assert HelpIndexPage.allowed_parent_page_models() == [HomePage]
    assert NewsIndexPage.allowed_parent_page_models() == [HomePage]


def test_help_pages_nest_index_category_article_and_no_further():
    assert HelpIndexPage.allowed_subpage_models() == [HelpCategoryPage]
    assert HelpCategoryPage.allowed_parent_page_models() == [HelpIndexPage]
    assert HelpCategoryPage.allowed_subpage_models() == [HelpArticlePage]
    assert HelpArticlePage.allowed_parent_page_models() == [HelpCategoryPage]
    assert HelpArticlePage.allowed_subpage_models() == []


def test_news_posts_go_only_under_a_news_index():
    assert NewsIndexPage.allowed_subpage_models() == [NewsPostPage]
    assert NewsPostPage.allowed_parent_page_models() == [NewsIndexPage]
    assert NewsPostPage.allowed_subpage_models() == []


def test_there_is_one_help_index_and_it_takes_no_lessons(help_index, news_index):
    home = home_page()
    assert not HelpIndexPage.can_create_at(home), "a second help index"
    assert NewsIndexPage.can_create_at(news_index.get_parent()) is False
    assert not HelpArticlePage.can_create_at(help_index), "an article outside a category"
    assert not LessonPage.can_create_at(help_index)
    assert not HelpIndexPage.can_create_at(Page.get_first_root_node())


# --- Help search ------------------------------------------------------------------------


def test_help_search_finds_an_article_by_a_word_in_its_body_and_not_news(
    invoice_article, help_index, news_index
):
    post = make_post(news_index, "Reference numbers change", text="A new reference format.")
    assert list(NewsPostPage.objects.live().search("format")) == [post], "news is indexed"
    course_page(modules=1, lessons=1)  # "Secret content of lesson 1.1."

    assert help_search(index=help_index, query="reference") == [invoice_article]
    assert help_search(index=help_index, query="secret") == []
    assert help_search(index=help_index, query="format") == []


def test_help_search_leaves_out_drafts_and_odd_characters(help_category, help_index):
    draft = help_category.add_child(
        instance=HelpArticlePage(
            title="Unpublished",
            slug="draft",
            intro="Soon.",
            live=False,
            body=[("paragraph", "<p>Reference to come.</p>")],
        )
    )
    assert draft.live is False
    assert help_search(index=help_index, query="reference") == []
    assert help_search(index=help_index, query='" OR *') == []


def test_the_help_index_lists_categories_with_their_articles_in_two_queries(
    invoice_article, help_category, help_index, django_assert_max_num_queries
):
    other = help_index.add_child(
        instance=HelpCategoryPage(title="Account", slug="account", intro="You.")
    )
    with django_assert_max_num_queries(3):  # view restrictions, categories, articles
        listings = help_index_get(index=help_index)
    assert [(x.category, x.articles) for x in listings] == [
        (help_category, [invoice_article]),
        (other, []),
    ]


def test_the_help_index_page_searches_with_its_own_box(client, invoice_article, help_index):
    response = client.get(help_index.url, {"q": "transfer"})

    assert response.status_code == 200
    assert response.context["hits"] == [invoice_article]
    assert b'role="search"' in response.content
    assert invoice_article.title.encode() in response.content.replace(b"&#x27;", b"'")

    browsing = client.get(help_index.url)
    assert b"Payments" in browsing.content
    assert b"How do I pay by invoice?" in browsing.content


def test_an_article_shows_its_live_related_articles(client, invoice_article, help_category):
    other = help_category.add_child(
        instance=HelpArticlePage(
            title="Can I pay in instalments?", slug="instalments", intro="Yes."
        )
    )
    hidden = help_category.add_child(
        instance=HelpArticlePage(title="Hidden answer", slug="hidden", intro="No.", live=False)
    )
    invoice_article.related_articles = [
        RelatedHelpArticle(related=other, sort_order=0),
        RelatedHelpArticle(related=hidden, sort_order=1),
    ]
    invoice_article.save_revision().publish()

    response = client.get(invoice_article.url)

    assert response.status_code == 200
    assert response.context["related"] == [other]
    assert b"Can I pay in instalments?" in response.content
    assert b"Hidden answer" not in response.content
    assert b"Quote the payment reference" in response.content


def test_a_category_page_lists_its_articles(client, invoice_article, help_category):
    response = client.get(help_category.url)
    assert response.status_code == 200
    assert list(response.context["articles"]) == [invoice_article]
