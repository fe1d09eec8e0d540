"""A real `celery worker` on Redis: the module-unlock beat task makes each notification
once and its email goes out once, even when the task is sent twice."""

import datetime as dt

import pytest
from django.utils import timezone

from cohorts.models import ModuleUnlockOverride
from cohorts.selectors import cohort_schedule
from lms.celery import app
from lms.models import SentEmail
from notifications.models import Notification
from tests.factories import EnrolmentFactory
from tests.worker_support import wait_until, worker  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_module_unlock_through_the_worker_is_sent_once(worker, cohort):  # noqa: F811
    students = [EnrolmentFactory(cohort=cohort).user for _ in range(5)]
    module = cohort_schedule(cohort=cohort)[2].module
    ModuleUnlockOverride.objects.create(
        cohort=cohort, module_id=module.pk, unlocks_at=timezone.now() - dt.timedelta(minutes=1)
    )
    key = f"{cohort.pk}:{module.pk}"
    app.send_task("notifications.tasks.module_unlocks")
    app.send_task("notifications.tasks.module_unlocks")
    assert wait_until(
        lambda: Notification.objects.filter(key=key, emailed_at__isnull=False).count() == 5
    )
    app.send_task("notifications.tasks.deliver_pending")
    assert wait_until(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists())
    assert Notification.objects.filter(key=key).count() == 5
    rows = Notification.objects.filter(key=key)
    assert set(rows.values_list("user_id", flat=True)) == {s.pk for s in students}
    markers = [f"notification:{pk}" for pk in rows.values_list("pk", flat=True)]
    assert SentEmail.objects.filter(key__in=markers).count() == 5
    mails = "".join(path.read_text() for path in worker.iterdir())
    assert mails.count(f"Subject: Now open: {module.title}") == 5
