"""Privacy at one member's scale: the data export and the erasure of a member with three
years of history, among 50 classmates with their own.

The history (bench/privacy_seed.py, ``seed_history``): five cohorts over three years,
each with its modules, lessons and assignments; 40 submissions whose versions carry
small real files (2-20 KB) in the submissions storage; peer reviews given and received,
grades, a regrade request; an order, invoice and payment per cohort; 300 community posts
(threads and replies across the cohorts' spaces, classmates mentioning the member by
@username), reactions, follows, reads; two memberships (one ended, one active) with
their ledger rows and bills; RSVPs and attendance at live sessions; a badge; 200
notifications. The classmates have their own share of the same in the same cohorts.

Printed, on SQLite and, when reachable, PostgreSQL: the seconds seeding took and the
rows per model (about the member, by the privacy registry's subject, and in all); then

- the export (``privacy.services.export_request`` then ``export_build``): milliseconds,
  SQL queries, transactions, the zip's size and its rows per kind;
- the erasure (``privacy.services.erasure_request``, its waiting period moved to the
  past, then ``erasure_run``): milliseconds, SQL queries, transactions, the run's
  batches or steps where it records them, its counts per kind, the member's rows per
  model before and after, the classmates' rows it touched (none expected), and the
  member's files left in the storage.

A step not in this build yet is reported as not available; the seeding figures are
printed all the same.

    .venv/bin/python bench/privacy.py                          # both databases
    .venv/bin/python bench/privacy.py --only sqlite --scale 0.1
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from contextlib import contextmanager

from common import child_env, databases, django_setup, postgres_reset, run_child

SIZES = {"others": 50, "submissions": 40, "posts": 300, "notifications": 200}
PROJECT_APPS = (
    "lms",
    "cohorts",
    "assignments",
    "reviews",
    "payments",
    "community",
    "memberships",
    "live",
    "badges",
    "notifications",
    "privacy",
)


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        for name, url in databases(args.only, scratch, "lms_bench_privacy").items():
            if name == "postgresql":
                postgres_reset(url)
            env = child_env(
                url, scratch, DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
            )
            run_child(__file__, "--child", name, "--scale", str(args.scale), env=env)


def child(name: str, scale: float) -> None:
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from privacy_seed import seed_history

    from lms.models import User

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    sizes = {k: max(round(v * scale), 1) for k, v in SIZES.items()}
    started = time.perf_counter()
    member = User.objects.create(
        username="mira",
        email="mira@example.org",
        display_name="Mira Member",
        date_joined=timezone.now() - dt.timedelta(days=3 * 365 + 60),
    )
    seed_history(member, rng=random.Random(2026), **sizes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started
    print(
        f"\n{name}: one member, 3 years, {sizes['submissions']} submissions, "
        f"{sizes['posts']} posts, {sizes['notifications']} notifications; "
        f"{sizes['others']} classmates (seeded in {seeded:.1f} s)"
    )
    before = rows_per_model(member)
    print(f"{'rows seeded':<40}{'member':>9}{'all':>9}")
    for label, (mine, total) in before.items():
        print(f"{label:<40}{_n(mine):>9}{total:>9,}")
    files = member_files(member)
    print(
        f"{'member files in storage':<40}{len(files):>9}"
        f"{sum(size for _name, size in files):>9,} bytes"
    )
    export(member)
    erasure(member, before, files)


def _n(value) -> str:
    return "-" if value is None else f"{value:,}"


def rows_per_model(member) -> dict[str, tuple[int | None, int]]:
    """Per model of the project's apps with rows: the rows about the member (by the
    registry's subject; None when the model names none) and all rows."""
    from django.apps import apps

    try:
        from privacy.registry import subject_queryset
    except ImportError:
        subject_queryset = None
    found = {}
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.app_label not in PROJECT_APPS:
            continue
        total = model._base_manager.count()
        if not total:
            continue
        mine = subject_queryset(model, member) if subject_queryset else None
        found[model._meta.label] = (None if mine is None else mine.count(), total)
    return found


def member_files(member) -> list[tuple[str, int]]:
    from assignments.models import SubmissionVersion

    return [
        (v.file.name, v.file_size)
        for v in SubmissionVersion.objects.filter(submission__author=member).exclude(file="")
    ]


@contextmanager
def measured():
    """Milliseconds, SQL queries and transactions (outermost atomic blocks) of a block."""
    from django.db import connection, transaction

    figures = {"transactions": 0, "queries": 0}

    def count(execute, sql, params, many, context):
        # Counted as they run: Django's query log keeps only the last 9,000.
        figures["queries"] += 1
        return execute(sql, params, many, context)

    enter = transaction.Atomic.__enter__

    def counting(self):
        if not transaction.get_connection(self.using).in_atomic_block:
            figures["transactions"] += 1
        return enter(self)

    transaction.Atomic.__enter__ = counting
    try:
        with connection.execute_wrapper(count):
            start = time.perf_counter()
            yield figures
            figures["ms"] = (time.perf_counter() - start) * 1000
    finally:
        transaction.Atomic.__enter__ = enter


def _figures_line(label: str, figures: dict) -> str:
    return f"{label:<40}{figures['ms']:>9.0f}{figures['queries']:>9}{figures['transactions']:>9}"


def _counts(counts) -> None:
    for kind, n in sorted((counts or {}).items()):
        print(f"  {kind:<38}{n:>9,}" if isinstance(n, int) else f"  {kind:<38}{n!s:>9}")


def export(member) -> None:
    try:
        from privacy.services import export_build, export_request
    except ImportError:
        print("export not available in this build")
        return
    print(f"{'export':<40}{'ms':>9}{'queries':>9}{'txns':>9}")
    with measured() as asked:
        request = export_request(user=member, by=member)
    print(_figures_line("export_request", asked))
    with measured() as built:
        export_build(request_id=request.pk)
    print(_figures_line("export_build", built))
    request.refresh_from_db()
    size = request.file.size if request.file else 0
    print(f"{'zip size':<40}{size:>9,} bytes")
    print("rows per kind in the export:")
    _counts(request.counts)


def erasure(member, before: dict, files: list[tuple[str, int]]) -> None:
    try:
        from privacy.services import erasure_request, erasure_run
    except ImportError:
        print("erasure not available")
        return
    from django.utils import timezone

    from assignments.models import submissions_storage

    print(f"{'erasure':<40}{'ms':>9}{'queries':>9}{'txns':>9}")
    with measured() as asked:
        request = erasure_request(user=member, by=member)
    print(_figures_line("erasure_request", asked))
    type(request)._base_manager.filter(pk=request.pk).update(
        runs_after=timezone.now() - dt.timedelta(minutes=1)
    )
    with measured() as ran:
        erasure_run(request_id=request.pk)
    print(_figures_line("erasure_run", ran))
    request.refresh_from_db()
    for name in ("batches", "steps"):
        value = getattr(request, name, None)
        if value is not None:
            shown = len(value) if isinstance(value, list | tuple | dict) else value
            print(f"{name + ' recorded by the run':<40}{shown!s:>9}")
    print("counts per kind of the erasure:")
    _counts(getattr(request, "counts", None))
    after = rows_per_model(member)
    print(f"{'rows about the member':<40}{'before':>9}{'after':>9}{'others':>9}")
    for label in sorted(set(before) | set(after)):
        mine0, total0 = before.get(label, (None, 0))
        mine1, total1 = after.get(label, (None, 0))
        # Rows that left the table or came to it without being the member's.
        others = (total1 - total0) - ((mine1 or 0) - (mine0 or 0))
        if mine0 or mine1 or others:
            print(f"{label:<40}{_n(mine0):>9}{_n(mine1):>9}{others:>+9}")
    storage = submissions_storage()
    left = sum(storage.exists(name) for name, _size in files)
    print(f"{'member files left in storage':<40}{len(files):>9}{left:>9}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--scale", type=float, default=1.0, help="e.g. 0.1 for a quick run")
    parser.add_argument("--child")
    args = parser.parse_args()
    child(args.child, args.scale) if args.child else parent(args)
