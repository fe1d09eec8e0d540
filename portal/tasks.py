"""Thin tasks: each calls one service; safe to run twice."""

from celery import shared_task

from lms.celery import TRANSIENT_ERRORS


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=5, retry_backoff=True)
def news_post_email(post_id: int) -> int:
    from portal.news import news_post_email as send

    return send(post_id=post_id)
