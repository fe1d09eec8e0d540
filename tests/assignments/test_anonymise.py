"""The copy of a handed-in file that reviewers get: the author's name and email are
gone from every place office programs, PDF writers and cameras put them, and the copy is
still a file of its type, opened by the same library that reads such files."""

from __future__ import annotations

import io
import zipfile

import pytest
from defusedxml import ElementTree as SafeET

from assignments import anonymise
from tests.assignments.files import (
    AUTHOR,
    EMAIL,
    docx_with_author,
    jpeg_with_exif,
    odt_with_author,
    pdf_with_author,
    png_with_text,
)


def _no_trace(data: bytes) -> None:
    for trace in (AUTHOR, EMAIL, "Quixote", "ZQ"):
        assert trace.encode() not in data, trace


def _zip_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_docx_loses_its_properties_custom_properties_and_comment_authors():
    original = docx_with_author()
    assert AUTHOR.encode() in b"".join(_zip_parts(original).values())

    cleaned = anonymise.clean(original, "docx")

    parts = _zip_parts(cleaned)
    for content in parts.values():
        _no_trace(content)
    assert "docProps/custom.xml" not in parts
    assert b"custom.xml" not in parts["_rels/.rels"]
    assert b"custom.xml" not in parts["[Content_Types].xml"]
    for name, content in parts.items():
        if name.endswith((".xml", ".rels")):
            SafeET.fromstring(content)  # every part still well-formed
    core = SafeET.fromstring(parts["docProps/core.xml"])
    assert core.tag.endswith("coreProperties") and len(core) == 0
    # The text, the comment and the tracked change are kept; only who made them goes.
    assert b"Windmills are giants." in parts["word/document.xml"]
    assert b'w:author="Anonymous"' in parts["word/comments.xml"]
    assert b'mc:Ignorable="w14"' in parts["word/document.xml"]


def test_an_odt_loses_its_meta_and_annotation_creators():
    cleaned = anonymise.clean(odt_with_author(), "odt")
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    parts = _zip_parts(cleaned)
    for content in parts.values():
        _no_trace(content)
    meta = SafeET.fromstring(parts["meta.xml"])
    assert len(meta[0]) == 0
    assert b"Windmills." in parts["content.xml"]


def test_a_pdf_loses_its_info_dictionary_and_xmp_and_still_opens():
    import pikepdf

    original = pdf_with_author()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        assert str(pdf.docinfo["/Author"]) == AUTHOR and "/Metadata" in pdf.Root

    cleaned = anonymise.clean(original, "pdf")

    _no_trace(cleaned)
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert "/Author" not in pdf.docinfo
        assert "/Metadata" not in pdf.Root
        assert len(pdf.pages) == 1


def test_a_jpeg_loses_its_exif_and_comment_and_keeps_its_pixels():
    from PIL import Image

    original = jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif()[0x013B] == AUTHOR

    cleaned = anonymise.clean(original, "jpg")

    _no_trace(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG" and image.size == (32, 16)
        assert not image.getexif()
        assert "icc_profile" not in image.info and "comment" not in image.info


def test_a_png_loses_its_text_chunks():
    from PIL import Image

    cleaned = anonymise.clean(png_with_text(), "png")
    _no_trace(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "PNG" and image.size == (8, 8)
        assert not image.text


def test_plain_text_is_kept_as_it_is():
    assert anonymise.clean("Über Windmühlen.\n".encode(), "md") == "Über Windmühlen.\n".encode()


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (docx_with_author(), "txt"),  # a document renamed to look like text
        (b"%PDF-1.4 not really a pdf", "pdf"),
        (b"not a zip", "docx"),
        (pdf_with_author(), "jpg"),
        (docx_with_author(), "odt"),
        (b"PK\x03\x04", "zip"),
        (b"{\\rtf1 Zelda}", "rtf"),
        (b"anything", "exe"),
    ],
)
def test_what_cannot_be_cleaned_is_refused_not_passed_through(data, extension):
    with pytest.raises(anonymise.CannotClean):
        anonymise.clean(data, extension)


def test_a_document_with_an_entity_expansion_is_refused():
    parts = {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;">]><d>&b;</d>'
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    with pytest.raises(anonymise.CannotClean):
        anonymise.clean(out.getvalue(), "docx")


def _package(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_workbook_and_slide_comment_authors_are_anonymised():
    types = '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    xlsx = _package(
        {
            "[Content_Types].xml": types,
            "xl/comments1.xml": '<comments xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><authors><author>{AUTHOR}</author></authors>'
            "<commentList/></comments>",
            "xl/persons/person.xml": '<personList xmlns="http://schemas.microsoft.com/office/'
            f'spreadsheetml/2018/threadedcomments"><person displayName="{AUTHOR}" '
            f'id="{{1}}" userId="{EMAIL}" providerId="AD"/></personList>',
        }
    )
    pptx = _package(
        {
            "[Content_Types].xml": types,
            "ppt/commentAuthors.xml": '<p:cmAuthorLst xmlns:p="http://schemas.openxmlformats.'
            f'org/presentationml/2006/main"><p:cmAuthor id="0" name="{AUTHOR}" '
            'initials="ZQ" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>',
        }
    )
    for data, extension in ((xlsx, "xlsx"), (pptx, "pptx")):
        for content in _zip_parts(anonymise.clean(data, extension)).values():
            _no_trace(content)
            SafeET.fromstring(content)


def test_an_embedded_object_that_cannot_be_cleaned_refuses_the_document():
    parts = {name: content for name, content in _zip_parts(docx_with_author()).items()}
    parts["word/embeddings/oleObject1.bin"] = b"\xd0\xcf\x11\xe0 Zelda Quixote"
    with pytest.raises(anonymise.CannotClean):
        anonymise.clean(_package(parts), "docx")
