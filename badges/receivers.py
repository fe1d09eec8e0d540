"""Badges listen to the events of the apps that own them: each event records and queues
one evaluation of the student it concerns (kept until it has run, so the resume sweep
runs it if the task is lost). The signals are sent on commit, so the task sees the data
that caused it."""

from __future__ import annotations


def _evaluate(sender, *, cohort_id: int, user_id: int, **kwargs) -> None:
    from badges.services import student_evaluation_request

    student_evaluation_request(cohort_id=cohort_id, user_id=user_id)


def _anniversary(sender, *, user_id: int, **kwargs) -> None:
    """A member's anniversary counts in every course they are enrolled in (a badge of
    years is usually on a library course of their tier)."""
    from badges.services import student_evaluation_request
    from cohorts.models import CURRICULUM_ACCESS, Enrolment

    cohort_ids = Enrolment.objects.filter(user_id=user_id, status__in=CURRICULUM_ACCESS)
    for cohort_id in cohort_ids.values_list("cohort_id", flat=True).distinct():
        student_evaluation_request(cohort_id=cohort_id, user_id=user_id)


def _badge_class_published(sender, instance, **kwargs) -> None:
    from badges.services import badge_class_published

    badge_class_published(badge_class=instance)


def connect() -> None:
    from wagtail.signals import published

    from badges.models import BadgeClass
    from cohorts import signals as cohort_signals
    from live import signals as live_signals
    from memberships import signals as membership_signals
    from reviews import signals as review_signals

    for signal in (
        cohort_signals.lesson_completed,
        cohort_signals.enrolment_completed,
        review_signals.grade_released,
        review_signals.review_submitted,
        review_signals.review_rated,
        live_signals.attendance_recorded,
    ):
        signal.connect(_evaluate, dispatch_uid=f"badges-evaluate-{id(signal)}")
    membership_signals.membership_anniversary.connect(
        _anniversary, dispatch_uid="badges-membership-anniversary"
    )
    published.connect(_badge_class_published, sender=BadgeClass, dispatch_uid="badges-published")
