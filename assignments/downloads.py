"""How a submitted file leaves the server: as an attachment, under the name chosen by
the selector, typed from that name (not from what the uploader's browser claimed) on
pages and as plain bytes in the API, with no modification date and no caching by shared
proxies."""

from __future__ import annotations

import mimetypes

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

OCTET_STREAM = "application/octet-stream"


def file_response(file: FieldFile, filename: str, *, typed: bool = True) -> FileResponse:
    """``file`` is a version's ``file`` (its author, instructors) or ``reviewer_file``
    (the cleaned copy, for reviewers). ``typed=False``: always application/octet-stream,
    as the API documents its downloads; the client keeps the name from
    Content-Disposition."""
    guessed = mimetypes.guess_type(filename)[0] if typed else None
    content_type = guessed or OCTET_STREAM
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
