"""Open Badges 2.0 documents (hosted verification) and baked badge images.

Every id is an absolute URL under LMS_BASE_URL (lms.links.absolute_url), so a
document says the same thing whichever host name it was fetched by.
Spec: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
"""

from __future__ import annotations

import json
import struct
import zlib

from django.conf import settings
from django.urls import reverse

from badges.models import Award, BadgeClass
from lms.links import absolute_url

CONTEXT = "https://w3id.org/openbadges/v2"
ITXT_KEYWORD = b"openbadges"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _absolute(path: str) -> str:
    # Never from the request: an id must be the same whichever address the document
    # was fetched through (verifiers compare them).
    return absolute_url(path)


def issuer_url() -> str:
    return _absolute(reverse("badges:issuer"))


def badge_class_url(badge: BadgeClass) -> str:
    return _absolute(reverse("badges:badge_class_json", kwargs={"badge_uuid": badge.uuid}))


def badge_image_url(badge: BadgeClass) -> str:
    return _absolute(reverse("badges:badge_class_image", kwargs={"badge_uuid": badge.uuid}))


def assertion_url(award: Award) -> str:
    return _absolute(reverse("badges:assertion_json", kwargs={"award_uuid": award.uuid}))


def award_page_url(award: Award) -> str:
    return _absolute(reverse("badges:award", kwargs={"award_uuid": award.uuid}))


def baked_image_url(award: Award) -> str:
    return _absolute(reverse("badges:award_image", kwargs={"award_uuid": award.uuid}))


def issuer_document() -> dict:
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(),
        "name": settings.LMS_BADGE_ISSUER_NAME or settings.WAGTAIL_SITE_NAME,
        "url": absolute_url("/"),
        "email": settings.LMS_BADGE_ISSUER_EMAIL,
    }


def badge_class_document(badge: BadgeClass) -> dict:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(badge),
        "name": badge.name,
        "description": badge.description,
        "image": badge_image_url(badge),
        "criteria": {"narrative": badge.criteria_narrative},
        "issuer": issuer_url(),
    }


def assertion_document(award: Award) -> dict:
    """The hosted assertion of a live award."""
    document = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(award),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": f"sha256${award.identity_hash}",
        },
        "badge": badge_class_url(award.badge_class),
        "issuedOn": award.awarded_at.isoformat(),
        "verification": {"type": "hosted"},
    }
    if award.note:
        document["narrative"] = award.note
    return document


def revoked_document(award: Award) -> dict:
    """What a revoked assertion answers, with HTTP 410 Gone (spec, "Revocation")."""
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(award),
        "revoked": True,
        "revocationReason": award.revocation_reason,
    }


# --- Baking -------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bake_png(image: bytes, assertion: dict) -> bytes:
    """The PNG with the assertion in an uncompressed iTXt chunk, keyword "openbadges"
    (Open Badges Baking 2.0), placed just before IEND. A chunk from an earlier bake is
    replaced, never duplicated."""
    if not image.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    text = json.dumps(assertion, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    # keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty
    # translated keyword NUL, text.
    itxt = _chunk(b"iTXt", ITXT_KEYWORD + b"\x00\x00\x00\x00\x00" + text)
    out = [PNG_SIGNATURE]
    pos = len(PNG_SIGNATURE)
    while pos < len(image):
        (length,) = struct.unpack(">I", image[pos : pos + 4])
        kind = image[pos + 4 : pos + 8]
        end = pos + 12 + length
        chunk = image[pos:end]
        data = image[pos + 8 : pos + 8 + length]
        if kind == b"IEND":
            out.append(itxt)
            out.append(chunk)
            break
        if not (kind in (b"iTXt", b"tEXt") and data.startswith(ITXT_KEYWORD + b"\x00")):
            out.append(chunk)
        pos = end
    return b"".join(out)


def unbake_png(image: bytes) -> str | None:
    """The assertion text baked into a PNG, if any."""
    pos = len(PNG_SIGNATURE)
    while pos < len(image):
        (length,) = struct.unpack(">I", image[pos : pos + 4])
        kind = image[pos + 4 : pos + 8]
        data = image[pos + 8 : pos + 8 + length]
        if kind == b"iTXt" and data.startswith(ITXT_KEYWORD + b"\x00"):
            rest = data[len(ITXT_KEYWORD) + 1 :]
            compressed = rest[0]
            _lang, _translated, text = rest[2:].split(b"\x00", 2)
            return (zlib.decompress(text) if compressed else text).decode("utf-8")
        pos += 12 + length
    return None


OPENBADGES_NAMESPACE = "http://openbadges.org"


def bake_svg(image: bytes, assertion: dict) -> bytes:
    """The SVG with an <openbadges:assertion> element as the first child of its root
    <svg> element, its ``verify`` attribute the hosted assertion URL (Baking 2.0, SVG).

    The image is parsed as XML (defusedxml: no entity expansion), so an ``<svg`` inside
    a comment or an attribute is not mistaken for the root, and any encoding XML allows
    (UTF-16 with its byte-order mark, a declared ISO-8859-1) is read; the result is
    UTF-8. Raises ValueError for anything that is not an SVG document.
    """
    from xml.parsers.expat import ExpatError

    from defusedxml import minidom
    from defusedxml.common import DefusedXmlException

    try:
        document = minidom.parseString(image)
    except (ExpatError, DefusedXmlException, ValueError) as exc:
        raise ValueError("not an SVG") from exc
    root = document.documentElement
    if root is None or root.localName != "svg":
        raise ValueError("not an SVG")
    for old in [
        node
        for node in root.childNodes
        if node.nodeType == node.ELEMENT_NODE and node.tagName == "openbadges:assertion"
    ]:
        root.removeChild(old)  # baked before: one assertion only
    root.setAttribute("xmlns:openbadges", OPENBADGES_NAMESPACE)
    element = document.createElement("openbadges:assertion")
    element.setAttribute("verify", assertion["id"])
    payload = json.dumps(assertion, separators=(",", ":"), ensure_ascii=False)
    for piece in _cdata_pieces(payload):
        element.appendChild(document.createCDATASection(piece))
    root.insertBefore(element, root.firstChild)
    return document.toxml(encoding="utf-8")


def _cdata_pieces(text: str) -> list[str]:
    """``text`` cut so that no piece holds "]]>", which would end a CDATA section."""
    parts = text.split("]]>")
    pieces = [parts[0]]
    for part in parts[1:]:
        pieces[-1] += "]]"
        pieces.append(">" + part)
    return pieces


def baked_image(award: Award) -> tuple[bytes, str, str]:
    """(content, content type, file extension) of the award's baked image."""
    badge = award.badge_class
    with badge.image.open("rb") as f:
        raw = f.read()
    document = assertion_document(award)
    if badge.image_is_svg:
        return bake_svg(raw, document), "image/svg+xml", "svg"
    return bake_png(raw, document), "image/png", "png"
