"""Path converters for the project's URLs."""

from __future__ import annotations

# The largest id a database row has (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class IdConverter:
    """A database id: 1 to 2**63 - 1. A longer number in an address matches no route
    (a 404) instead of overflowing the database driver (a 500)."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value) -> str:
        return str(int(value))
