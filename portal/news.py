"""News posts by email, to members who asked for them (the "news" list, double opt-in)
and follow one of the post's topics (a post without topics is for everyone)."""

from __future__ import annotations

from django.utils.html import strip_tags

from cms.models import MemberInterest, NewsPostPage
from cms.selectors import news_post_recipients_topics
from lms.links import absolute_url
from notifications.models import ConsentList
from notifications.services import marketing_send


def news_post_email(*, post_id: int) -> int:
    """Email a published news post once to each consenting member it is for; safe to run
    again (each person gets it once). Returns how many were sent."""
    post = NewsPostPage.objects.live().filter(pk=post_id).first()
    if post is None:
        return 0
    topics = news_post_recipients_topics(post)
    user_ids = None
    if topics:
        user_ids = set(
            MemberInterest.objects.filter(topic_id__in=topics).values_list("user_id", flat=True)
        )
    intro = strip_tags(post.intro or "").strip()
    body = f"{intro}\n\n{absolute_url(post.url)}" if intro else absolute_url(post.url)
    return marketing_send(
        mailing_list=ConsentList.NEWS,
        key=f"news-post:{post.pk}",
        subject=post.title,
        body=body,
        user_ids=user_ids,
    )
