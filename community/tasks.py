"""Thin Celery tasks: fetch by id, call a service. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task
def fan_out(post_id: int) -> int:
    from community.services import post_fan_out

    return post_fan_out(post_id=post_id)


@shared_task
def welcome(cohort_id: int, user_id: int) -> bool:
    from community.services import member_welcome

    return member_welcome(cohort_id=cohort_id, user_id=user_id)


@shared_task
def sync_spaces(course_id: int) -> int:
    from community.services import course_spaces_sync

    return course_spaces_sync(course_id=course_id)


@shared_task(autoretry_for=())  # a beat tick: the next tick is its retry
def resume() -> int:
    """Fan-outs whose task was lost, and welcomes that did not go out."""
    from community.services import fan_out_resume, welcomes_resume

    return fan_out_resume() + welcomes_resume()
