"""Server time and SQL queries of the community's pages, and what posting a reply costs
with and without its notification fan-out.

Seeds one cohort of 1,000 members with 20 spaces (general, introductions,
announcements, 12 modules, 5 of the course designer's), 5,000 threads and 100,000
replies (rows written in bulk: seeding is not what is measured). Most threads have a
handful of replies; 20 are hot (150-300) and one has 500, followed by 200 members.
Then, through Django's test client (no network), p50/p95 milliseconds and queries of:

- a space page (the one holding the 500-reply thread), the community home,
- the 500-reply thread, page 1 and its last page,
- posting a reply to it: the request writes the post and queues its fan-out task,
  and makes no notification itself (checked on every run);
- the fan-out of each of those replies, as the worker runs it
  (``community.services.post_fan_out``, followers in batches of 500): 200 people told
  each time (the thread's author and 199 other followers), and once to a thread all
  1,000 members follow.

A page whose view or template is not there yet is measured by calling its selector
(the one call the view makes); a reply with neither a page nor an API endpoint is
posted through the request's own path: the member's access, then
``community.services.reply_create``. The table says which was measured.

    .venv/bin/python bench/community.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/community.py --only sqlite   # one of them
    .venv/bin/python bench/community.py --small         # 300 members, 500 threads, 10,000 replies
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time

from common import child_env, databases, django_setup, postgres_reset, run_child

FULL = {"members": 1000, "threads": 5000, "replies": 100_000, "runs": 40}
SMALL = {"members": 300, "threads": 500, "replies": 10_000, "runs": 10}
HOT_REPLIES, HOT_THREADS, FOLLOWERS = 500, 20, 200
DESIGNED_SPACES = [("Show your work", False), ("Questions", True), ("Jobs", False)]
DESIGNED_SPACES += [("Reading club", False), ("Off topic", False)]
BODY = (
    "<p>I tried the exercise from this week and found that the second approach reads "
    "much better once the headings say what each part is for. Has anyone compared "
    "the two with real readers?</p>\n"
)


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        for name, url in databases(args.only, scratch, "lms_bench_community").items():
            if name == "postgresql":
                postgres_reset(url)
            extra = ["--small"] if args.small else []
            run_child(__file__, "--child", name, *extra, env=child_env(url, scratch))


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def child(name: str, sizes: dict) -> None:
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    world = seed(sizes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started
    client = Client()
    client.force_login(world["viewer"])
    runs = sizes["runs"]

    print(
        f"\n{name}: 1 cohort, {sizes['members']:,} members, 20 spaces, "
        f"{sizes['threads']:,} threads, {sizes['replies']:,} replies "
        f"(seeded in {seeded:.0f} s; {runs} runs each)"
    )
    print(f"{'':<34}{'measured':<10}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")

    def row(label, how, fn, *, check=None):
        fn()  # warm: the first request of a kind compiles templates, fills caches
        timings, counts = [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                result = fn()
                timings.append((time.perf_counter() - start) * 1000)
            counts.append(len(queries))
            if check:
                check(result)
        p50, p95 = _percentiles(timings)
        shown = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
        print(f"{label:<34}{how:<10}{p50:>9.1f}{p95:>9.1f}{shown:>9}")

    hot = world["hot"]
    last_page = (world["hot_top_level"] + 19) // 20
    for label, url_name, arg, query, selector in (
        ("space page", "space", world["space"].pk, "", world["space_page"]),
        ("community home", "home", world["cohort"].pk, "", world["home"]),
        ("thread (500 replies), page 1", "thread", hot.pk, "", world["thread_page"](1)),
        (
            f"thread (500 replies), page {last_page}",
            "thread",
            hot.pk,
            f"?page={last_page}",
            world["thread_page"](last_page),
        ),
    ):
        how, fn = _page_or_selector(client, f"community:{url_name}", arg, query, selector)
        row(label, how, fn)

    how, post_reply = _reply_path(client, world)
    notifications_before = world["notification_count"]()
    posted: list[int] = []

    def no_fan_out_in_the_request(post_id):
        assert world["notification_count"]() == notifications_before, "fan-out in request"
        posted.append(post_id)

    row("post a reply (200 followers)", how, post_reply, check=no_fan_out_in_the_request)

    from community.services import post_fan_out
    from community.services.fanout import FOLLOWER_BATCH

    timings, counts, offered = [], [], set()
    for post_id in posted:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            offered.add(post_fan_out(post_id=post_id))
            timings.append((time.perf_counter() - start) * 1000)
        counts.append(len(queries))
    p50, p95 = _percentiles(timings)
    told = "/".join(str(n) for n in sorted(offered))
    print(
        f"{'fan-out of a reply, ' + told + ' told':<34}{'worker':<10}{p50:>9.1f}{p95:>9.1f}"
        f"{max(counts):>9}"
    )
    everyone = world["everyone_reply"]()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        told = post_fan_out(post_id=everyone)
        elapsed = (time.perf_counter() - start) * 1000
    print(
        f"{'fan-out of a reply, ' + str(told) + ' told':<34}{'worker':<10}{elapsed:>9.1f}"
        f"{'':>9}{len(queries):>9}"
    )
    print(
        f"(fan-out: followers in batches of {FOLLOWER_BATCH}; the request made no "
        f"notification on any of its {len(posted)} runs, its task was queued on commit)"
    )


def _page_or_selector(client, url_name: str, arg: int, query: str, selector):
    """The page through the test client when it renders; otherwise its selector."""
    from django.template import TemplateDoesNotExist
    from django.urls import NoReverseMatch, reverse

    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # a missing template is an answer here
    try:
        url = reverse(url_name, args=[arg]) + query
        if client.get(url).status_code == 200:

            def fetch():
                response = client.get(url)
                assert response.status_code == 200, url
                return response

            return "page", fetch
    except (NoReverseMatch, TemplateDoesNotExist):
        pass
    finally:
        request_log.setLevel(level)
    return "selector", selector


def _reply_path(client, world):
    """How a reply is posted: the page's form, else the API, else the request's path
    through the service. Each call posts as the next of the thread's followers and
    returns the new post's id."""
    import itertools

    from django.urls import NoReverseMatch, reverse

    from community.access import community_member
    from community.models import Post
    from community.services import reply_create

    hot, cohort = world["hot"], world["cohort"]
    posters = itertools.cycle(world["followers"])
    body = "Thanks, that helped. One more thing about the second approach?"

    def newest(user):
        return Post.objects.filter(author=user).order_by("-pk").values_list("pk", flat=True)[0]

    for how, name, payload in (
        ("page", "community:thread_reply", {"body": body}),
        ("api", "api-community-thread-replies", {"body": body}),
    ):
        try:
            url = reverse(name, args=[hot.pk])
        except NoReverseMatch:
            continue

        def post(url=url, payload=payload, api=(how == "api")):
            user = next(posters)
            client.force_login(user)
            if api:
                response = client.post(url, payload, content_type="application/json")
            else:
                response = client.post(url, payload)
            assert response.status_code < 400, (url, response.status_code)
            return newest(user)

        return how, post

    def through_the_service():
        user = next(posters)
        member = community_member(user=user, cohort=cohort)
        return reply_create(member=member, thread=hot, body=body).pk

    return "service", through_the_service


# --- seeding ----------------------------------------------------------------------------


def seed(sizes: dict) -> dict:
    import datetime as dt
    import random

    from django.contrib.auth.hashers import make_password
    from django.db.models import Count, Max
    from django.utils import timezone

    from cms.models import CourseSpace
    from cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from community.models import (
        Follow,
        Post,
        Reaction,
        ReactionKind,
        Space,
        SpaceKind,
        Thread,
        ThreadRead,
    )
    from lms.models import User
    from notifications.models import Notification
    from tests.factories import course_page

    rng = random.Random(7)
    now = timezone.now()
    course = course_page(modules=12, lessons=0)
    for position, (space_name, is_qa) in enumerate(DESIGNED_SPACES):
        CourseSpace.objects.create(course=course, name=space_name, is_qa=is_qa, sort_order=position)
    start = (now - dt.timedelta(weeks=13)).date()  # every module open, the term running
    cohort = Cohort.objects.create(
        course=course,
        name="Bench cohort",
        starts_on=start,
        ends_on=start + dt.timedelta(weeks=16),
        enrolment_opens_at=now - dt.timedelta(days=120),
        enrolment_closes_at=now + dt.timedelta(days=1),
        capacity=sizes["members"],
        unlock_weekday=start.weekday(),
    )  # saving the cohort makes its spaces
    spaces = list(Space.objects.filter(cohort=cohort).order_by("position", "pk"))
    assert len(spaces) == 20, len(spaces)
    general = next(s for s in spaces if s.kind == SpaceKind.GENERAL)
    announcements = next(s for s in spaces if s.kind == SpaceKind.ANNOUNCEMENTS)
    open_to_members = [s for s in spaces if s.kind != SpaceKind.ANNOUNCEMENTS]

    password = make_password("bench")
    members = User.objects.bulk_create(
        User(
            username=f"s{i}",
            email=f"s{i}@example.org",
            display_name=f"Student {i}",
            password=password,
        )
        for i in range(sizes["members"])
    )
    Enrolment.objects.bulk_create(
        Enrolment(cohort=cohort, user=u, status=EnrolmentStatus.ACTIVE, activated_at=now)
        for u in members
    )
    host = User.objects.create(username="teacher", email="t@example.org", password=password)
    cohort.instructors.add(host)

    # Threads: the first is the 500-reply one (in the general space, started by the last
    # member, followed by 200 others); the next 20 are hot; the second is followed by all.
    term = (now - dt.timedelta(hours=1) - (now - dt.timedelta(weeks=12))).total_seconds()
    threads = []
    for n in range(sizes["threads"]):
        if n == 0:
            space, author = general, members[-1]
        elif n % 100 == 99:
            space, author = announcements, host
        else:
            space, author = rng.choice(open_to_members), rng.choice(members)
        created = now - dt.timedelta(weeks=12) + dt.timedelta(seconds=rng.uniform(0, term))
        threads.append(
            Thread(
                space=space,
                author=author,
                title=f"Thread {n}: how do you structure a long article?",
                is_question=space.is_qa,
                created_at=created,
                last_activity_at=created,
            )
        )
    threads[0].created_at = threads[0].last_activity_at = now - dt.timedelta(weeks=3)
    threads = Thread.objects.bulk_create(threads, batch_size=2000)
    counts = [0] * len(threads)
    counts[0] = HOT_REPLIES
    for n in range(1, HOT_THREADS + 1):
        counts[n] = rng.randint(150, 300)
    for _ in range(sizes["replies"] - sum(counts)):
        counts[rng.randrange(HOT_THREADS + 1, len(threads))] += 1

    # Posts: openings and top-level replies first, then one reply in five answers a
    # top-level reply of its thread.
    top_level, nested_plan = [], []
    for thread, n in zip(threads, counts, strict=True):
        top_level.append(
            Post(
                thread=thread,
                is_opening=True,
                author_id=thread.author_id,
                body_source="Opening post",
                body_html=BODY,
                created_at=thread.created_at,
                fanned_out_at=thread.created_at,
            )
        )
        span = (now - thread.created_at).total_seconds()
        moments = sorted(
            thread.created_at + dt.timedelta(seconds=rng.uniform(1, span)) for _ in range(n)
        )
        nested = n // 5
        for moment in moments[: n - nested]:
            top_level.append(_reply(thread, rng.choice(members), moment))
        nested_plan.append((thread, moments[n - nested :]))
        thread.reply_count = n
        if moments:
            thread.last_activity_at = moments[-1]
            if thread.is_question:
                thread.answered_at = moments[0]
    top_level = Post.objects.bulk_create(top_level, batch_size=2000)
    replies_of: dict[int, list[Post]] = {}
    for post in top_level:
        if not post.is_opening:
            replies_of.setdefault(post.thread_id, []).append(post)
    children = []
    for thread, moments in nested_plan:
        candidates = replies_of.get(thread.pk, [])
        for moment in moments:
            earlier = [p for p in candidates[:50] if p.created_at < moment] or candidates[:1]
            if earlier:
                children.append(
                    _reply(thread, rng.choice(members), moment, parent=rng.choice(earlier))
                )
    Post.objects.bulk_create(children, batch_size=2000)
    Thread.objects.bulk_update(
        threads, ["reply_count", "last_activity_at", "answered_at"], batch_size=2000
    )
    for space in Space.objects.filter(cohort=cohort).annotate(
        n=Count("threads"), last=Max("threads__last_activity_at")
    ):
        Space.objects.filter(pk=space.pk).update(thread_count=space.n, last_activity_at=space.last)

    hot, everyone_thread = threads[0], threads[1]
    followers = members[:FOLLOWERS]
    Follow.objects.bulk_create(
        [Follow(thread=t, user_id=t.author_id, created_at=t.created_at) for t in threads]
        + [Follow(thread=hot, user=u, created_at=now) for u in followers]
        + [
            Follow(thread=everyone_thread, user=u, created_at=now)
            for u in members
            if u.pk != everyone_thread.author_id
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    hot_posts = list(Post.objects.filter(thread=hot).values_list("pk", flat=True))
    kinds = list(ReactionKind.values)
    picked = {
        (rng.choice(hot_posts), rng.choice(members).pk, rng.choice(kinds)) for _ in range(3000)
    }
    Reaction.objects.bulk_create(
        [Reaction(post_id=p, user_id=u, kind=k, created_at=now) for p, u, k in picked],
        batch_size=5000,
    )
    viewer = members[len(members) // 2]
    ThreadRead.objects.bulk_create(
        ThreadRead(thread=t, user=viewer, read_at=t.last_activity_at)
        for t in rng.sample(threads, min(400, len(threads)))
    )
    hot_top_level = Post.objects.filter(thread=hot, is_opening=False, parent__isnull=True).count()

    from community import selectors
    from community.access import community_member
    from community.services import reply_create

    def everyone_reply():
        member = community_member(user=members[FOLLOWERS], cohort=cohort)
        return reply_create(member=member, thread=everyone_thread, body="Agreed!").pk

    return {
        "cohort": cohort,
        "space": general,
        "hot": hot,
        "hot_top_level": hot_top_level,
        "viewer": viewer,
        "followers": followers,
        "space_page": lambda: selectors.space_page(user=viewer, space_id=general.pk),
        "home": lambda: selectors.community_home(user=viewer, cohort_id=cohort.pk),
        "thread_page": lambda page: (
            lambda: selectors.thread_page(user=viewer, thread_id=hot.pk, page=page)
        ),
        "notification_count": lambda: Notification.objects.count(),
        "everyone_reply": everyone_reply,
    }


def _reply(thread, author, moment, parent=None):
    from community.models import Post

    return Post(
        thread=thread,
        parent=parent,
        author=author,
        body_source="A reply",
        body_html=BODY,
        created_at=moment,
        fanned_out_at=moment,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--small", action="store_true", help="a quick run on fewer rows")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, SMALL if args.small else FULL)
    else:
        parent(args)
