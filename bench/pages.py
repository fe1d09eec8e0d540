"""Server time and SQL queries of the student dashboard, a module page and the roster.

Seeds one cohort with 1,000 students and 12 modules of 5 lessons (students at varied
progress), then requests each page repeatedly through Django's test client (no
network) and prints p50/p95 milliseconds and queries per request, on SQLite and, when
reachable, PostgreSQL.

    .venv/bin/python bench/pages.py                 # both databases
    .venv/bin/python bench/pages.py --only sqlite   # one of them
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from common import child_env, databases, django_setup, postgres_reset, run_child

STUDENTS, MODULES, LESSONS, RUNS = 1000, 12, 5, 60


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        for name, url in databases(args.only, scratch, "lms_bench").items():
            if name == "postgresql":
                postgres_reset(url)
            run_child(__file__, "--child", name, env=child_env(url, scratch))


def child(name: str) -> None:
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    cohort, student, instructor, module_id = seed()
    client = Client()
    pages = {
        "dashboard": (student, f"/learn/{cohort.pk}/"),
        "module page": (student, f"/learn/{cohort.pk}/modules/{module_id}/"),
        "roster (100/page)": (instructor, f"/learn/{cohort.pk}/roster/"),
    }
    print(f"\n{name}: 1 cohort, {STUDENTS} students, {MODULES} modules x {LESSONS} lessons")
    print(f"{'page':<20}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    for label, (user, url) in pages.items():
        client.force_login(user)
        assert client.get(url).status_code == 200, url
        timings = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{label:<20}{statistics.median(timings):>9.1f}{p95:>9.1f}{len(queries):>9}")


def seed():
    import datetime as dt
    import random

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from wagtail.models import Page, Site

    from cms.models import CoursePage, HomePage, LessonPage, ModulePage
    from cohorts.models import Cohort, Enrolment, EnrolmentStatus, LessonCompletion
    from lms.models import User

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Bench", slug="bench"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"root_page": home, "hostname": "testserver"}
    )
    course = home.add_child(instance=CoursePage(title="Course", slug="c", summary="s"))
    lessons = []
    module_id = None
    for m in range(1, MODULES + 1):
        module = course.add_child(
            instance=ModulePage(
                title=f"Module {m}", slug=f"m{m}", summary="Summary", unlock_offset=m
            )
        )
        module_id = module_id or module.pk
        for n in range(1, LESSONS + 1):
            lessons.append(
                module.add_child(
                    instance=LessonPage(
                        title=f"Lesson {m}.{n}",
                        slug=f"l{n}",
                        body=[("paragraph", "<p>Text of the lesson.</p>")],
                    )
                )
            )
    now = timezone.now()
    start = (now - dt.timedelta(days=36)).date()  # week 6 of 12
    cohort = Cohort.objects.create(
        course=course,
        name="Bench cohort",
        starts_on=start,
        ends_on=start + dt.timedelta(weeks=12),
        enrolment_opens_at=now - dt.timedelta(days=60),
        enrolment_closes_at=now + dt.timedelta(days=1),
        capacity=STUDENTS,
        unlock_weekday=start.weekday(),
    )
    password = make_password("bench")
    users = User.objects.bulk_create(
        User(username=f"s{i}", email=f"s{i}@example.org", password=password)
        for i in range(STUDENTS)
    )
    instructor = User.objects.create(username="teacher", email="t@example.org")
    cohort.instructors.add(instructor)
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(cohort=cohort, user=u, status=EnrolmentStatus.ACTIVE, activated_at=now)
        for u in users
    )
    rng = random.Random(1)
    open_lessons = lessons[: 6 * LESSONS]
    LessonCompletion.objects.bulk_create(
        (
            LessonCompletion(enrolment=e, lesson=x, completed_at=now)
            for e in enrolments
            for x in open_lessons[: rng.randint(0, len(open_lessons))]
        ),
        batch_size=5000,
    )
    assert LessonPage.objects.count() == MODULES * LESSONS
    return cohort, users[0], instructor, module_id


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child")
    args = parser.parse_args()
    child(args.child) if args.child else parent(args)
