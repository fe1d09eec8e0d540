"""A news post published in the CMS is emailed, once, to the members who asked for news
by email and follow one of its topics (a post without topics: to all who asked)."""

import pytest
from django.core import mail

from cms.services import interests_set
from notifications.models import ConsentList
from portal.news import news_post_email
from tests.cms.conftest import make_post, make_topic
from tests.factories import UserFactory
from tests.notifications.test_consents import subscribed

pytestmark = pytest.mark.django_db
NEWS = ConsentList.NEWS


def test_a_post_goes_to_consenting_followers_of_its_topics_once(
    news_index, django_capture_on_commit_callbacks
):
    writing, events = make_topic("writing"), make_topic("events")
    follower, other_topic, no_consent = UserFactory(), UserFactory(), UserFactory()
    for user, topics in ((follower, [writing]), (other_topic, [events]), (no_consent, [writing])):
        interests_set(user=user, topics=topics)
    subscribed(follower, NEWS)
    subscribed(other_topic, NEWS)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(news_index, "Spring writing week", topics=[writing])
        post.save_revision().publish()

    assert [m.to for m in mail.outbox] == [[follower.email]]
    message = mail.outbox[0]
    assert message.subject == "Spring writing week"
    assert post.url in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert news_post_email(post_id=post.pk) == 0  # once per person
    assert len(mail.outbox) == 1


def test_a_post_without_topics_goes_to_everyone_who_asked_for_news(news_index):
    reader, newsletter_only = UserFactory(), UserFactory()
    subscribed(reader, NEWS)
    subscribed(newsletter_only, ConsentList.NEWSLETTER)
    post = make_post(news_index, "New courses")
    post.save_revision().publish()
    mail.outbox.clear()
    assert news_post_email(post_id=post.pk) == 1
    assert [m.to for m in mail.outbox] == [[reader.email]]


def test_a_draft_or_missing_post_sends_nothing(news_index):
    post = make_post(news_index, "Draft", live=False)
    assert news_post_email(post_id=post.pk) == 0
    assert news_post_email(post_id=999_999) == 0
