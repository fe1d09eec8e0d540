"""Staff keep the interest topics in the Wagtail admin (a snippet, in their order)."""

import pytest
from django.urls import reverse

from cms.models import Topic
from cms.selectors import topics_list
from tests.cms.conftest import make_topic
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_add_a_topic_in_the_admin_and_it_goes_last(client):
    make_topic("writing", position=1)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("wagtailsnippets_cms_topic:list"))
    assert listing.status_code == 200
    response = client.post(
        reverse("wagtailsnippets_cms_topic:add"),
        {"name": "Accessibility", "slug": "accessibility", "description": "For everyone."},
    )

    assert response.status_code == 302
    assert [t.slug for t in topics_list()] == ["writing", "accessibility"]
    assert Topic.objects.get(slug="accessibility").sort_order == 2


def test_a_member_without_admin_access_cannot_reach_the_topics():
    from django.test import Client

    client = Client()
    client.force_login(UserFactory())
    response = client.get(reverse("wagtailsnippets_cms_topic:list"))
    assert response.status_code in (302, 403)
