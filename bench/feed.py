"""The calendar feed of a student in 3 cohorts with 60 events (live sessions; the
module unlocks and assignment deadlines of the three courses come on top).

Seeds the data, then requests the feed address through Django's test client 200 times
and prints the SQL queries per request and the p50/p95 server time, on SQLite and
(when reachable) PostgreSQL.

    .venv/bin/python bench/feed.py                 # both databases
    .venv/bin/python bench/feed.py --only sqlite
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from common import child_env, databases, django_setup, postgres_reset, run_child

COHORTS, SESSIONS, REQUESTS = 3, 60, 200


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        for name, url in databases(args.only, scratch, "lms_bench_feed").items():
            if name == "postgresql":
                postgres_reset(url)
            run_child(__file__, "--child", name, env=child_env(url, scratch))


def child(name: str) -> None:
    django_setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cms.models import ModulePage
    from live.models import LiveSession
    from live.services import feed_token_get_or_create
    from tests.factories import (
        CohortFactory,
        EnrolmentFactory,
        UserFactory,
        assignment_page,
        course_page,
    )

    call_command("migrate", verbosity=0)
    student = UserFactory(username="feed-student")
    now = timezone.now()
    for c in range(COHORTS):
        course = course_page(title=f"Course {c}", modules=8, lessons=1)
        for module in ModulePage.objects.child_of(course)[:4]:
            assignment_page(module)
        cohort = CohortFactory(course=course)
        EnrolmentFactory(cohort=cohort, user=student)
        for n in range(SESSIONS // COHORTS):
            starts = now + dt.timedelta(days=n * 2 - 6, hours=c)
            LiveSession.objects.create(
                cohort=cohort,
                title=f"Session {n}",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=1),
                timezone="Europe/Amsterdam",
                join_url="https://meet.jit.si/bench",
            )
    url = f"/calendar/{feed_token_get_or_create(user=student).token}.ics"
    client = Client()
    response = client.get(url, HTTP_HOST="localhost")
    events = response.content.count(b"BEGIN:VEVENT")
    timings, counts = [], set()
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, HTTP_HOST="localhost")
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        counts.add(len(queries))
    timings.sort()
    print(
        f"\n{name}: calendar feed, 1 student in {COHORTS} cohorts, {SESSIONS} live sessions, "
        f"{events} events in all, {REQUESTS} requests"
    )
    print(
        f"  queries per request: {'/'.join(str(c) for c in sorted(counts))}; "
        f"p50 {statistics.median(timings):.1f} ms, p95 {timings[int(len(timings) * 0.95)]:.1f} ms, "
        f"{len(response.content) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
    else:
        parent(args)
