"""News for a member: posts on the topics they follow and posts for everyone, newest
first, in a fixed number of queries; the topics a post's email would go to."""

import pytest
from django.contrib.auth.models import AnonymousUser

from cms import services
from cms.selectors import news_for, news_post_recipients_topics
from tests.cms.conftest import make_post, make_topic
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics():
    return {slug: make_topic(slug, position=n) for n, slug in enumerate(["writing", "events"])}


@pytest.fixture
def posts(news_index, topics):
    return {
        "everyone": make_post(news_index, "For everyone", days_ago=0),
        "writing": make_post(news_index, "On writing", days_ago=1, topics=[topics["writing"]]),
        "events": make_post(news_index, "On events", days_ago=2, topics=[topics["events"]]),
        "both": make_post(
            news_index, "On both", days_ago=3, topics=[topics["writing"], topics["events"]]
        ),
    }


def test_a_member_gets_posts_on_their_topics_and_posts_for_everyone(posts, topics):
    member = UserFactory()
    services.interests_set(member, [topics["writing"]])

    assert news_for(member, limit=10) == [posts["everyone"], posts["writing"], posts["both"]]


def test_a_member_without_interests_and_a_visitor_get_only_posts_for_everyone(posts):
    assert news_for(UserFactory(), limit=10) == [posts["everyone"]]
    assert news_for(AnonymousUser(), limit=10) == [posts["everyone"]]


def test_news_for_leaves_out_drafts_and_keeps_to_the_limit(news_index, posts, topics):
    member = UserFactory()
    services.interests_set(member, list(topics.values()))
    make_post(news_index, "Not yet", live=False)

    assert news_for(member, limit=2) == [posts["everyone"], posts["writing"]]
    assert len(news_for(member, limit=10)) == 4


def test_news_for_costs_the_same_few_queries_however_many_posts_and_interests(
    news_index, topics, django_assert_max_num_queries
):
    member = UserFactory()
    services.interests_set(member, list(topics.values()))
    for n in range(12):
        make_post(news_index, f"Post {n}", days_ago=n, topics=list(topics.values())[: n % 3])

    with django_assert_max_num_queries(3):  # view restrictions, posts, their topics
        news = news_for(member, limit=10)
        names = [[t.slug for t in post.topics.all()] for post in news]
    assert len(news) == 10
    assert ["writing", "events"] in names


def test_the_email_topics_of_a_post_are_its_topic_ids(posts, topics):
    assert news_post_recipients_topics(posts["both"]) == sorted(t.pk for t in topics.values())
    assert news_post_recipients_topics(posts["everyone"]) == []


def test_the_news_page_filters_by_topic_and_by_the_members_interests(
    client, news_index, posts, topics
):
    everything = client.get(news_index.url)
    assert everything.status_code == 200
    assert list(everything.context["posts"]) == list(posts.values())

    on_events = client.get(news_index.url, {"topic": "events"})
    assert list(on_events.context["posts"]) == [posts["events"], posts["both"]]

    member = UserFactory()
    services.interests_set(member, [topics["events"]])
    client.force_login(member)
    mine = client.get(news_index.url, {"mine": "1"})
    assert list(mine.context["posts"]) == [posts["everyone"], posts["events"], posts["both"]]
    assert b"On events" in mine.content


def test_a_post_page_shows_its_topics(client, posts):
    response = client.get(posts["both"].url)
    assert response.status_code == 200
    assert b"?topic=writing" in response.content
