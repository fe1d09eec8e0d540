"""What every benchmark shares: the databases to run on, a fresh PostgreSQL database,
the environment of the child process that seeds and measures, and Django set up in it.

Each benchmark runs itself again as a child process per database, so settings (the
database above all) come from the environment, as in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def databases(only: str | None, scratch: str, postgres_name: str) -> dict[str, str]:
    """SQLite in ``scratch``, and PostgreSQL when one answers on 127.0.0.1
    (``BENCH_POSTGRES_URL`` overrides the address); ``only`` keeps one of them."""
    found = {"sqlite": f"sqlite:///{scratch}/bench.sqlite3"}
    url = os.environ.get(
        "BENCH_POSTGRES_URL", f"postgres://postgres@127.0.0.1:5432/{postgres_name}"
    )
    if subprocess.run(["pg_isready", "-h", "127.0.0.1"], capture_output=True).returncode == 0:
        found["postgresql"] = url
    return {k: v for k, v in found.items() if only in (None, k)}


def postgres_reset(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database."""
    database = url.rsplit("/", 1)[1]
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *pg, "--if-exists", database], check=True)
    subprocess.run(["createdb", *pg, database], check=True)


def child_env(url: str, scratch: str, **extra: str) -> dict[str, str]:
    """The child's environment: the database, quiet logs, emails queued in memory and
    never sent, and nothing written under var/."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "LMS_LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "memory://localhost/",
        "LMS_VAR_DIR": scratch,
        **extra,
    }


def run_child(script: str, *args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, script, *args], env=env, check=True, cwd=ROOT)


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    import django

    django.setup()


# One `celery worker` process running tasks itself (no pool): what the benchmarks that
# need a real worker on Redis start.
SOLO_WORKER = [
    sys.executable,
    "-m",
    "celery",
    "-A",
    "lms",
    "worker",
    "--pool=solo",
    "--loglevel=WARNING",
    "--without-gossip",
    "--without-mingle",
    "--without-heartbeat",
]
