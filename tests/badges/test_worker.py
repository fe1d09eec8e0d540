"""Awarding through a real Celery worker on Redis: the event's task awards the badge
and mails the student once, however often the task is delivered."""

import pytest

from badges.models import Award
from badges.tasks import evaluate_student
from cms.models import LessonPage, ModulePage
from cohorts import services as cohort_services
from lms.models import SentEmail
from tests.badges.factories import badge_class
from tests.factories import CohortFactory, EnrolmentFactory, course_page
from tests.worker_support import (
    broker_drained,
    wait_until,
    worker,  # noqa: F401 - the fixture
)

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_completing_a_module_awards_its_badge_through_the_worker_once(worker, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path / "media")
    course = course_page(modules=1, lessons=2)
    cohort = CohortFactory(course=course)
    enrolment = EnrolmentFactory(cohort=cohort)
    module = ModulePage.objects.get(path__startswith=course.path)
    badge = badge_class(course, kind="module_lessons", config={"module": module.pk})

    for lesson in LessonPage.objects.child_of(module):
        cohort_services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)

    assert wait_until(lambda: SentEmail.objects.filter(key__startswith="badge-award:").exists())
    # Delivered again (a retry, a redelivery after a lost worker): nothing new.
    evaluate_student.delay(cohort.pk, enrolment.user_id)
    evaluate_student.delay(cohort.pk, enrolment.user_id)
    assert wait_until(broker_drained)
    assert Award.objects.filter(badge_class=badge, recipient=enrolment.user).count() == 1
    assert SentEmail.objects.filter(key__startswith="badge-award:").count() == 1
    sent = "".join(path.read_text() for path in worker.iterdir())
    assert badge.name in sent and enrolment.user.email in sent
