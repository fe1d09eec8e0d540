"""Run callables at the same moment on separate database connections (PostgreSQL
race tests)."""

import threading

from django.db import connection

from lms.errors import DomainError


def race(functions):
    """Run the callables at the same moment, each on its own database connection."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except (DomainError, Exception) as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
