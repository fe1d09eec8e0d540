"""Progress: lessons marked complete or not."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import LessonPage
from cohorts import signals
from cohorts.models import (
    Enrolment,
    LessonCompletion,
)
from lms.errors import Conflict, NotAllowed


@transaction.atomic
def lesson_mark_complete(
    *, enrolment: Enrolment, lesson: LessonPage, now: dt.datetime | None = None
) -> LessonCompletion:
    from cohorts.selectors import lesson_is_unlocked

    now = now or timezone.now()
    if not enrolment.gives_access:
        raise NotAllowed(_("Only enrolled students record progress."), code="not_enrolled")
    # On the student's own schedule: their calendar in a self-paced cohort.
    if not lesson_is_unlocked(cohort=enrolment.cohort, lesson=lesson, now=now, enrolment=enrolment):
        raise Conflict(_("This lesson is still locked."), code="module_locked")
    completion, created = LessonCompletion.objects.get_or_create(
        enrolment=enrolment, lesson=lesson, defaults={"completed_at": now}
    )
    if created:
        signals.send_on_commit(
            signals.lesson_completed,
            LessonCompletion,
            cohort_id=enrolment.cohort_id,
            user_id=enrolment.user_id,
            lesson_id=lesson.pk,
        )
    return completion


@transaction.atomic
def lesson_mark_incomplete(*, enrolment: Enrolment, lesson: LessonPage) -> None:
    if not enrolment.gives_access:
        raise NotAllowed(_("Only enrolled students record progress."), code="not_enrolled")
    LessonCompletion.objects.filter(enrolment=enrolment, lesson=lesson).delete()
