"""An email backend that counts: one line per message and recipient, appended to the
file named by LMS_TEST_MAILBOX, so a test or benchmark in another process reads how
often each person was told something, whatever happened to the worker that sent it.

Each line is written with one ``os.write`` on a file opened with O_APPEND: a line is
either in the file whole or not at all, even when the process is killed or two
processes write at once. LMS_TEST_MAIL_DELAY_MS (default 0) makes each message take
that long, as a mail server would, so a fault can land halfway through a delivery.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

MAILBOX_ENV = "LMS_TEST_MAILBOX"
DELAY_ENV = "LMS_TEST_MAIL_DELAY_MS"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class CountingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        path = os.environ.get(MAILBOX_ENV)
        if not path:
            raise RuntimeError(f"{MAILBOX_ENV} names no file for the counting mailbox.")
        delay = int(os.environ.get(DELAY_ENV, "0") or 0) / 1000
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        sent = 0
        try:
            for message in email_messages:
                if delay:
                    time.sleep(delay)
                subject = _one_line(message.subject)
                line = "".join(
                    f"{_one_line(to)}\t{subject}\n" for to in message.recipients()
                ).encode()
                if line:
                    os.write(fd, line)
                sent += 1
        finally:
            os.close(fd)
        return sent


def mailbox_read(path: Path | str) -> Counter[tuple[str, str]]:
    """How many times each (recipient, subject) was sent; a torn last line (none are
    expected: writes are atomic) is ignored."""
    counts: Counter[tuple[str, str]] = Counter()
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return counts
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n") or "\t" not in line:
            continue
        recipient, subject = line.rstrip("\n").split("\t", 1)
        counts[(recipient, subject)] += 1
    return counts
