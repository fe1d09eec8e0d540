"""Run callables at the same moment on separate database connections (PostgreSQL
race tests)."""

import threading

from django.db import connection

from lms.errors import DomainError


def race(functions):
    """Run the callables at the same moment, each on its own database connection, and
    return what each returned, in order.

    A DomainError is the answer a service gives the loser of a race (a seat taken, a
    review submitted already): it is returned in place of that callable's result, for
    the test to check. Any other exception is a bug, not an outcome: it fails the test
    with its traceback (several at once as an ExceptionGroup)."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    errors: list[BaseException | None] = [None] * len(functions)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except DomainError as exc:
            results[i] = exc
        except BaseException as exc:  # handed to the test's thread below
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    unexpected = [exc for exc in errors if exc is not None]
    if len(unexpected) == 1:
        raise unexpected[0]
    if unexpected:
        raise BaseExceptionGroup(
            f"{len(unexpected)} of {len(functions)} racing calls raised", unexpected
        )
    return results
