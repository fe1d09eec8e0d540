"""Web traffic while PostgreSQL drops the server's connections: no 500, data consistent.

Seeds a cohort that students read (dashboard, My cohorts, API) and a small cohort they
enrol in and leave through the API, so that seats fill up and the waitlist moves.
Then starts the real server (gunicorn, 3 workers, connections named
``lms-bench-web`` in pg_stat_activity) and a Celery worker (which sends the waitlist
promotions), drives mixed traffic from a few client threads for 30 s, and every 4 s
terminates all of the server's database connections (``pg_terminate_backend``).
Prints the requests, the responses per status, p50/p95, what the server logged, and
consistency checks: no cohort over capacity, no enrolment half-written, nobody
waitlisted while a seat is free, each waitlist promotion notified once.

    .venv/bin/python bench/faults_web.py                 # PostgreSQL only
    .venv/bin/python bench/faults_web.py --seconds 60 --every 2
    BENCH_POSTGRES_URL=postgres://... (default: database lms_bench_faults on 127.0.0.1)
    BENCH_REDIS_URL=redis://127.0.0.1:6379/11 (default) for the worker
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import (
    ROOT,
    SOLO_WORKER,
    child_env,
    databases,
    django_setup,
    postgres_reset,
    run_child,
)

APP_NAME = "lms-bench-web"
WEB_WORKERS, CLIENTS, USERS_PER_CLIENT = 3, 4, 6
READERS, CHURN_CAPACITY = 20, 8


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        found = databases("postgresql", scratch, "lms_bench_faults")
        if not found:
            print("bench/faults_web.py needs PostgreSQL on 127.0.0.1 (or BENCH_POSTGRES_URL).")
            return
        url = found["postgresql"]
        postgres_reset(url)
        env = child_env(
            url,
            scratch,
            CELERY_BROKER_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            # The server answers as in production: no debug pages.
            DJANGO_DEBUG="false",
        )
        plan_file = Path(scratch) / "plan.json"
        run_child(__file__, "--seed", str(plan_file), env=env)
        plan = json.loads(plan_file.read_text())

        port = _free_port()
        server_log = Path(scratch) / "server.log"
        with server_log.open("w") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "lms.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    f"--workers={WEB_WORKERS}",
                    "--log-level=warning",
                ],
                env={**env, "LMS_DB_APPLICATION_NAME": APP_NAME},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            worker = subprocess.Popen(
                SOLO_WORKER,
                env={**env, "LMS_DB_APPLICATION_NAME": "lms-bench-worker"},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait_until_up(port)
                results, kills = _drive(port, plan, url, args.seconds, args.every)
            finally:
                _stop(server)
            try:
                _report(results, kills, server_log.read_text(), args)
                run_child(__file__, "--check", str(plan_file), env=env)
            finally:
                _stop(worker)


# --- Traffic ----------------------------------------------------------------------------


def _drive(port: int, plan: dict, url: str, seconds: float, every: float):
    deadline = time.monotonic() + seconds
    results: list[tuple[str, int, float, str]] = []
    lock = threading.Lock()
    kills: list[int] = []
    threads = [
        threading.Thread(
            target=_client, args=(port, plan, users, deadline, results, lock, n), daemon=True
        )
        for n, users in enumerate(plan["clients"])
    ]
    killer = threading.Thread(target=_killer, args=(url, deadline, every, kills), daemon=True)
    for thread in [*threads, killer]:
        thread.start()
    for thread in [*threads, killer]:
        thread.join()
    return results, kills


def _client(port, plan, users, deadline, results, lock, seed) -> None:
    rng = random.Random(seed)
    main, churn = plan["main_cohort"], plan["churn_cohort"]
    actions = [
        ("page: dashboard", 25, "GET", plan["dashboard_url"], "session"),
        ("page: my cohorts", 15, "GET", plan["my_cohorts_url"], "session"),
        ("api: my enrolments", 20, "GET", "/api/v1/me/enrolments/", "token"),
        ("api: cohort", 10, "GET", f"/api/v1/cohorts/{main}/", "token"),
        ("api: enrol", 15, "POST", f"/api/v1/cohorts/{churn}/enrol/", "token"),
        ("api: leave", 15, "POST", f"/api/v1/cohorts/{churn}/leave/", "token"),
    ]
    weights = [a[1] for a in actions]
    while time.monotonic() < deadline:
        label, _weight, method, path, auth = rng.choices(actions, weights)[0]
        user = rng.choice(users)
        headers = {"Host": "127.0.0.1"}
        if auth == "session":
            headers["Cookie"] = f"sessionid={user['session']}"
        else:
            headers["Authorization"] = f"Token {user['token']}"
        body = None
        if method == "POST":
            body = b"{}"
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        status, code = _request(port, method, path, body, headers)
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            results.append((label, status, elapsed, code))


def _request(port: int, method: str, path: str, body, headers) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
    except OSError:
        return 0, ""
    finally:
        conn.close()
    code = ""
    if response.status == 503 and path.startswith("/api/"):
        code = json.loads(content).get("code", "")
    return response.status, code


def _killer(url: str, deadline: float, every: float, kills: list[int]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        next_kill = time.monotonic() + every
        while next_kill < deadline:
            time.sleep(max(0.0, next_kill - time.monotonic()))
            row = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database() "
                "AND pid <> pg_backend_pid()",
                [APP_NAME],
            ).fetchone()
            kills.append(row[0])
            next_kill += every


def _report(results, kills, server_log: str, args) -> None:
    by_status = collections.Counter(_status_group(status) for _l, status, _e, _c in results)
    timings = sorted(elapsed for _l, _s, elapsed, _c in results)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"\nPostgreSQL, gunicorn {WEB_WORKERS} workers, {CLIENTS} client threads, "
        f"{args.seconds:.0f} s; every {args.every:.0f} s all of the server's connections "
        f"terminated: {len(kills)} times, {sum(kills)} connections"
    )
    print(f"requests: {len(results)}   p50 {statistics.median(timings):.0f} ms   p95 {p95:.0f} ms")
    order = ["200", "201", "204", "302", "4xx", "503", "500", "other"]
    print("responses: " + "   ".join(f"{k}: {by_status.get(k, 0)}" for k in order))
    per_action = collections.defaultdict(collections.Counter)
    for label, status, _elapsed, code in results:
        per_action[label][f"{status}{' ' + code if code else ''}"] += 1
    for label in sorted(per_action):
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(per_action[label].items()))
        print(f"  {label:<20} {counts}")
    retried = server_log.count("retrying once on a new connection")
    answered = server_log.count("answered 503")
    errors = server_log.count("Internal Server Error")
    print(
        f"server log: {retried} requests retried on a new connection, {answered} answered "
        f"503, {errors} internal server errors"
    )


def _status_group(status: int) -> str:
    if status in (200, 201, 204, 302, 503, 500):
        return str(status)
    if 400 <= status < 500:
        return "4xx"
    return "other"


# --- The server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _code = _request(port, "GET", "/api/v1/courses/", None, {"Host": "127.0.0.1"})
        if status == 200:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer on port {port} within {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- Seeding and checking (children with Django) -------------------------------------------


def seed(plan_file: str) -> None:
    django_setup()
    import datetime as dt

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from lms.celery import app
    from lms.services import api_token_create
    from tests.factories import UserFactory, course_page

    call_command("migrate", verbosity=0)
    app.control.purge()
    # Seeding is not measured: sessions and tokens sign in, never the password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    now = timezone.now()
    course = course_page(modules=4, lessons=2)
    start = (now - dt.timedelta(days=8)).date()

    def cohort(name: str, capacity: int) -> Cohort:
        return Cohort.objects.create(
            course=course,
            name=name,
            starts_on=start,
            ends_on=start + dt.timedelta(weeks=8),
            enrolment_opens_at=now - dt.timedelta(days=30),
            enrolment_closes_at=now + dt.timedelta(days=7),
            capacity=capacity,
            unlock_weekday=start.weekday(),
        )

    main = cohort("Read by everyone", READERS + CLIENTS * USERS_PER_CLIENT)
    churn = cohort("Taken and given up", CHURN_CAPACITY)
    for _ in range(READERS):
        Enrolment.objects.create(
            cohort=main, user=UserFactory(), status=EnrolmentStatus.ACTIVE, activated_at=now
        )
    clients = []
    for c in range(CLIENTS):
        users = []
        for u in range(USERS_PER_CLIENT):
            user = UserFactory(username=f"bench-{c}-{u}")
            Enrolment.objects.create(
                cohort=main, user=user, status=EnrolmentStatus.ACTIVE, activated_at=now
            )
            client = Client()  # one each: signing in on a used client ends its session
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            users.append({"token": api_token_create(user=user)[1], "session": session})
        clients.append(users)
    Path(plan_file).write_text(
        json.dumps(
            {
                "main_cohort": main.pk,
                "churn_cohort": churn.pk,
                "dashboard_url": reverse("cohorts:dashboard", args=[main.pk]),
                "my_cohorts_url": reverse("cohorts:my_cohorts"),
                "clients": clients,
            }
        )
    )


def check(plan_file: str) -> None:
    django_setup()
    from django.conf import settings
    from django.db.models import Count, Q

    from cohorts.models import SEAT_HOLDING, Cohort, Enrolment, EnrolmentStatus
    from notifications.models import Kind, Notification

    _wait_for_worker(settings.CELERY_BROKER_URL)
    over, stranded = [], []
    for cohort in Cohort.objects.annotate(
        held=Count("enrolments", filter=Q(enrolments__status__in=SEAT_HOLDING)),
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
    ):
        if cohort.held > cohort.capacity:
            over.append(f"{cohort.name}: {cohort.held} seats of {cohort.capacity}")
        if cohort.waiting and cohort.held < cohort.capacity:
            stranded.append(f"{cohort.name}: {cohort.waiting} waiting, seats free")
    half_written = []
    history = Enrolment.history.model
    latest = {}
    for row in history.objects.order_by("history_date", "history_id").values("id", "status"):
        latest[row["id"]] = row["status"]
    for enrolment in Enrolment.objects.all():
        if latest.get(enrolment.pk) != enrolment.status:
            half_written.append(f"enrolment {enrolment.pk}: history does not end in its status")
        if enrolment.status == EnrolmentStatus.ACTIVE and enrolment.activated_at is None:
            half_written.append(f"enrolment {enrolment.pk}: active without activated_at")
        if enrolment.status == EnrolmentStatus.WAITLISTED and enrolment.waitlisted_at is None:
            half_written.append(f"enrolment {enrolment.pk}: waitlisted without waitlisted_at")
    live_twice = (
        Enrolment.objects.exclude(status=EnrolmentStatus.CANCELLED)
        .values("cohort", "user")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    promoted = set(
        history.objects.filter(history_change_reason="promoted from waitlist").values_list(
            "id", flat=True
        )
    )
    notified = collections.Counter(
        Notification.objects.filter(kind=Kind.WAITLIST_PROMOTED).values_list("key", flat=True)
    )
    twice = sum(1 for n in notified.values() if n > 1)
    still_active = set(
        Enrolment.objects.filter(pk__in=promoted, status=EnrolmentStatus.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    missing = [pk for pk in still_active if f"waitlist-promoted:{pk}" not in notified]
    enrolments = Enrolment.objects.count()
    print(f"consistency after the run ({enrolments} enrolments):")
    print(f"  cohorts over capacity: {len(over)} {over or ''}")
    print(f"  waitlisted while a seat is free: {len(stranded)} {stranded or ''}")
    print(f"  enrolments half-written: {len(half_written)} {half_written[:5] or ''}")
    print(f"  students with two live enrolments in one cohort: {live_twice}")
    print(
        f"  waitlist promotions: {len(promoted)}, notified {len(notified)} "
        f"(twice: {twice}; still active but not notified: {len(missing)})"
    )


def _wait_for_worker(broker_url: str, timeout: float = 120) -> None:
    """Until the worker has taken every queued task and finished it."""
    import redis

    broker = redis.Redis.from_url(broker_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if broker.llen("celery") == 0 and broker.hlen("unacked") == 0:
            return
        time.sleep(0.5)
    print(f"  (the worker had not emptied the queue after {timeout:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--every", type=float, default=4, help="seconds between terminations")
    parser.add_argument("--seed", metavar="PLAN")
    parser.add_argument("--check", metavar="PLAN")
    args = parser.parse_args()
    if args.seed:
        seed(args.seed)
    elif args.check:
        check(args.check)
    else:
        parent(args)
