"""The Celery app, and the one kind of task every app defines.

Every task retries with exponential backoff when the database, the broker or the
network fails under it (a terminated connection, a broker restart, an SMTP server that
hangs up) instead of failing and losing its work. Each task is idempotent, so running
again is always safe. Work that matters does not depend on a message surviving either:
the sweeps in the beat schedule find it in the database (settings: LMS_SWEEP_SECONDS).
"""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    _REDIS_ERRORS: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # the embedded broker needs no Redis client
    _REDIS_ERRORS = ()

# Failures that pass: a database connection dropped or refused (OperationalError,
# InterfaceError on a closed one), the broker away (kombu's OperationalError, redis'
# connection errors), sockets and SMTP (OSError). Not IntegrityError or other bugs: a
# retry would fail the same way.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    OperationalError,
    InterfaceError,
    BrokerError,
    *_REDIS_ERRORS,
)


class LmsTask(DjangoTask):
    autoretry_for = TRANSIENT_ERRORS
    # 2, 4, 8 … seconds (full jitter), at most 5 minutes apart; 20 tries cover an outage
    # of about an hour. The broker's visibility timeout is longer than the longest wait.
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 20

    def delay_on_commit(self, *args, **kwargs) -> None:
        """Queue the task once the transaction commits. Robust: if the broker is down at
        that moment the error is logged, never raised into the request or task that
        committed (its data is saved; the sweeps pick up what the message would
        have started)."""
        self.apply_async_on_commit(args, kwargs)

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        def send() -> None:
            self.apply_async(args, kwargs, **options)

        # Django names a robust callback that failed by its __qualname__.
        send.__qualname__ = f"{self.name}.apply_async"
        send.task_name = self.name  # type: ignore[attr-defined]
        transaction.on_commit(send, robust=True)


app = Celery("lms", task_cls=LmsTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
