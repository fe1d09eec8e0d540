"""Celery through a real worker process on the Redis broker, against the test database."""

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
    emails = list(worker.iterdir())
    assert len(emails) == 1
    assert waiting.user.email in emails[0].read_text()
