"""Control characters in submitted text.

A NUL byte cannot be stored in a PostgreSQL text column, and the other C0 control
characters (tab, newline and carriage return aside) have no place in anything a person
types. Requests carrying them are refused once, at the edge (``lms.middleware`` for
forms and query strings, ``lms.parsers`` for API bodies), instead of in every form.
"""

from __future__ import annotations

import re

from django.utils.datastructures import MultiValueDict

CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def has_control_character(text: str) -> bool:
    return CONTROL_CHARACTER.search(text) is not None


def first_control_character_field(data) -> str | None:
    """The name (a dotted path for nested JSON) of the first field whose name or text
    holds a control character, else None. Walks without recursion."""
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if has_control_character(value):
                return path or "body"
            continue
        if isinstance(value, MultiValueDict):
            items = [(key, item) for key, values in value.lists() for item in values]
        elif isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        for key, item in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_control_character(key):
                return CONTROL_CHARACTER.sub("?", name)
            stack.append((CONTROL_CHARACTER.sub("?", name), item))
    return None
