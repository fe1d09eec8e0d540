"""The Open Badges 2.0 documents at their public addresses, revocation and privacy,
and baked images."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from badges import openbadges, services
from badges.models import BadgeClass
from tests.badges.factories import badge_class, png_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The shapes the Open Badges 2.0 specification requires of each document.
REQUIRED = {
    "Issuer": {"@context", "type", "id", "name", "url", "email"},
    "BadgeClass": {"@context", "type", "id", "name", "description", "image", "criteria", "issuer"},
    "Assertion": {"@context", "type", "id", "recipient", "badge", "verification", "issuedOn"},
}


@pytest.fixture
def award(enrolment, instructor, base_url):
    badge = badge_class(enrolment.cohort.course, kind="manual", name="Helpful peer")
    return services.award_grant(
        badge_class=badge,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="Answered questions for others.",
    )


def _get(client, url, **kwargs):
    return client.get(url.replace("https://lms.example.org", ""), HTTP_HOST="localhost", **kwargs)


def test_issuer_badge_class_and_assertion_are_linked_json_ld_documents(client, award, base_url):
    assertion = _get(client, openbadges.assertion_url(award))
    assert assertion.status_code == 200
    assert assertion["Content-Type"].startswith("application/ld+json")
    assert assertion["Access-Control-Allow-Origin"] == "*"
    doc = assertion.json()
    assert REQUIRED["Assertion"] <= set(doc)
    assert doc["@context"] == "https://w3id.org/openbadges/v2"
    assert doc["id"] == f"{base_url}/badges/assertions/{award.uuid}.json"
    assert doc["verification"] == {"type": "hosted"}
    assert doc["narrative"] == "Answered questions for others."

    badge = _get(client, doc["badge"]).json()
    assert REQUIRED["BadgeClass"] <= set(badge)
    assert badge["id"] == f"{base_url}/badges/classes/{award.badge_class.uuid}.json"
    assert badge["criteria"]["narrative"]
    image = _get(client, badge["image"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"

    issuer = _get(client, badge["issuer"]).json()
    assert REQUIRED["Issuer"] <= set(issuer)
    assert issuer["id"] == f"{base_url}/badges/issuer.json"


def test_the_recipient_is_a_salted_sha256_of_their_email(client, award):
    recipient = _get(client, openbadges.assertion_url(award)).json()["recipient"]
    assert recipient["type"] == "email"
    assert recipient["hashed"] is True
    assert recipient["salt"]
    expected = hashlib.sha256((award.recipient.email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${expected}"
    assert award.recipient.email not in json.dumps(recipient)


def test_a_revoked_assertion_answers_410_gone_with_the_reason(client, award, instructor):
    services.award_revoke(award=award, by=instructor, reason="Given to the wrong student.")
    response = _get(client, openbadges.assertion_url(award))
    assert response.status_code == 410
    body = response.json()
    assert body["id"] == openbadges.assertion_url(award)
    assert body["revoked"] is True
    assert body["revocationReason"] == "Given to the wrong student."
    assert "recipient" not in body
    page = _get(client, f"/badges/awards/{award.uuid}/")
    assert page.status_code == 410
    assert b"Given to the wrong student." in page.content
    assert _get(client, f"/badges/assertions/{award.uuid}/image").status_code == 410


def test_a_private_award_is_not_found_for_strangers_in_html_and_json(client, award):
    services.award_set_public(award=award, by=award.recipient, public=False)
    for who in (None, UserFactory()):
        client.logout()
        if who:
            client.force_login(who)
        assertion = _get(client, openbadges.assertion_url(award))
        assert assertion.status_code == 404
        assert assertion.json()["code"] == "not_found"
        assert _get(client, f"/badges/awards/{award.uuid}/").status_code == 404
        assert _get(client, f"/badges/assertions/{award.uuid}/image").status_code == 404
    client.force_login(award.recipient)
    assert _get(client, f"/badges/awards/{award.uuid}/").status_code == 200


def test_unknown_ids_are_not_found(client, award):
    unknown = uuid.uuid4()
    for url in (
        f"/badges/assertions/{unknown}.json",
        f"/badges/classes/{unknown}.json",
    ):
        response = _get(client, url)
        assert response.status_code == 404
        assert response.json() == {"detail": "There is no badge with that id.", "code": "not_found"}
    assert _get(client, f"/badges/awards/{unknown}/").status_code == 404
    assert _get(client, "/badges/assertions/not-a-uuid.json").status_code == 404


def test_a_draft_badge_class_is_not_published(client, award):
    BadgeClass.objects.filter(pk=award.badge_class_id).update(live=False)
    assert _get(client, openbadges.badge_class_url(award.badge_class)).status_code == 404


def _itxt_chunks(png: bytes) -> list[bytes]:
    import struct

    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        if png[pos + 4 : pos + 8] == b"iTXt":
            chunks.append(png[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return chunks


def test_the_baked_png_carries_the_assertion_in_an_openbadges_itxt_chunk(client, award):
    client.force_login(award.recipient)
    response = _get(client, f"/badges/assertions/{award.uuid}/image")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="helpful-peer.png"'
    baked = response.content
    assert baked.startswith(b"\x89PNG\r\n\x1a\n") and baked.endswith(b"IEND\xaeB`\x82")
    [chunk] = _itxt_chunks(baked)
    assert chunk.startswith(b"openbadges\x00\x00\x00\x00\x00")
    assert json.loads(openbadges.unbake_png(baked))["id"] == openbadges.assertion_url(award)
    # Baking again replaces the chunk rather than adding a second one.
    assert len(_itxt_chunks(openbadges.bake_png(baked, {"id": "x"}))) == 1


def test_an_svg_badge_is_baked_with_an_openbadges_assertion_element(
    client, enrolment, instructor, base_url
):
    from defusedxml import ElementTree

    badge = badge_class(enrolment.cohort.course, kind="manual", svg=True)
    award = services.award_grant(
        badge_class=badge,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="n",
    )
    response = _get(client, f"/badges/assertions/{award.uuid}/image")
    assert response["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.content)
    [element] = root.findall("{http://openbadges.org}assertion")
    assert element.get("verify") == openbadges.assertion_url(award)
    assert json.loads(element.text)["id"] == openbadges.assertion_url(award)


def test_baking_keeps_the_png_readable(award):
    baked = openbadges.bake_png(png_bytes(8, 8), openbadges.assertion_document(award))
    assert openbadges.unbake_png(png_bytes()) is None
    assert json.loads(openbadges.unbake_png(baked))["type"] == "Assertion"


# --- SVG baking reads the image as XML --------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"


def _svg_award(enrolment, instructor, image: bytes):
    """An award of an SVG badge whose stored image is ``image``."""
    badge = badge_class(enrolment.cohort.course, kind="manual", svg=True)
    with open(badge.image.path, "wb") as f:
        f.write(image)
    return services.award_grant(
        badge_class=badge,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="Did the work.",
    )


def _baked_assertion(client, award):
    from defusedxml import ElementTree

    response = _get(client, f"/badges/assertions/{award.uuid}/image")
    assert response.status_code == 200, response.content
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{{{SVG_NS}}}svg"
    [element] = root.findall("{http://openbadges.org}assertion")
    assert root[0] is element  # the first child of the root
    assert json.loads(element.text)["id"] == openbadges.assertion_url(award)
    return root, response.content


def test_a_utf16_svg_badge_is_baked_and_served_as_utf8(client, enrolment, instructor, base_url):
    svg = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        f'<svg xmlns="{SVG_NS}" width="64" height="64"><title>Étoile ★</title>'
        '<circle cx="32" cy="32" r="30"/></svg>'
    ).encode("utf-16")
    assert services.badge_image_validate(image=_upload(svg)) == "svg"
    root, content = _baked_assertion(client, _svg_award(enrolment, instructor, svg))
    assert content.startswith(b"<?xml") and content.decode("utf-8")
    assert root.find(f"{{{SVG_NS}}}title").text == "Étoile ★"


def test_an_svg_in_a_comment_does_not_receive_the_assertion(
    client, enrolment, instructor, base_url
):
    svg = (
        f'<!-- drawn from <svg width="1"> by hand -->'
        f'<svg xmlns="{SVG_NS}" data-note="a &lt;svg&gt; inside" width="64" height="64">'
        '<circle cx="32" cy="32" r="30"/></svg>'
    ).encode()
    _root, content = _baked_assertion(client, _svg_award(enrolment, instructor, svg))
    assert b'<!-- drawn from <svg width="1"> by hand -->' in content


def test_a_self_closing_svg_root_gets_the_assertion_inside(client, enrolment, instructor, base_url):
    svg = f'<svg xmlns="{SVG_NS}" width="64" height="64"/>'.encode()
    _baked_assertion(client, _svg_award(enrolment, instructor, svg))


def test_an_assertion_holding_the_cdata_end_marker_still_bakes(award):
    svg = f'<svg xmlns="{SVG_NS}"><g/></svg>'.encode()
    document = {**openbadges.assertion_document(award), "note": "a ]]> b ]]>"}
    from defusedxml import ElementTree

    root = ElementTree.fromstring(openbadges.bake_svg(svg, document))
    assert json.loads(root[0].text)["note"] == "a ]]> b ]]>"


def test_a_stored_badge_image_that_is_no_svg_is_a_4xx_not_a_server_error(
    client, enrolment, instructor, base_url
):
    award = _svg_award(enrolment, instructor, b"\xff\xfe<not really")
    response = _get(client, f"/badges/assertions/{award.uuid}/image")
    assert response.status_code == 409
    assert "upload the image again" in response.content.decode()


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("badge.svg", content, content_type="image/svg+xml")
