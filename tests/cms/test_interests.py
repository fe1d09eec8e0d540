"""A member chooses the topics they follow: only signed in, only their own, and an id
that is not a topic is refused at its field."""

import pytest
from django.urls import reverse

from cms import selectors, services
from cms.models import MemberInterest
from lms.errors import NotAllowed
from tests.cms.conftest import make_topic
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/accounts/interests/"


@pytest.fixture
def topics():
    return [make_topic(slug, position=n) for n, slug in enumerate(["writing", "events", "seo"])]


def test_the_interests_page_is_named_and_needs_a_signed_in_member(client, topics):
    assert reverse("cms:interests") == URL
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.post(URL, {"topics": [topics[0].pk]}).status_code == 302
    assert not MemberInterest.objects.exists()


def test_a_member_sees_their_own_interests_checked(client, topics):
    member, other = UserFactory(), UserFactory()
    services.interests_set(member, [topics[1]])
    services.interests_set(other, [topics[0]])
    client.force_login(member)

    response = client.get(URL)

    assert response.status_code == 200
    assert list(response.context["form"].initial["topics"]) == [topics[1]]
    assert b"Writing" in response.content and b"Events" in response.content


def test_saving_replaces_only_the_members_own_interests(client, topics):
    member, other = UserFactory(), UserFactory()
    services.interests_set(member, [topics[0]])
    services.interests_set(other, [topics[0], topics[2]])
    client.force_login(member)

    response = client.post(URL, {"topics": [topics[1].pk, topics[2].pk]})

    assert response.status_code == 302
    assert response.url == URL
    assert selectors.interests_of(member) == [topics[1], topics[2]]
    assert selectors.interests_of(other) == [topics[0], topics[2]]


def test_an_id_that_is_not_a_topic_is_a_form_error_and_changes_nothing(client, topics):
    member = UserFactory()
    services.interests_set(member, [topics[0]])
    client.force_login(member)

    for bad in ("999999", "writing"):
        response = client.post(URL, {"topics": [topics[1].pk, bad]})
        assert response.status_code == 400
        assert response.context["form"].errors["topics"]
    assert selectors.interests_of(member) == [topics[0]]


def test_saving_comes_back_to_a_page_of_the_site_but_not_elsewhere(client, topics):
    client.force_login(UserFactory())
    back = client.post(URL, {"topics": [], "next": "/memberships/"})
    assert back.url == "/memberships/"
    away = client.post(URL, {"topics": [], "next": "https://evil.example/"})
    assert away.url == URL


def test_choosing_again_keeps_when_a_topic_was_first_chosen(topics):
    member = UserFactory()
    services.interests_set(member, [topics[0]])
    first = MemberInterest.objects.get(user=member).created_at

    assert services.interests_set(member, [topics[2], topics[0]]) == [topics[0], topics[2]]

    assert MemberInterest.objects.get(user=member, topic=topics[0]).created_at == first
    assert services.interests_set(member, []) == []
    assert selectors.interests_of(member) == []


def test_a_visitor_cannot_have_interests(topics):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        services.interests_set(AnonymousUser(), topics)
    assert selectors.interests_of(AnonymousUser()) == []
