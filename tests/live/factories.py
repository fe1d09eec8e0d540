from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from live.models import LiveSession
from tests.factories import CohortFactory


def _soon() -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)


class LiveSessionFactory(factory.django.DjangoModelFactory):
    """A Q&A two days from now, one hour long, with RSVP."""

    class Meta:
        model = LiveSession

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"Weekly Q&A {n}")
    starts_at = factory.LazyFunction(_soon)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    timezone = "Europe/Amsterdam"
    join_url = "https://meet.jit.si/cohort-lms-qa"
