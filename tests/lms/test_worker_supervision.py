"""The worker comes back: it survives its broker restarting (Redis without persistence)
while a task runs, and supervisord (deploy/) restarts it after it was killed.

Each test runs its own redis-server on a free port, so that restarting or killing
things touches nothing else, and starts the worker with the command of the shipped
deploy/supervisor/worker.conf.
"""

import configparser
import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection, transaction

from lms.celery import app
from lms.models import SentEmail
from tests.factories import UserFactory
from tests.worker_support import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WORKER_CONF = ROOT / "deploy" / "supervisor" / "worker.conf"
VENV_BIN = Path(sys.executable).parent
# Broker restarts in a row: without lms/broker.py the worker exited at about every
# second restart with a task running (at the first, in this test), so four all but
# always catch it.
BROKER_RESTARTS = 4


class RedisServer:
    """A redis-server of the test's own, without persistence, like the one measured."""

    def __init__(self, directory: Path):
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1"),
                *("--port", str(self.port), "--save", "", "--appendonly", "no"),
            ],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        assert wait_until(lambda: self._answers(client), timeout=20), "redis-server did not start"

    def stop(self) -> None:
        """Shut down without saving: every queued message is gone, as after a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    app.conf.task_always_eager = False  # send_task goes to the broker either way
    try:
        yield server
    finally:
        server.stop()


def process_env(broker: RedisServer, tmp_path: Path) -> dict[str, str]:
    """The production-like environment the worker gets: the test database, the test's
    broker, emails into files, the virtualenv's bin/ first on PATH."""
    db = connection.settings_dict
    return {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker.url,
        "WORKER_CONCURRENCY": "2",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "LMS_VAR_DIR": str(tmp_path / "var"),
    }


def send_account_email(broker: RedisServer, *, user, key: str) -> None:
    with app.connection_for_write(broker.url) as conn:
        app.send_task(
            "lms.tasks.send_account_email",
            kwargs={"kind": "activate", "user_id": user.pk, "key": key},
            connection=conn,
        )


def sent(key: str) -> bool:
    return SentEmail.objects.filter(key=key).exists()


def waiting_on_a_lock() -> bool:
    """A worker's statement waits for a row lock the test holds."""
    with connection.cursor() as cursor:
        # Inside a transaction pg_stat_activity is read once, then kept: read it anew.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_worker_survives_broker_restarts_while_a_task_runs(broker, tmp_path):
    user = UserFactory()
    log_path = tmp_path / "worker.log"
    command = configparser.RawConfigParser()
    command.read(WORKER_CONF)
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            shlex.split(command["program:worker"]["command"]),
            cwd=ROOT,
            env=process_env(broker, tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def log_has(text: str, count: int = 1) -> bool:
            return worker.poll() is not None or log_path.read_text().count(text) >= count

        def restart_broker_while_a_task_runs(restart: int) -> None:
            # The task runs and waits on the unique key the test holds, its message
            # unacknowledged, while the worker waits for a second one: the state of a
            # worker in a broker restart.
            with transaction.atomic():
                SentEmail.objects.create(key=f"held-{restart}", recipient=user.email)
                send_account_email(broker, user=user, key=f"held-{restart}")
                assert wait_until(lambda: waiting_on_a_lock() or worker.poll() is not None)
                broker.stop()
                assert wait_until(lambda: log_has("Connection to broker lost", restart))
                broker.start()
                transaction.set_rollback(True)  # the task goes on
            send_account_email(broker, user=user, key=f"after-{restart}")
            assert wait_until(
                lambda: (
                    (sent(f"held-{restart}") and sent(f"after-{restart}"))
                    or worker.poll() is not None
                )
            )

        send_account_email(broker, user=user, key="before")
        assert wait_until(lambda: sent("before") or worker.poll() is not None)
        for restart in range(1, BROKER_RESTARTS + 1):
            restart_broker_while_a_task_runs(restart)
            assert worker.poll() is None, (
                f"the worker exited ({worker.returncode}) at broker restart {restart}:\n"
                + log_path.read_text()[-3000:]
            )
            assert sent(f"held-{restart}"), "the task running in the restart did not finish"
            assert sent(f"after-{restart}"), "a task sent after the restart did not run"
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)


def test_supervisord_restarts_a_killed_worker(broker, tmp_path):
    """The shipped [program:worker] section, included by a test-only supervisord.conf
    that keeps its socket, pid and log in the test's directory."""
    conf = tmp_path / "supervisord.conf"
    socket_path = tmp_path / "supervisor.sock"
    conf.write_text(
        f"""[supervisord]
nodaemon=true
logfile={tmp_path / "supervisord.log"}
pidfile={tmp_path / "supervisord.pid"}

[unix_http_server]
file={socket_path}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{socket_path}

[include]
files = {WORKER_CONF}
"""
    )
    env = process_env(broker, tmp_path)
    output = tmp_path / "supervisord.out"
    with output.open("w") as out:
        supervisord = subprocess.Popen(
            [VENV_BIN / "supervisord", "-c", conf],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def status() -> str:
        done = subprocess.run(
            [VENV_BIN / "supervisorctl", "-c", conf, "status", "worker"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        return done.stdout

    def running_pid() -> int | None:
        words = status().split()  # worker RUNNING pid 1234, uptime 0:00:11
        if words[1:3] == ["RUNNING", "pid"]:
            return int(words[3].rstrip(","))
        return None

    user = UserFactory()
    pids = []
    try:
        assert wait_until(lambda: running_pid() is not None), output.read_text()[-3000:]
        pids.append(running_pid())
        send_account_email(broker, user=user, key="first")
        assert wait_until(lambda: sent("first")), output.read_text()[-3000:]

        os.killpg(pids[0], signal.SIGKILL)  # the worker and its pool processes
        assert wait_until(lambda: running_pid() not in (None, pids[0])), status()
        pids.append(running_pid())
        key = f"after-kill-{uuid.uuid4()}"
        send_account_email(broker, user=user, key=key)
        assert wait_until(lambda: sent(key)), output.read_text()[-3000:]
    finally:
        supervisord.terminate()  # stops the worker with a warm shutdown first
        try:
            supervisord.wait(timeout=60)
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
