"""What the community does when something happens below it.

- A seat becomes active: the host's welcome (on commit, by a task; the resume sweep
  sends any welcome that was lost).
- A cohort is saved, or its course or one of its modules is published: the spaces are
  made or brought in step (a new module gets its space; a designer's new space reaches
  every cohort).
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from cms.models import CoursePage, ModulePage
from cohorts.models import Cohort, EnrolmentStatus
from cohorts.signals import enrolment_status_changed


@receiver(enrolment_status_changed)
def welcome_new_member(sender, *, cohort_id, user_id, to_status=None, **kwargs):
    if to_status != EnrolmentStatus.ACTIVE:
        return
    from community.tasks import welcome

    welcome.delay_on_commit(cohort_id, user_id)


@receiver(post_save, sender=Cohort)
def cohort_saved(sender, instance: Cohort, raw=False, **kwargs):
    if raw:
        return
    from community.services import spaces_sync

    # In the cohort's own transaction: a cohort never exists without its spaces.
    spaces_sync(cohort=instance)


@receiver(page_published)
def course_published(sender, instance, **kwargs):
    if isinstance(instance, CoursePage):
        course_id = instance.pk
    elif isinstance(instance, ModulePage):
        course_id = instance.get_parent().pk
    else:
        return
    from community.tasks import sync_spaces

    sync_spaces.delay_on_commit(course_id)
