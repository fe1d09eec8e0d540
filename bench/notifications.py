"""Fan-out of the module-unlock notification to 100,000 enrolments.

Seeds one cohort with 100,000 active students (rows written in bulk: seeding is not
what is measured). Then:

1. in process, ``cohorts.notices.module_unlock_fan_out`` for a module, for
   cohorts of 100,000 and 10,000: SQL queries and wall time. The queries grow with the
   number of batches (2,000 students each), not of students;
2. with a real ``celery worker`` on Redis (PostgreSQL only): the beat task
   ``notifications.tasks.module_unlocks`` sent through the broker when a second module
   opens, timed until all 100,000 notifications exist, and then until the worker has
   emailed every one of them (email backend: dummy, so the SMTP server is not what is
   measured; the sent-once markers are written).
   Running the task a second time adds nothing.

    .venv/bin/python bench/notifications.py                 # SQLite (in process) and PostgreSQL
    .venv/bin/python bench/notifications.py --only postgresql
    BENCH_REDIS_URL=redis://127.0.0.1:6379/11 (default) for the worker
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time

from common import (
    ROOT,
    SOLO_WORKER,
    child_env,
    databases,
    django_setup,
    postgres_reset,
    run_child,
)

SIZES = (100_000, 10_000)


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        for name, url in databases(args.only, scratch, "lms_bench_notifications").items():
            extra = {"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
            if name == "postgresql":
                postgres_reset(url)
                # A real worker on Redis delivers the fan-out's emails.
                extra["CELERY_BROKER_URL"] = os.environ.get(
                    "BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"
                )
            run_child(__file__, "--child", name, env=child_env(url, scratch, **extra))


def seed(size: int):
    import datetime as dt

    from django.utils import timezone

    from cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from lms.models import User
    from tests.factories import course_page

    now = timezone.now()
    start = (now - dt.timedelta(days=15)).date()
    cohort = Cohort.objects.create(
        course=course_page(modules=3, lessons=0),
        name=f"Cohort of {size}",
        starts_on=start,
        ends_on=start + dt.timedelta(weeks=8),
        enrolment_opens_at=now - dt.timedelta(days=60),
        enrolment_closes_at=now - dt.timedelta(days=20),
        capacity=size,
        unlock_weekday=start.weekday(),
    )
    for offset in range(0, size, 10_000):
        users = User.objects.bulk_create(
            User(
                username=f"c{cohort.pk}s{i}",
                email=f"c{cohort.pk}s{i}@example.org",
                password="!",
            )
            for i in range(offset, min(offset + 10_000, size))
        )
        Enrolment.objects.bulk_create(
            Enrolment(cohort=cohort, user=u, status=EnrolmentStatus.ACTIVE, activated_at=now)
            for u in users
        )
    return cohort


def child(name: str) -> None:
    django_setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cohorts.models import Cohort, ModuleUnlockOverride
    from cohorts.notices import module_unlock_fan_out
    from cohorts.selectors import cohort_schedule
    from notifications.models import Notification

    call_command("migrate", verbosity=0)
    print(f"\n{name}: module-unlock fan-out (batches of 2,000 students)")
    print(f"{'students':>10}{'seconds':>9}{'queries':>9}{'notifications':>15}")
    cohorts = {}
    for size in SIZES:
        cohort = seed(size)
        cohorts[size] = cohort
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        slot = cohort_schedule(cohort=cohort)[0]
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            module_unlock_fan_out(cohort=cohort, slot=slot)
            elapsed = time.perf_counter() - start
        made = Notification.objects.filter(key=f"{cohort.pk}:{slot.module.pk}").count()
        assert made == size
        print(f"{size:>10,}{elapsed:>9.2f}{len(queries):>9}{made:>15,}")
    # Delivery of the in-process rows is not part of the worker measurement below.
    Notification.objects.update(emailed_at=timezone.now())
    if connection.vendor != "postgresql":
        return

    from django.conf import settings

    from lms.celery import app

    cohort = cohorts[SIZES[0]]
    Cohort.objects.exclude(pk=cohort.pk).update(status="cancelled")  # one cohort measured
    module = cohort_schedule(cohort=cohort)[1].module
    app.control.purge()
    worker = subprocess.Popen(
        SOLO_WORKER,
        cwd=ROOT,
    )
    try:
        time.sleep(5)  # the worker connects
        ModuleUnlockOverride.objects.create(
            cohort=cohort, module_id=module.pk, unlocks_at=timezone.now() - dt.timedelta(minutes=1)
        )
        key = f"{cohort.pk}:{module.pk}"
        start = time.perf_counter()
        app.send_task("notifications.tasks.module_unlocks")
        while Notification.objects.filter(key=key).count() < SIZES[0]:
            time.sleep(0.2)
        produced = time.perf_counter() - start
        while Notification.objects.filter(key=key, emailed_at__isnull=True).exists():
            time.sleep(1)
        delivered = time.perf_counter() - start
        app.send_task("notifications.tasks.module_unlocks")
        time.sleep(10)
        again = Notification.objects.filter(key=key).count()
        print(
            f"\nworker on {settings.CELERY_BROKER_URL}: module_unlocks beat task for "
            f"{SIZES[0]:,} students"
        )
        print(f"  all notifications produced after {produced:.1f} s")
        print(f"  all emailed (dummy backend, sent-once markers written) after {delivered:.1f} s")
        print(f"  task sent again: {again:,} notifications (unchanged)")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
    else:
        parent(args)
