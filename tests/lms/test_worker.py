"""Celery through a real worker process on the Redis broker, against the test database."""

from email import message_from_string
from email.header import decode_header, make_header

import pytest

from cohorts import services
from cohorts.tasks import send_waitlist_promotion_email
from lms.models import SentEmail
from tests.factories import CohortFactory, UserFactory, course_page
from tests.worker_support import (
    broker_drained,
    wait_until,
    worker,  # noqa: F401 - the fixture
)

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_promotion_email_goes_out_through_the_worker_exactly_once(worker):  # noqa: F811
    cohort = CohortFactory(course=course_page(modules=1, lessons=1), capacity=1)
    holder = services.enrolment_create(cohort=cohort, user=UserFactory())
    waiting = services.enrolment_create(cohort=cohort, user=UserFactory(language="nl"))

    services.enrolment_leave(enrolment=holder, by=holder.user)  # enqueues on commit

    key = f"waitlist-promoted:{waiting.pk}"
    assert wait_until(lambda: SentEmail.objects.filter(key=key).exists())
    send_waitlist_promotion_email.delay(waiting.pk)  # the same message delivered again
    assert wait_until(broker_drained)
    assert SentEmail.objects.filter(key=key).count() == 1
    # Both members were also welcomed to the cohort's community: leave those out.
    emails = [text for text in map(_read, worker.iterdir()) if not _is_welcome(text)]
    assert len(emails) == 1
    assert waiting.user.email in emails[0]


def _read(path) -> str:
    return path.read_text()


def _is_welcome(text: str) -> bool:
    subject = str(make_header(decode_header(message_from_string(text)["Subject"])))
    return subject.endswith(("say hello", "zeg hallo"))
