"""Faults injected into real processes, and what reached the students' mailboxes.

Used by tests/faults/test_faults.py and bench/faults.py alike:

- ``RedisServer``: a broker of our own (no persistence) that a fault may restart;
- ``Processes``: a real ``celery worker`` (prefork) and ``celery beat`` against the
  database this process uses, each in its own process group; one that exits by itself
  is started again, as a supervisor would, and counted;
- ``FAULTS``: what can go wrong, each injected when about half the expected emails are
  in the mailbox (``tests.faults.mailbox.CountingBackend``);
- ``run``: seeds a ``Workload`` while the worker boots, triggers it, injects the
  fault, waits until every expected email went out (or a deadline passed) and the
  broker is quiet, and returns a ``Result``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.mailbox import DELAY_ENV, MAILBOX_ENV, mailbox_read

ROOT = Path(__file__).resolve().parents[2]
# Named per run: a fault injected by one run (a test, a benchmark) never reaches the
# processes of another running beside it on the same database server.
WORKER_APP = f"lms-faults-worker-{os.getpid()}"
BEAT_APP = f"lms-faults-beat-{os.getpid()}"
BROKER_PORTS = range(6381, 6390)


# --- The broker -----------------------------------------------------------------------


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RedisServer:
    """A ``redis-server`` that keeps nothing on disk, on a free port of BROKER_PORTS."""

    def __init__(self, workdir: Path, ports: range = BROKER_PORTS):
        self.workdir = Path(workdir)
        self.ports = ports
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=2, socket_timeout=5)

    def start(self) -> RedisServer:
        candidates = [self.port] if self.port else [p for p in self.ports if _port_free(p)]
        for port in candidates:
            self.port = port
            if self._launch():
                return self
        raise RuntimeError(f"No redis-server could be started on ports {list(self.ports)}.")

    def _launch(self) -> bool:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(Exception):
                if self.client().ping():
                    return True
            time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
                capture_output=True,
                timeout=10,
                check=False,
            )
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self, pause: float = 1.0) -> None:
        """Down without saving (every queued and unacknowledged message is gone), and
        up again on the same port."""
        self.stop()
        time.sleep(pause)
        if not self._launch():
            raise RuntimeError(f"redis-server did not come back on port {self.port}.")

    def flush(self) -> None:
        self.client().flushall()

    def drained(self) -> bool:
        """Nothing queued and nothing delivered but unacknowledged (tasks ack late)."""
        try:
            client = self.client()
            return client.llen("celery") == 0 and client.hlen("unacked") == 0
        except Exception:  # the broker is down: not drained
            return False


@contextlib.contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """This process sends tasks to the broker at ``url`` (not eagerly) for the block:
    the services called by a workload queue their tasks where the worker listens."""
    from lms.celery import app

    conf = app.conf
    # The write address: ``broker_url`` itself prefers the CELERY_BROKER_URL variable.
    before = (conf.get("broker_write_url"), conf.task_always_eager)

    def reconnect() -> None:
        # kombu keeps a pool per broker address; the app picks the one for the new
        # address (closing the old one would close it for every later user too).
        app._pool = None
        if "amqp" in app.__dict__:
            app.__dict__["amqp"]._producer_pool = None

    conf.broker_write_url, conf.task_always_eager = url, False
    reconnect()
    try:
        yield
    finally:
        conf.broker_write_url, conf.task_always_eager = before
        reconnect()


@contextlib.contextmanager
def seeding() -> Iterator[None]:
    """Seed as a test does: tasks run in this process, emails stay in memory (they are
    not what is measured), passwords hash cheaply."""
    from django.test import override_settings

    from lms.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CELERY_TASK_ALWAYS_EAGER=True,
        ):
            yield
    finally:
        app.conf.task_always_eager = before


def send(task: str, *args, times: int = 1) -> None:
    """Send a task by its name (``times`` copies, back to back: delivered at once)."""
    from lms.celery import app

    for _ in range(times):
        app.send_task(task, args=args)


# --- The worker and beat ----------------------------------------------------------------


def database_url() -> str:
    """The address of the database this process uses (in tests: the test database)."""
    from django.db import connection

    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Settings:
    """How the processes run: short sweeps, leases and visibility timeouts, so that a
    fault is recovered in seconds rather than the production minutes."""

    concurrency: int = 2
    mail_delay_ms: int = 10
    sweep_seconds: int = 2
    lease_seconds: int = 5
    visibility_timeout: int = 10
    beat: bool = True


class Processes:
    """``celery worker`` and ``celery beat`` as subprocesses; a supervisor thread starts
    one again when it exits by itself (a fault's own restart is not counted)."""

    def __init__(
        self, *, broker_url: str, mailbox: Path, workdir: Path, settings: Settings
    ) -> None:
        self.workdir = Path(workdir)
        self.settings = settings
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "DJANGO_EMAIL_BACKEND": "tests.faults.mailbox.CountingBackend",
            MAILBOX_ENV: str(mailbox),
            DELAY_ENV: str(settings.mail_delay_ms),
            "LMS_SWEEP_SECONDS": str(settings.sweep_seconds),
            "LMS_DELIVERY_LEASE_SECONDS": str(settings.lease_seconds),
            "LMS_BROKER_VISIBILITY_TIMEOUT": str(settings.visibility_timeout),
            "LMS_VAR_DIR": str(self.workdir / "var"),
            "LMS_LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.worker_restarts = 0
        self.beat_restarts = 0
        self._lock = threading.RLock()
        self._running = False
        self._supervisor: threading.Thread | None = None

    def _spawn(self, args: list[str], app_name: str, log_name: str) -> subprocess.Popen:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / log_name, "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lms", *args],
            env={**self.env, "LMS_DB_APPLICATION_NAME": app_name},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a fault kills all of it
        )
        log.close()
        return process

    def _start_worker(self) -> None:
        self.worker = self._spawn(
            [
                "worker",
                "--pool=prefork",
                f"--concurrency={self.settings.concurrency}",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"faults{next(_names)}@%h",
            ],
            WORKER_APP,
            "worker.log",
        )

    def _start_beat(self) -> None:
        self.beat = self._spawn(
            ["beat", "--loglevel=WARNING", "-s", str(self.workdir / "beat-schedule")],
            BEAT_APP,
            "beat.log",
        )

    def start(self) -> Processes:
        """The worker, watched by the supervisor; beat comes with ``start_beat``."""
        with self._lock:
            self._running = True
            self._start_worker()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()
        return self

    def start_beat(self) -> None:
        with self._lock:
            self._start_beat()

    def _supervise(self) -> None:
        while self._running:
            with self._lock:
                if not self._running:
                    return
                if self.worker is not None and self.worker.poll() is not None:
                    self.worker_restarts += 1
                    self._start_worker()
                if self.beat is not None and self.beat.poll() is not None:
                    self.beat_restarts += 1
                    self._start_beat()
            time.sleep(0.2)

    def worker_children(self) -> list:
        import psutil

        with self._lock:
            pid = self.worker.pid if self.worker else None
        if pid is None:
            return []
        try:
            return psutil.Process(pid).children()
        except psutil.NoSuchProcess:
            return []

    def wait_for_children(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.worker_children()) >= self.settings.concurrency:
                return True
            time.sleep(0.1)
        return False

    def kill_worker_group(self) -> None:
        """SIGKILL to the worker and all its children; a new worker takes over."""
        with self._lock:
            self._kill_group(self.worker)
            self._start_worker()

    def kill_child(self, child) -> None:
        """SIGKILL to one pool process; the worker replaces it (WorkerLost)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)

    @staticmethod
    def _kill_group(process: subprocess.Popen | None) -> None:
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)

    def stop(self) -> None:
        with self._lock:
            self._running = False
            self._kill_group(self.worker)
            self._kill_group(self.beat)
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        # A killed process's server connections end when the server notices; end them
        # now so the database is free for what comes next (a test's flush).
        terminate_connections(WORKER_APP, BEAT_APP)

    def log_tail(self, chars: int = 3000) -> str:
        path = self.workdir / "worker.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


_names = itertools.count(1)


def terminate_connections(*app_names: str) -> int:
    """End every database connection of the named processes (from this process's own
    connection), as an administrator or a failover would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = ANY(%s) AND pid <> pg_backend_pid()",
            [list(app_names)],
        )
        return cursor.fetchone()[0]


def busy_child(processes: Processes):
    """The pool process inside a database transaction (it is doing the work), found by
    its connection's client port; else any pool process."""
    from django.db import connection

    children = processes.worker_children()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_port FROM pg_stat_activity WHERE application_name = %s "
            "AND state IN ('active', 'idle in transaction') AND client_port IS NOT NULL",
            [WORKER_APP],
        )
        ports = {row[0] for row in cursor.fetchall()}
    for child in children:
        with contextlib.suppress(Exception):
            if any(c.laddr and c.laddr.port in ports for c in child.net_connections("tcp")):
                return child
    return children[0] if children else None


# --- Workloads, faults and results ------------------------------------------------------


@dataclass
class Workload:
    """Seeded work whose emails are known in advance. ``expected`` holds one
    (recipient, kind) per email that must go out exactly once; ``classify`` names the
    kind of a subject (None: not this workload's, ignored). ``trigger`` starts the work
    through public services and tasks by name; ``duplicate`` does the same with the
    tasks sent twice at once. ``check`` returns what is wrong in the database."""

    name: str
    expected: set[tuple[str, str]]
    classify: Callable[[str], str | None]
    trigger: Callable[[], None]
    duplicate: Callable[[], None]
    check: Callable[[], list[str]] = field(default=lambda: [])


@dataclass
class Context:
    processes: Processes
    broker: RedisServer
    workload: Workload


def _kill_worker_group(ctx: Context) -> None:
    ctx.processes.kill_worker_group()


def _kill_one_child(ctx: Context) -> None:
    child = busy_child(ctx.processes)
    if child is not None:
        ctx.processes.kill_child(child)


def _terminate_db_connections(ctx: Context) -> None:
    terminate_connections(WORKER_APP)


def _restart_broker(ctx: Context) -> None:
    ctx.broker.restart()


def _duplicate(ctx: Context) -> None:
    """No fault: the work was triggered with its tasks sent twice (see ``run``)."""


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable[[Context], None]
    # Emails that may go out twice: one per process that died in the middle of sending
    # (the message left, the record of it did not).
    allowed_doubles: Callable[[Settings], int]
    label: str


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault(
            "kill_worker_group",
            _kill_worker_group,
            lambda s: s.concurrency,
            "worker process group killed (-9), new worker started",
        ),
        Fault("kill_one_child", _kill_one_child, lambda s: 1, "one worker child killed"),
        Fault(
            "terminate_db_connections",
            _terminate_db_connections,
            lambda s: s.concurrency,
            "the worker's database connections terminated",
        ),
        Fault("restart_broker", _restart_broker, lambda s: 0, "broker restarted (no persistence)"),
        Fault("duplicate", _duplicate, lambda s: 0, "same task delivered twice at once"),
    )
}


@dataclass
class Result:
    workload: str
    fault: str
    expected: int
    delivered: int
    lost: int
    doubled: int
    unexpected: int
    seconds: float | None  # from the fault until every expected email was out
    worker_restarts: int
    beat_restarts: int
    allowed_doubles: int
    problems: list[str]
    fault_at: int  # expected emails out when the fault was injected
    log: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.doubled <= self.allowed_doubles
            and self.unexpected == 0
            and not self.problems
        )

    def summary(self) -> str:
        seconds = "never" if self.seconds is None else f"{self.seconds:.1f} s"
        return (
            f"{self.workload} / {self.fault}: expected {self.expected}, delivered "
            f"{self.delivered}, lost {self.lost}, doubled {self.doubled} (allowed "
            f"{self.allowed_doubles}), unexpected {self.unexpected}, complete after the "
            f"fault: {seconds}; fault at {self.fault_at} sent; worker restarts "
            f"{self.worker_restarts}, beat restarts {self.beat_restarts}"
            + (f"; database: {'; '.join(self.problems)}" if self.problems else "")
        )


def tally(workload: Workload, mailbox: Path) -> tuple[int, int, int]:
    """(delivered, doubled, unexpected) for the workload's kinds of email so far."""
    counts: dict[tuple[str, str], int] = {}
    for (recipient, subject), n in mailbox_read(mailbox).items():
        kind = workload.classify(subject)
        if kind is not None:
            counts[(recipient, kind)] = counts.get((recipient, kind), 0) + n
    delivered = sum(1 for key in workload.expected if counts.get(key))
    doubled = sum(max(counts.get(key, 0) - 1, 0) for key in workload.expected)
    unexpected = sum(n for key, n in counts.items() if key not in workload.expected)
    return delivered, doubled, unexpected


def run(
    seed: Callable[[], Workload],
    fault: str,
    *,
    broker: RedisServer,
    workdir: Path,
    settings: Settings | None = None,
    deadline: float = 120.0,
    settle: float | None = None,
) -> Result:
    """Seed a workload with ``seed`` (under ``seeding()``) while a fresh worker boots,
    trigger it, inject ``fault`` when about half its emails are out, and count what
    arrived once all of them did (or ``deadline`` seconds after the fault) and the
    broker has been quiet a while (at most ``settle`` seconds more: long enough for a
    redelivery to show)."""
    settings = settings or Settings()
    spec = FAULTS[fault]
    if settle is None:
        settle = settings.visibility_timeout + 2 * settings.sweep_seconds + 5
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    mailbox = workdir / f"mailbox-{fault}.txt"
    mailbox.unlink(missing_ok=True)
    broker.flush()
    processes = Processes(
        broker_url=broker.url, mailbox=mailbox, workdir=workdir, settings=settings
    )
    with publishing_to(broker.url):
        # Nothing reaches the broker while seeding (tasks run in this process), so the
        # worker may boot meanwhile; beat starts after, or its sweeps would deliver the
        # seeding's own notifications.
        processes.start()
        try:
            with seeding():
                workload = seed()
            if settings.beat:
                processes.start_beat()
            # The pool is up before the work starts, so a fault finds it at work.
            processes.wait_for_children()
            expected = len(workload.expected)
            (workload.duplicate if fault == "duplicate" else workload.trigger)()
            _wait(lambda: tally(workload, mailbox)[0] >= max(1, expected // 2), deadline)
            fault_at = tally(workload, mailbox)[0]
            injected = time.monotonic()
            spec.inject(Context(processes=processes, broker=broker, workload=workload))
            done = _wait(lambda: tally(workload, mailbox)[0] >= expected, deadline)
            seconds = None
            if done:  # what is still missing at the deadline counts as lost
                seconds = time.monotonic() - injected
                _settle(mailbox, broker, settle, quiet=settings.sweep_seconds + 1)
        finally:
            processes.stop()
    delivered, doubled, unexpected = tally(workload, mailbox)
    result = Result(
        workload=workload.name,
        fault=fault,
        expected=expected,
        delivered=delivered,
        lost=expected - delivered,
        doubled=doubled,
        unexpected=unexpected,
        seconds=seconds,
        worker_restarts=processes.worker_restarts,
        beat_restarts=processes.beat_restarts,
        allowed_doubles=spec.allowed_doubles(settings),
        problems=workload.check(),
        fault_at=fault_at,
    )
    if not result.ok:
        result.log = processes.log_tail()
    return result


def _wait(predicate: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(every)


def _settle(mailbox: Path, broker: RedisServer, limit: float, quiet: float) -> None:
    """Wait until the broker holds nothing and the mailbox has not grown for ``quiet``
    seconds, or ``limit`` seconds passed."""
    end = time.monotonic() + limit
    size, since = -1, time.monotonic()
    while time.monotonic() < end:
        now_size = mailbox.stat().st_size if mailbox.exists() else 0
        if now_size != size:
            size, since = now_size, time.monotonic()
        elif time.monotonic() - since >= quiet and broker.drained():
            return
        time.sleep(0.1)
