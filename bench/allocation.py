"""Peer-review allocation at the deadline: 10,000 on-time submissions, k = 3.

Seeds a cohort of 10,000 students who all handed in on time (rows written in bulk:
seeding is not what is measured), then times one call of
``reviews.services.peer_reviews_allocate`` and counts its SQL queries: three such
cohorts, printing the best and the median time. The same call for cohorts of 1,000
shows that the number of queries does not grow with the cohort. Afterwards it checks
the guarantees on what was stored: every submission has exactly k distinct reviewers,
nobody reviews their own work, and reviewer load differs by at most one. Runs on
SQLite and, when reachable, PostgreSQL.

    .venv/bin/python bench/allocation.py                 # both databases
    .venv/bin/python bench/allocation.py --only sqlite   # one of them
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter

from common import child_env, databases, django_setup, postgres_reset, run_child

SIZES, K, RUNS = (10_000, 1_000), 3, 3


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        for name, url in databases(args.only, scratch, "lms_bench_allocation").items():
            if name == "postgresql":
                postgres_reset(url)
            run_child(__file__, "--child", name, env=child_env(url, scratch))


def child(name: str) -> None:
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.models import Review
    from reviews.services import peer_reviews_allocate

    call_command("migrate", verbosity=0)
    print(f"\n{name}: peer_reviews_allocate, k={K}, every submission on time, {RUNS} cohorts each")
    print(f"{'submissions':>12}{'best s':>9}{'median s':>10}{'queries':>9}{'reviews':>9}")
    checked = []
    for size in SIZES:
        timings, counts = [], set()
        for _ in range(RUNS):
            # An assignment per cohort, so that every call takes the same path (the
            # first allocation of an assignment also stores its rubric snapshot).
            run, due_at = seed(curriculum(), size)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")  # fresh tables: let the planner see their size
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                created = peer_reviews_allocate(run=run, now=due_at)
                timings.append(time.perf_counter() - start)
            assert created == Review.objects.filter(submission__cohort_assignment=run).count()
            counts.add(len(queries))
            checked.append((size, guarantees(run)))
        print(
            f"{size:>12,}{min(timings):>9.2f}{statistics.median(timings):>10.2f}"
            f"{'/'.join(str(c) for c in sorted(counts)):>9}{created:>9,}"
        )
    for size, found in dict.fromkeys(
        (size, tuple(found.items())) for size, found in checked
    ):  # identical results for the cohorts of one size are printed once
        print(f"guarantees for {size:,}: " + "; ".join(f"{k} {v}" for k, v in found))


def curriculum():
    from tests.factories import assignment_page, course_page

    course = course_page(modules=1, lessons=1)
    module = course.get_children().specific().get()
    return assignment_page(module, peer_reviews=K)


def seed(assignment, size: int):
    """A cohort in its third week whose first assignment's deadline has passed, with
    one on-time submission per student."""
    import datetime as dt

    from django.utils import timezone

    from assignments.models import CohortAssignment, Submission, SubmissionVersion
    from assignments.selectors import assignment_slot_get
    from cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from lms.models import User

    now = timezone.now()
    start = (now - dt.timedelta(days=15)).date()
    cohort = Cohort.objects.create(
        course=assignment.get_parent().get_parent().specific,
        name=f"Cohort of {size}",
        starts_on=start,
        ends_on=start + dt.timedelta(weeks=8),
        enrolment_opens_at=now - dt.timedelta(days=60),
        enrolment_closes_at=now - dt.timedelta(days=20),
        capacity=size,
        unlock_weekday=start.weekday(),
    )
    users = User.objects.bulk_create(
        (
            User(username=f"c{cohort.pk}s{i}", email=f"c{cohort.pk}s{i}@example.org")
            for i in range(size)
        ),
        batch_size=2000,
    )
    Enrolment.objects.bulk_create(
        (
            Enrolment(cohort=cohort, user=u, status=EnrolmentStatus.ACTIVE, activated_at=now)
            for u in users
        ),
        batch_size=2000,
    )
    due_at = assignment_slot_get(
        cohort=cohort, assignment_id=assignment.pk, now=now
    ).deadlines.due_at
    run = CohortAssignment.objects.create(cohort=cohort, assignment=assignment)
    handed_in = due_at - dt.timedelta(hours=5)
    submissions = Submission.objects.bulk_create(
        (
            Submission(cohort_assignment=run, author=u, submitted_at=handed_in, version_count=1)
            for u in users
        ),
        batch_size=2000,
    )
    SubmissionVersion.objects.bulk_create(
        (
            SubmissionVersion(submission=s, number=1, text="My essay.", created_at=handed_in)
            for s in submissions
        ),
        batch_size=2000,
    )
    return run, due_at


def guarantees(run) -> dict[str, str]:
    from assignments.models import Submission
    from reviews.models import Review, ReviewKind

    rows = list(
        Review.objects.filter(submission__cohort_assignment=run, kind=ReviewKind.PEER).values_list(
            "submission_id", "reviewer_id", "submission__author_id"
        )
    )
    # Reviews are addressed by an opaque id that the INSERT … SELECT makes per row.
    public_ids = set(
        Review.objects.filter(submission__cohort_assignment=run).values_list("public_id", flat=True)
    )
    per_submission = Counter(s for s, _r, _a in rows)
    distinct = Counter(s for s, _r in {(s, r) for s, r, _a in rows})
    load = Counter(r for _s, r, _a in rows)
    submissions = Submission.objects.filter(cohort_assignment=run).count()
    result = {
        "reviewers per submission": "/".join(str(n) for n in sorted(set(per_submission.values()))),
        "all distinct": "yes" if distinct == per_submission else "NO",
        "all submissions covered": "yes" if len(per_submission) == submissions else "NO",
        "self reviews": str(sum(1 for _s, r, a in rows if r == a)),
        "load min/max/spread": f"{min(load.values())}/{max(load.values())}/"
        f"{max(load.values()) - min(load.values())}",
        "opaque ids distinct": "yes"
        if None not in public_ids and len(public_ids) == len(rows)
        else "NO",
    }
    ok = (
        set(per_submission.values()) == {K}
        and distinct == per_submission
        and len(per_submission) == submissions
        and result["self reviews"] == "0"
        and max(load.values()) - min(load.values()) <= 1
        and result["opaque ids distinct"] == "yes"
    )
    result["verdict"] = "hold" if ok else "BROKEN"
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child")
    args = parser.parse_args()
    child(args.child) if args.child else parent(args)
