"""kombu's Redis transport, with a worker that survives losing the broker mid-task.

Celery 5.7 with kombu 5.7 stops the whole worker ("Unrecoverable error: AttributeError:
'NoneType' object has no attribute 'hostname'") when the Redis connection drops while a
task is running and the worker is waiting for the next message (a free pool slot), as it
is after every broker restart. Closing the broken connection first tries to close the
channel, which reads the pending BRPOP reply; that read fails on the dead socket, and
kombu stops closing there: the channel stays open, holding the running task's message
as unacknowledged. The connection is then detached from its transport, and Celery
closes it once more; the channel tries again to hand its unacknowledged message back,
builds a new Redis pool from the detached connection's address (None), and the
AttributeError it raises is not a connection error, so nothing catches it.

Selected by CELERY_BROKER_TRANSPORT in lms/settings.py for redis:// and rediss:// URLs.
"""

from __future__ import annotations

from queue import Empty
from typing import Any

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    def close(self) -> None:
        if self._in_poll:
            try:
                self._brpop_read()
            except (Empty, *self.connection_errors):
                # A lost broker is no reason to stop closing: the rest of close()
                # releases the pools and hands back the unacknowledged messages, or
                # fails trying, which the callers expect of a broker that is gone.
                pass
        super().close()

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            # The connection was released already: a connection error, which every
            # clean-up path ignores, rather than an AttributeError, which stops the worker.
            raise RedisConnectionError("The broker connection is closed.")
        return super()._connparams(asynchronous=asynchronous)


class Transport(redis.Transport):
    Channel = Channel
