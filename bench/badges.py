"""Badge evaluation: queries per event, and re-evaluating a cohort of 1,000 students.

Seeds a course of 8 modules of 5 lessons and a cohort of 1,000 students whose progress
is spread evenly (student i completed i mod 41 lessons; rows written in bulk: seeding
is not what is measured). Then:

1. one event (one student) is evaluated with 6 and with 60 published badge classes of
   every kind and with thousands of awards held already: the number of SQL queries
   stays the same;
2. after a rule change (60 badge classes published at once) the whole cohort is
   re-evaluated the way the task does it, in batches of ``REEVALUATE_BATCH``
   students, each batch its own transaction: the wall time of the first run (which
   writes the awards) and of a second run (nothing left to award) are printed.

The award emails are queued on an in-memory broker and never sent. Runs on SQLite
and, when reachable, PostgreSQL.

    .venv/bin/python bench/badges.py                 # both databases
    .venv/bin/python bench/badges.py --only sqlite   # one of them
"""

from __future__ import annotations

import argparse
import tempfile
import time

from common import child_env, databases, django_setup, postgres_reset, run_child

STUDENTS, MODULES, LESSONS = 1_000, 8, 5


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        for name, url in databases(args.only, scratch, "lms_bench_badges").items():
            if name == "postgresql":
                postgres_reset(url)
            run_child(__file__, "--child", name, env=child_env(url, scratch))


KINDS = [
    ("module_lessons", "module"),
    ("all_modules", None),
    ("assignments_passed", None),
    ("peer_reviews", None),
    ("cohort_completed", None),
    ("manual", None),
]


def publish(course, modules: list[int], copies: int, tag: str) -> None:
    from badges.models import BadgeClass

    rows = []
    for i in range(copies):
        for kind, _field in KINDS:
            config = {
                "module_lessons": {"module": modules[i % len(modules)]},
                "assignments_passed": {"assignment": None, "min_percent": "50"},
                "peer_reviews": {"count": 2, "min_helpfulness": None},
            }.get(kind, {})
            rows.append(
                BadgeClass(
                    course=course,
                    name=f"{tag} {kind} {i}",
                    description="d",
                    criteria_narrative="c",
                    rule_kind=kind,
                    rule_config=config,
                    image="badges/bench.png",
                    live=True,
                )
            )
    BadgeClass.objects.bulk_create(rows)


def child(name: str) -> None:
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from badges import services, tasks
    from badges.models import Award, BadgeClass

    call_command("migrate", verbosity=0)
    course, cohort, enrolments, modules = seed()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    print(f"\n{name}: badges, a cohort of {STUDENTS:,} students, {MODULES * LESSONS} lessons")
    print(f"{'badge classes':>14}{'awards held':>13}{'queries per event':>19}")
    target = enrolments[-1]  # completed 40 of 40 lessons: earns every lesson badge
    for copies in (1, 10):
        publish(course, modules, copies, f"x{copies}")
        # Awards held by everyone else, so the "decided" lookup has rows to skip.
        for badge in BadgeClass.objects.filter(rule_kind="manual", name__startswith=f"x{copies} "):
            Award.objects.bulk_create(
                Award(
                    badge_class=badge,
                    recipient_id=e.user_id,
                    cohort=cohort,
                    awarded_at=cohort.enrolment_opens_at,
                    salt="s",
                    identity_hash="h",
                )
                for e in enrolments[:-1]
            )
        with CaptureQueriesContext(connection) as queries:
            services.awards_evaluate(cohort=cohort, user_ids=[target.user_id])
        print(f"{BadgeClass.objects.count():>14}{Award.objects.count():>13,}{len(queries):>19}")

    # A rule change: 60 more badge classes published; the whole cohort re-evaluated.
    publish(course, modules, 10, "changed")
    print(
        f"\nre-evaluating {STUDENTS:,} students against {BadgeClass.objects.count()} "
        f"badge classes, batches of {tasks.REEVALUATE_BATCH}"
    )
    print(f"{'run':>8}{'seconds':>9}{'batches':>9}{'queries':>9}{'awards written':>16}")
    for run in ("first", "second"):
        before = Award.objects.count()
        batches = 0
        pending = [0]
        real_delay = tasks.reevaluate_cohort.delay
        # Each batch queues the next; here they run one after another in this process.
        tasks.reevaluate_cohort.delay = lambda cohort_id, after, queue=pending: queue.append(after)
        try:
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                while pending:
                    tasks.reevaluate_cohort.run(cohort.pk, pending.pop())
                    batches += 1
                elapsed = time.perf_counter() - start
        finally:
            tasks.reevaluate_cohort.delay = real_delay
        print(
            f"{run:>8}{elapsed:>9.2f}{batches:>9}{len(queries):>9}"
            f"{Award.objects.count() - before:>16,}"
        )


def seed():
    import datetime as dt

    from django.utils import timezone

    from cms.models import LessonPage, ModulePage
    from cohorts.models import Cohort, Enrolment, EnrolmentStatus, LessonCompletion
    from lms.models import User
    from tests.factories import course_page

    course = course_page(modules=MODULES, lessons=LESSONS)
    now = timezone.now()
    start = (now - dt.timedelta(days=60)).date()
    cohort = Cohort.objects.create(
        course=course,
        name="Bench",
        starts_on=start,
        ends_on=start + dt.timedelta(weeks=8),
        enrolment_opens_at=now - dt.timedelta(days=90),
        enrolment_closes_at=now - dt.timedelta(days=70),
        capacity=STUDENTS,
        unlock_weekday=start.weekday(),
    )
    users = User.objects.bulk_create(
        (User(username=f"s{i}", email=f"s{i}@example.org") for i in range(STUDENTS)),
        batch_size=2000,
    )
    enrolments = Enrolment.objects.bulk_create(
        (
            Enrolment(cohort=cohort, user=u, status=EnrolmentStatus.ACTIVE, activated_at=now)
            for u in users
        ),
        batch_size=2000,
    )
    lessons = list(
        LessonPage.objects.filter(path__startswith=course.path)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    total = len(lessons)
    LessonCompletion.objects.bulk_create(
        (
            LessonCompletion(enrolment=e, lesson_id=lesson, completed_at=now)
            for i, e in enumerate(enrolments)
            for lesson in lessons[: (i % (total + 1)) if i < len(enrolments) - 1 else total]
        ),
        batch_size=5000,
    )
    modules = list(
        ModulePage.objects.filter(path__startswith=course.path).values_list("pk", flat=True)
    )
    return course, cohort, enrolments, modules


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
    else:
        parent(args)


if __name__ == "__main__":
    main()
