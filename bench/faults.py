"""Nothing lost, nothing doubled: every fault against every workload, at full size.

The same harness as tests/faults/ (``tests.faults.harness``): a real ``celery worker``
(prefork, concurrency 2) and ``celery beat`` on a Redis broker of the benchmark's own
(no persistence), emails counted per recipient by ``tests.faults.mailbox``. For each
fault and workload the database is emptied and seeded, the work triggered through
public services and tasks by name, and the fault injected when about half the
expected emails are out:

- faults: the worker's process group killed (-9) and a new worker started; one pool
  process killed (WorkerLost); the worker's database connections terminated; the
  broker restarted without its data; no fault, the work's tasks sent twice at once.
  A worker or beat that exits by itself is started again and counted (a supervisor);
- workloads: a module-unlock fan-out (10,000 emails), a review allocation (600
  reviewers told), a badge rule published for a cohort that earned it (5,000 awards
  and emails), payments (200 each of invoices, receipts, access paused, restored).

Each cell reads "expected / delivered / lost / doubled / seconds", the seconds from the
fault until every expected email was out ("-" when some never were, within
``--deadline``). Each email takes ``--delay-ms`` (default 1) in the mailbox. PostgreSQL
only (the faults need its server-side view of connections).

    .venv/bin/python bench/faults.py                  # full size
    .venv/bin/python bench/faults.py --scale 0.1      # a tenth: a quick look
    .venv/bin/python bench/faults.py --faults kill_one_child --workloads fan_out,reviews
    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/name (default: lms_bench_faults)
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

from common import child_env, databases, django_setup, postgres_reset, run_child

SIZES = {"fan_out": 10_000, "reviews": 600, "badges": 5_000, "payments": 200}


def parent(args, rest: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        found = databases("postgresql", scratch, "lms_bench_faults")
        if not found:
            sys.exit("bench/faults.py needs PostgreSQL on 127.0.0.1 (or BENCH_POSTGRES_URL).")
        url = found["postgresql"]
        postgres_reset(url)
        run_child(__file__, "--child", *rest, env=child_env(url, scratch))


def child(args) -> None:
    django_setup()
    from django.core.management import call_command

    from tests.faults import harness
    from tests.faults.workloads import WORKLOADS

    call_command("migrate", verbosity=0)
    faults = args.faults.split(",") if args.faults else list(harness.FAULTS)
    workloads = args.workloads.split(",") if args.workloads else list(SIZES)
    unknown = (set(faults) - set(harness.FAULTS)) | (set(workloads) - set(SIZES))
    if unknown:
        sys.exit(f"Unknown faults or workloads: {', '.join(sorted(unknown))}")
    sizes = {w: max(4, math.ceil(SIZES[w] * args.scale)) for w in workloads}
    settings = harness.Settings(mail_delay_ms=args.delay_ms)
    print(
        f"\nfaults at scale {args.scale:g}: prefork worker (concurrency "
        f"{settings.concurrency}) and beat; sweeps every {settings.sweep_seconds} s, "
        f"delivery lease {settings.lease_seconds} s, broker visibility timeout "
        f"{settings.visibility_timeout} s; {args.delay_ms} ms per email; deadline "
        f"{args.deadline:g} s after the fault"
    )
    results: dict[tuple[str, str], harness.Result] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lms-faults-") as scratch:
        broker = harness.RedisServer(Path(scratch) / "broker").start()
        try:
            for fault in faults:
                for workload in workloads:
                    call_command("flush", interactive=False, verbosity=0)
                    result = harness.run(
                        lambda w=workload: WORKLOADS[w](sizes[w]),
                        fault,
                        broker=broker,
                        workdir=Path(scratch) / f"{fault}-{workload}",
                        settings=settings,
                        deadline=args.deadline,
                    )
                    results[(fault, workload)] = result
                    print(f"  {result.summary()}", flush=True)
        finally:
            broker.stop()
    table(results, faults, workloads, sizes)
    print(f"\n{time.monotonic() - started:.0f} s in all")


def cell(result) -> str:
    seconds = "-" if result.seconds is None else f"{result.seconds:.1f}"
    return (
        f"{result.expected:,} / {result.delivered:,} / {result.lost:,} / "
        f"{result.doubled:,} / {seconds}"
    )


def table(results, faults, workloads, sizes) -> None:
    from tests.faults.harness import FAULTS

    print("\nexpected / delivered / lost / doubled / seconds to complete after the fault")
    heads = [f"{w} ({sizes[w]:,})" for w in workloads]
    rows = [[f, *(cell(results[(f, w)]) for w in workloads)] for f in faults]
    widths = [
        max(len(str(x)) for x in column) for column in zip(["fault", *heads], *rows, strict=True)
    ]
    line = "  ".join(f"{h:<{w}}" for h, w in zip(["fault", *heads], widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(f"{x:<{w}}" for x, w in zip(row, widths, strict=True)))
    notes = []
    for (fault, workload), r in results.items():
        if r.worker_restarts or r.beat_restarts:
            notes.append(
                f"{fault} / {workload}: worker restarted {r.worker_restarts}x, "
                f"beat {r.beat_restarts}x after exiting by itself"
            )
        if r.unexpected:
            notes.append(f"{fault} / {workload}: {r.unexpected} unexpected emails")
        for problem in r.problems:
            notes.append(f"{fault} / {workload}: {problem}")
    if notes:
        print()
        print("\n".join(notes))
    print("\nfaults: " + "; ".join(f"{f}: {FAULTS[f].label}" for f in faults))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="sizes times this (0.1)")
    parser.add_argument("--faults", help="comma-separated, default all")
    parser.add_argument("--workloads", help="comma-separated: " + ",".join(SIZES))
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds after the fault")
    parser.add_argument("--delay-ms", type=int, default=1, help="per email in the mailbox")
    parser.add_argument("--child", action="store_true")
    args, _unknown = parser.parse_known_args()
    if args.child:
        child(args)
    else:
        parent(args, sys.argv[1:])
