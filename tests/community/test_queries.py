"""The community's hot pages cost a fixed number of queries whatever the data: a small
cohort (one thread, one reply) and a large one (many threads, a thread with 500 replies
and their reactions) against the same bound. The bounds include the session and user
lookups and the header's two unread counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community import services
from community.models import Post, Reaction, Thread
from tests.community.conftest import member_of
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "home": ("/community/{cohort}/", 16),
    "space": ("/community/spaces/{space}/", 12),
    # + the guidelines check and the read mark (an update, else an insert)
    "thread": ("/community/threads/{thread}/", 23),
    "index": ("/community/", 11),
}


def _build(enrolment, general, *, threads: int, replies: int) -> Thread:
    cohort = enrolment.cohort
    people = [enrolment.user] + [
        EnrolmentFactory(cohort=cohort).user for _ in range(3 if replies > 5 else 1)
    ]
    thread = services.thread_create(
        member=member_of(people[-1], cohort), space=general, title="Big", body="b"
    )
    now = timezone.now()
    Thread.objects.bulk_create(
        Thread(
            space=general,
            author=people[n % len(people)],
            title=f"T{n}",
            created_at=now,
            last_activity_at=now,
        )
        for n in range(threads)
    )
    posts = Post.objects.bulk_create(
        Post(
            thread=thread,
            author=people[n % len(people)],
            body_source=f"r{n}",
            body_html=f"<p>r{n}</p>",
            created_at=now + dt.timedelta(seconds=n),
        )
        for n in range(replies)
    )
    Post.objects.bulk_create(
        Post(
            thread=thread,
            parent=p,
            author=people[0],
            body_source="c",
            body_html="<p>c</p>",
            created_at=now,
        )
        for p in posts[:40]
    )
    Reaction.objects.bulk_create(
        Reaction(post=p, user=people[n % len(people)], kind="heart", created_at=now)
        for n, p in enumerate(posts[:60])
    )
    Thread.objects.filter(pk=thread.pk).update(reply_count=replies)
    return thread


@pytest.mark.parametrize(("threads", "replies"), [(0, 1), (120, 500)], ids=["small", "large"])
def test_community_pages_cost_the_same_queries_for_small_and_large_data(
    client, enrolment, general, django_assert_max_num_queries, threads, replies
):
    thread = _build(enrolment, general, threads=threads, replies=replies)
    client.force_login(enrolment.user)
    for name, (url, most) in PAGES.items():
        url = url.format(cohort=enrolment.cohort_id, space=general.pk, thread=thread.pk)
        with django_assert_max_num_queries(most, info=name):
            response = client.get(url)
        assert response.status_code == 200, name


@pytest.mark.parametrize("threads", [1, 150], ids=["small", "large"])
def test_the_header_count_is_one_query(enrolment, general, django_assert_num_queries, threads):
    from community.selectors import header_unread

    _build(enrolment, general, threads=threads, replies=1)
    with django_assert_num_queries(1):
        assert header_unread(user=enrolment.user) == min(threads + 1, 100)
