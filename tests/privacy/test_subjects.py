"""Each declared subject finds exactly the member's rows."""

import pytest
from django.apps import apps

from privacy import registry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_declared_subject_is_a_working_query():
    """A typo in a subject path (or a renamed relation) fails here, not at erasure."""
    member = UserFactory()
    for model in registry.subject_models():
        queryset = registry.subject_queryset(model, member)
        assert queryset is not None
        list(queryset[:1])  # the query runs


def test_the_account_and_text_subjects():
    member, other = UserFactory(), UserFactory()
    User = apps.get_model("lms", "User")
    assert list(registry.subject_queryset(User, member)) == [member]
    SentEmail = apps.get_model("lms", "SentEmail")
    SentEmail.objects.create(key="a", recipient=member.email.upper())
    SentEmail.objects.create(key="b", recipient=other.email)
    assert [e.key for e in registry.subject_queryset(SentEmail, member)] == ["a"]
