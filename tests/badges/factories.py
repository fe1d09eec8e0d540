"""Builders for badge tests: small real images and badge classes made through the
service (so the rule settings are cleaned as in the admin)."""

from __future__ import annotations

import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from badges import services
from badges.models import BadgeClass


def png_bytes(width: int = 4, height: int = 4, padding: int = 0) -> bytes:
    """A valid RGB PNG; ``padding`` adds an ancillary chunk to make it larger."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xd4\x8a\x1e" * width for _ in range(height))
    parts = [
        b"\x89PNG\r\n\x1a\n",
        chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
    ]
    if padding:
        parts.append(chunk(b"teXt", b"x" * padding))
    parts += [chunk(b"IDAT", zlib.compress(raw)), chunk(b"IEND", b"")]
    return b"".join(parts)


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    b'<circle cx="32" cy="32" r="30" fill="#d48a1e"/></svg>'
)


def png_upload(name: str = "badge.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


def badge_class(
    course, *, kind: str = "manual", config: dict | None = None, name: str = "", svg=False
) -> BadgeClass:
    image = (
        SimpleUploadedFile("badge.svg", SVG, content_type="image/svg+xml") if svg else png_upload()
    )
    return services.badge_class_create(
        course=course,
        name=name or f"Badge {BadgeClass.objects.count() + 1}",
        description="Shows steady work.",
        image=image,
        criteria_narrative="Complete the work the rule describes.",
        rule_kind=kind,
        rule_config=config or {},
    )
