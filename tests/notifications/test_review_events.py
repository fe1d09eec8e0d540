"""Review and grade events go through the notification system: the student's choice
per kind applies, and each is still sent once."""

import pytest
from django.core import mail

from lms.models import SentEmail
from notifications import services
from notifications.models import Delivery, Kind, Notification

pytestmark = pytest.mark.django_db


def _grade_task(student, django_capture_on_commit_callbacks, **params):
    from notifications.services import notify_user

    with django_capture_on_commit_callbacks(execute=True):
        return notify_user(
            kind=Kind.GRADE_RELEASED,
            key="grade:1:1",
            user_id=student.pk,
            params={"assignment": "Essay", "cohort": "Spring", "percent": "83.5", **params},
            url="/learn/1/assignments/2/",
        )


def test_a_grade_email_keeps_its_details_and_key(student, django_capture_on_commit_callbacks):
    assert _grade_task(student, django_capture_on_commit_callbacks, late_penalty_percent=10)
    assert not _grade_task(student, django_capture_on_commit_callbacks)  # a retry
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your grade for Essay"
    assert "83.5%" in mail.outbox[0].body
    assert "late penalty of 10%" in mail.outbox[0].body
    assert SentEmail.objects.filter(key="grade:1:1").exists()
    assert Notification.objects.get().kind == Kind.GRADE_RELEASED


def test_grades_in_the_digest_or_off(student, django_capture_on_commit_callbacks):
    services.preference_set(user=student, kind=Kind.GRADE_RELEASED, delivery=Delivery.DIGEST)
    _grade_task(student, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert Notification.objects.get().delivery == Delivery.DIGEST
    Notification.objects.all().delete()
    services.preference_set(user=student, kind=Kind.GRADE_RELEASED, delivery=Delivery.OFF)
    assert not _grade_task(student, django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()
