"""Writes of cms outside the Wagtail admin: a member's interests."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from cms.models import MemberInterest, Topic
from lms.errors import NotAllowed
from lms.models import User


@transaction.atomic
def interests_set(user: User, topics: Iterable[Topic]) -> list[Topic]:
    """Make ``topics`` the member's interests: the others are dropped, the new ones added,
    the ones kept keep the moment they were first chosen. Returns them in topic order."""
    if not user.is_authenticated:
        raise NotAllowed("Sign in to choose your interests.", code="not_signed_in")
    wanted = {topic.pk: topic for topic in topics}
    MemberInterest.objects.filter(user=user).exclude(topic_id__in=wanted).delete()
    # ignore_conflicts: a second request choosing the same topic at the same moment
    # meets the unique constraint and leaves the first row in place.
    MemberInterest.objects.bulk_create(
        [MemberInterest(user=user, topic_id=pk) for pk in sorted(wanted)],
        ignore_conflicts=True,
    )
    return list(Topic.objects.filter(pk__in=wanted).order_by("sort_order", "name"))
