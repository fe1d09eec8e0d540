"""How a submitted file leaves the server: as an attachment, under the name chosen by
the selector, typed from that name (not from what the uploader's browser claimed), with
no modification date and no caching by shared proxies."""

from __future__ import annotations

import mimetypes

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def file_response(file: FieldFile, filename: str) -> FileResponse:
    """``file`` is a version's ``file`` (its author, instructors) or ``reviewer_file``
    (the cleaned copy, for reviewers)."""
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
