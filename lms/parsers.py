"""The API's request parsers: DRF's, with the limits a public endpoint needs.

Bad input is the sender's mistake and gets a 400 with a message, never a server error:
JSON nested deeper than anything the API takes (Python's parser would otherwise run out
of stack), a body larger than Django accepts for a form, and control characters (a NUL
byte cannot be stored in PostgreSQL) in any string.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status
from rest_framework.utils import json

from lms.textcheck import first_control_character_field

# No request of this API nests deeper than a few levels; a hundred is generous and
# far below the interpreter's recursion limit.
MAX_JSON_DEPTH = 100


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _refuse_control_characters(data) -> None:
    field = first_control_character_field(data)
    if field is not None:
        raise exceptions.ParseError(
            _(
                "“%(field)s” contains a control character (such as a NUL byte), which "
                "cannot be stored; remove it and send again."
            )
            % {"field": field}
        )


def _depth_exceeds(data, limit: int) -> bool:
    """Whether lists and objects nest deeper than ``limit`` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that answers too-deep, too-large and control-character input
    with a 4xx and a message."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(limit)s bytes; send less.") % {"limit": limit}
            )
        try:
            text = raw.decode(encoding)
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            data = None
            too_deep = True
        except ValueError as exc:
            raise exceptions.ParseError(
                _("The request body is not valid JSON: %(problem)s") % {"problem": exc}
            ) from exc
        else:
            too_deep = _depth_exceeds(data, MAX_JSON_DEPTH)
        if too_deep:
            raise exceptions.ParseError(
                _("The JSON nests lists or objects more than %(limit)s levels deep.")
                % {"limit": MAX_JSON_DEPTH}
            )
        _refuse_control_characters(data)
        return data


class FormParser(parsers.FormParser):
    """Form bodies of PUT and PATCH (a POST is checked by the middleware, which sees
    Django's own parse of it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Multipart fields (not file contents) of PUT and PATCH; see FormParser."""

    def parse(self, stream, media_type=None, parser_context=None):
        data_and_files = super().parse(stream, media_type, parser_context)
        _refuse_control_characters(data_and_files.data)
        return data_and_files
