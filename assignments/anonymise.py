"""Copies of handed-in files that say nothing about their author, for peer reviewers.

Office programs write the author's name (and often an email address) into the file
itself: Office Open XML in ``docProps/core.xml``, OpenDocument in ``meta.xml``, PDF in
its info dictionary and XMP stream, cameras and phones into EXIF. Reviews are
double-blind, so a reviewer gets a copy with that removed, never the uploaded bytes.

No maintained library cleans Office Open XML, OpenDocument and PDF alike, so each format
is handled here with what reads it safely: ``zipfile`` with ``defusedxml`` for the two
zip-based formats (every XML part is parsed with defusedxml before and after a change,
which refuses entity expansion and external entities), pikepdf for PDF and Pillow for
images. Parts are changed as text, never re-serialised by ElementTree: that would rename
namespace prefixes, which ``mc:Ignorable`` refers to by name, and Word would call the
file damaged.

A format that is not listed here cannot be cleaned and is never given to reviewers.
"""

from __future__ import annotations

import io
import re
import zipfile

from defusedxml import ElementTree as SafeET

OFFICE_OPEN_XML = frozenset({"docx", "xlsx", "pptx"})
OPEN_DOCUMENT = frozenset({"odt", "ods", "odp"})
PDF = frozenset({"pdf"})
IMAGES = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}
# Plain text has no place for metadata: served as it was handed in (once it is shown
# to really be text, see _plain_text).
PLAIN_TEXT = frozenset({"txt", "md"})

CLEANABLE = OFFICE_OPEN_XML | OPEN_DOCUMENT | PDF | frozenset(IMAGES) | PLAIN_TEXT

ANONYMOUS = "Anonymous"

# Uncompressed size the cleaner accepts from a zip-based document: a zip bomb is
# refused, not expanded.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_IMAGE_PIXELS = 60_000_000

_EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"/>'
)
_EMPTY_ODF_META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'office:version="%s"><office:meta/></office:document-meta>'
)

# The custom properties part, and the references to it.
_CUSTOM_RELATIONSHIP = re.compile(rb'<Relationship\b[^>]*Target="/?docProps/custom\.xml"[^>]*/>')
_CUSTOM_OVERRIDE = re.compile(rb'<Override\b[^>]*PartName="/docProps/custom\.xml"[^>]*/>')
# Who wrote a comment or a tracked change, in any prefix: w:author, w15:author, …
_AUTHOR_ATTRIBUTES = re.compile(rb'(\s(?:[\w.-]+:)?(?:author|displayName))="[^"]*"')
_INITIALS_ATTRIBUTES = re.compile(rb'(\s(?:[\w.-]+:)?initials)="[^"]*"')
_USER_ID_ATTRIBUTES = re.compile(rb'(\s(?:[\w.-]+:)?userId)="[^"]*"')
# Word's list of the people who commented: their account (often an email address).
_PRESENCE_INFO = re.compile(rb"<(?:[\w.-]+:)?presenceInfo\b[^>]*/>")
# Excel's comment authors are element text; PowerPoint's carry a name attribute.
_AUTHOR_ELEMENTS = re.compile(rb"(<(?:[\w.-]+:)?author\b[^>/]*>)[^<]*(</(?:[\w.-]+:)?author>)")
_NAME_ATTRIBUTES = re.compile(rb'(\sname)="[^"]*"')
# OpenDocument: comments and tracked changes name their creator.
_ODF_CREATOR = re.compile(rb"(<dc:creator>)[^<]*(</dc:creator>)")
_ODF_VERSION = re.compile(rb'office:version="([0-9.]+)"')


class CannotClean(Exception):
    """The file cannot be made anonymous (damaged, encrypted, or of a kind the cleaner
    does not know): it is not given to reviewers."""


def clean(data: bytes, extension: str) -> bytes:
    """The file's content without document metadata, still a valid file of its type.
    Raises CannotClean for anything it cannot vouch for."""
    extension = extension.lower()
    try:
        if extension in OFFICE_OPEN_XML:
            return _office_open_xml(data)
        if extension in OPEN_DOCUMENT:
            return _open_document(data)
        if extension in PDF:
            return _pdf(data)
        if extension in IMAGES:
            return _image(data, IMAGES[extension])
        if extension in PLAIN_TEXT:
            return _plain_text(data)
    except CannotClean:
        raise
    except Exception as exc:  # every parser has its own errors; all mean "cannot vouch"
        raise CannotClean(f"{extension}: {exc.__class__.__name__}: {exc}") from exc
    raise CannotClean(f"no cleaner for .{extension}")


# --- Zip-based documents ----------------------------------------------------------------


def _read_zip(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    entries = archive.infolist()
    if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise CannotClean("unpacks too large")
    if any(e.flag_bits & 0x1 for e in entries):
        raise CannotClean("encrypted")
    return archive, entries


def _write_zip(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """Write the parts back in their order and with their compression (OpenDocument
    needs its ``mimetype`` first and stored), with neutral timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info, content in parts:
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = info.compress_type
            entry.external_attr = 0o600 << 16
            archive.writestr(entry, content)
    return out.getvalue()


def _xml(content: bytes) -> bytes:
    SafeET.fromstring(content)  # well-formed, and no entity tricks
    return content


def _office_open_xml(data: bytes) -> bytes:
    archive, entries = _read_zip(data)
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names:
        raise CannotClean("not an Office Open XML package")
    parts = []
    for info in entries:
        name = info.filename
        lower = name.lower()
        content = archive.read(info)
        if lower == "docprops/custom.xml":
            continue  # custom properties: dropped with their references below
        if lower == "docprops/core.xml":
            content = _EMPTY_CORE
        elif lower == "docprops/app.xml":
            content = _EMPTY_APP
        elif lower == "_rels/.rels":
            content = _CUSTOM_RELATIONSHIP.sub(b"", _xml(content))
        elif lower == "[content_types].xml":
            content = _CUSTOM_OVERRIDE.sub(b"", _xml(content))
        elif lower.endswith((".xml", ".rels")):
            content = _office_part(lower, _xml(content))
        elif "/embeddings/" in lower:
            content = _embedded(lower, content)
        elif lower.rsplit(".", 1)[-1] in IMAGES:
            content = _image(content, IMAGES[lower.rsplit(".", 1)[-1]])
        if lower.endswith((".xml", ".rels")):
            _xml(content)  # still well-formed after the change
        parts.append((info, content))
    return _write_zip(parts)


def _office_part(name: str, content: bytes) -> bytes:
    """Comment and tracked-change authors in the document's own parts."""
    if name.startswith("word/"):
        content = _AUTHOR_ATTRIBUTES.sub(rb'\1="' + ANONYMOUS.encode() + b'"', content)
        content = _INITIALS_ATTRIBUTES.sub(rb'\1="A"', content)
        content = _USER_ID_ATTRIBUTES.sub(rb'\1=""', content)
        content = _PRESENCE_INFO.sub(b"", content)
    elif name.startswith("xl/"):
        content = _AUTHOR_ELEMENTS.sub(rb"\1" + ANONYMOUS.encode() + rb"\2", content)
        if name.startswith("xl/persons/") or name.startswith("xl/threadedcomments/"):
            content = _AUTHOR_ATTRIBUTES.sub(rb'\1="' + ANONYMOUS.encode() + b'"', content)
            content = _USER_ID_ATTRIBUTES.sub(rb'\1=""', content)
    elif name in ("ppt/commentauthors.xml", "ppt/authors.xml"):
        content = _NAME_ATTRIBUTES.sub(rb'\1="' + ANONYMOUS.encode() + b'"', content)
        content = _INITIALS_ATTRIBUTES.sub(rb'\1="A"', content)
        content = _USER_ID_ATTRIBUTES.sub(rb'\1=""', content)
    return content


def _embedded(name: str, content: bytes) -> bytes:
    """An object inside the document (a chart's workbook, an embedded document) carries
    metadata of its own: cleaned the same way, or the whole file is refused."""
    extension = name.rsplit(".", 1)[-1]
    if extension in OFFICE_OPEN_XML:
        return _office_open_xml(content)
    if extension in IMAGES:
        return _image(content, IMAGES[extension])
    raise CannotClean(f"{name}: embedded object of a kind that cannot be cleaned")


def _open_document(data: bytes) -> bytes:
    archive, entries = _read_zip(data)
    if not entries or entries[0].filename != "mimetype":
        raise CannotClean("not an OpenDocument package")
    parts = []
    for info in entries:
        name = info.filename
        content = archive.read(info)
        if name == "meta.xml":
            found = _ODF_VERSION.search(_xml(content))
            content = _EMPTY_ODF_META % (found.group(1) if found else b"1.2")
        elif name in ("content.xml", "styles.xml"):
            content = _ODF_CREATOR.sub(rb"\1" + ANONYMOUS.encode() + rb"\2", _xml(content))
        elif name.lower().rsplit(".", 1)[-1] in IMAGES:
            content = _image(content, IMAGES[name.lower().rsplit(".", 1)[-1]])
        elif name.startswith("Object ") and not name.endswith(".xml"):
            raise CannotClean(f"{name}: embedded object")
        if name.endswith(".xml"):
            _xml(content)
        parts.append((info, content))
    return _write_zip(parts)


# --- PDF --------------------------------------------------------------------------------


def _pdf(data: bytes) -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        for key in ("/Metadata", "/PieceInfo"):
            if key in pdf.Root:
                del pdf.Root[key]
        for page in pdf.pages:
            for key in ("/Metadata", "/PieceInfo"):
                if key in page.obj:
                    del page.obj[key]
            for annotation in page.obj.get("/Annots", []):
                # An annotation's /T is the name of whoever made it.
                if isinstance(annotation, pikepdf.Dictionary) and "/T" in annotation:
                    del annotation["/T"]
        out = io.BytesIO()
        # No new XMP, and objects no longer referenced (the old info and XMP) are gone.
        pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    return out.getvalue()


# --- Images and text --------------------------------------------------------------------


def _image(data: bytes, image_format: str) -> bytes:
    """Only the pixels, drawn upright: EXIF (camera, place, owner), XMP, ICC profiles and
    text chunks stay behind."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as source:
        if source.width * source.height > MAX_IMAGE_PIXELS:
            raise CannotClean("image too large")
        source.load()
        upright = ImageOps.exif_transpose(source) or source
        mode = upright.mode
        if mode == "P" or mode not in ("1", "L", "LA", "RGB", "RGBA", "CMYK", "I;16"):
            has_alpha = "transparency" in upright.info or mode in ("PA", "RGBA", "LA")
            upright = upright.convert("RGBA" if has_alpha else "RGB")
        if image_format == "JPEG" and upright.mode in ("RGBA", "LA", "1"):
            upright = upright.convert("RGB")
        pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    out = io.BytesIO()
    if image_format == "JPEG":
        pixels.save(out, "JPEG", quality=95)
    else:
        pixels.save(out, image_format)
    return out.getvalue()


def _plain_text(data: bytes) -> bytes:
    """Served as it is, once shown to be text: a document renamed .txt is refused, not
    passed through with its metadata."""
    if b"\x00" in data:
        raise CannotClean("not plain text")
    data.decode("utf-8")
    return data
