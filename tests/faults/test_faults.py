"""Nothing lost, nothing doubled, under real faults.

Each test seeds one workload whose emails are known in advance, triggers it on a real
``celery worker`` (prefork, two processes) with beat beside it, on a Redis broker of
its own, and injects one fault when about half the emails are out. Then every expected
email must arrive (within LMS_FAULTS_DEADLINE seconds, default 120), each at most
once more than the processes the fault killed in the middle of a send, and nothing
else of the kind may arrive. The database holds each fact once (awards, reviews).

``pytest -m faults`` runs them alone (about six minutes on two cores).
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.faults import harness
from tests.faults.workloads import WORKLOADS

pytestmark = [
    pytest.mark.faults,
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

# Small enough for the matrix to run in minutes, large enough for a fault to land in
# the middle of the work (each email takes 10 ms in the counting mailbox).
SIZES = {"fan_out": 200, "reviews": 40, "badges": 100, "payments": 20}


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (apt-get install redis-server)")
    server = harness.RedisServer(tmp_path_factory.mktemp("broker")).start()
    yield server
    server.stop()


@pytest.mark.parametrize("workload", list(SIZES))
@pytest.mark.parametrize("fault", list(harness.FAULTS))
def test_every_email_goes_out_once_whatever_the_fault(fault, workload, broker, tmp_path):
    result = harness.run(
        lambda: WORKLOADS[workload](SIZES[workload]),
        fault,
        broker=broker,
        workdir=tmp_path / "run",
        deadline=float(os.environ.get("LMS_FAULTS_DEADLINE", "120")),
    )
    print(result.summary())
    report = f"{result.summary()}\n--- worker log (tail) ---\n{result.log}"
    assert result.lost == 0, report
    assert result.doubled <= result.allowed_doubles, report
    assert result.unexpected == 0, report
    assert result.problems == [], report
