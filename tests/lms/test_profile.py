"""A member's personal details: written by profile_update only, each field checked
before anything is written, every change recorded with who made it (field names, not
old values), and read and changed through GET/PATCH /api/v1/me/profile/."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from lms.errors import NotAllowed, ValidationFailed
from lms.models import ProfileChange, User
from lms.services import profile_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def png(size=(8, 8), fmt="PNG", name="me.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def member(db):
    return UserFactory(username="mira")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_details_are_saved_stripped_and_the_vat_number_normalised(member):
    profile_update(
        user=member,
        by=member,
        street_address=" Keizersgracht 1 ",
        postal_code="1015 CJ",
        city="Amsterdam",
        country="nl",
        organisation="Lens & Light",
        vat_number="nl 1234.5678-9B01",
    )
    member.refresh_from_db()
    assert member.street_address == "Keizersgracht 1"
    assert member.country == "NL"
    assert member.vat_number == "NL123456789B01"


@pytest.mark.parametrize("vat", ["123456789B01", "US123456789", "NL1", "NL12345678901234567"])
def test_a_vat_number_not_in_eu_form_is_refused_with_the_expected_shape(member, vat):
    with pytest.raises(ValidationFailed) as refused:
        profile_update(user=member, by=member, vat_number=vat, city="Utrecht")
    assert refused.value.field == "vat_number"
    assert "NL123456789B01" in refused.value.message
    member.refresh_from_db()
    assert member.city == "" and not ProfileChange.objects.exists()  # nothing written


def test_a_bio_over_500_characters_is_refused(member):
    with pytest.raises(ValidationFailed) as refused:
        profile_update(user=member, by=member, bio="x" * 501)
    assert refused.value.field == "bio" and "500" in refused.value.message
    profile_update(user=member, by=member, bio="x" * 500)
    member.refresh_from_db()
    assert len(member.bio) == 500


def test_an_unknown_country_and_unknown_fields_are_refused(member):
    with pytest.raises(ValidationFailed) as refused:
        profile_update(user=member, by=member, country="XX")
    assert refused.value.field == "country"
    with pytest.raises(ValidationFailed) as refused:
        profile_update(user=member, by=member, is_staff=True)
    assert refused.value.field == "is_staff"
    assert not User.objects.get(pk=member.pk).is_staff


def test_a_photo_must_be_a_jpeg_png_or_webp_image(member):
    with pytest.raises(ValidationFailed) as refused:
        profile_update(user=member, by=member, photo=SimpleUploadedFile("me.png", b"not a png"))
    assert refused.value.field == "photo" and refused.value.code == "photo_type"
    with pytest.raises(ValidationFailed) as refused:
        profile_update(user=member, by=member, photo=png(fmt="GIF", name="me.gif"))
    assert refused.value.code == "photo_type"
    profile_update(user=member, by=member, photo=png())
    member.refresh_from_db()
    assert member.photo.name.startswith("profile-photos/") and member.photo.name.endswith(".png")
    assert "mira" not in member.photo.name


def test_a_photo_over_the_size_limit_is_refused(member, settings):
    settings.LMS_PROFILE_PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as refused:
        profile_update(user=member, by=member, photo=png(size=(200, 200)))
    assert refused.value.code == "photo_too_large"


def test_a_replaced_photo_file_is_deleted_once_saved(member, django_capture_on_commit_callbacks):
    profile_update(user=member, by=member, photo=png())
    first = User.objects.get(pk=member.pk).photo
    storage, old_name = first.storage, first.name
    with django_capture_on_commit_callbacks(execute=True):
        profile_update(user=member, by=member, photo=None)
    assert not User.objects.get(pk=member.pk).photo
    assert not storage.exists(old_name)


def test_each_change_is_recorded_with_who_and_which_fields_not_the_values(member):
    profile_update(user=member, by=member, city="Utrecht", phone="+31 6 1234 5678")
    staff = UserFactory(is_superuser=True)  # may change users in the admin
    profile_update(user=member, by=staff, city="Utrecht", organisation="Lens & Light")
    profile_update(user=member, by=member, city="Utrecht")  # nothing changes: no record
    changes = list(ProfileChange.objects.filter(user=member).order_by("pk"))
    assert [(c.changed_by, sorted(c.fields)) for c in changes] == [
        (member, ["city", "phone"]),
        (staff, ["organisation"]),
    ]
    assert "Utrecht" not in str([c.fields for c in changes])


def test_another_member_may_not_change_your_details(member):
    with pytest.raises(NotAllowed):
        profile_update(user=member, by=UserFactory(), city="Elsewhere")
    assert User.objects.get(pk=member.pk).city == ""


# --- API ------------------------------------------------------------------------------


def test_the_api_reads_and_changes_only_your_own_details(member):
    other = UserFactory(city="Gouda")
    client = APIClient()
    client.force_authenticate(member)
    answer = client.patch(
        "/api/v1/me/profile/",
        {"city": "Delft", "organisation": "Lens & Light", "vat_number": "NL123456789B01"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["city"] == "Delft" and answer.json()["has_photo"] is False
    assert client.get("/api/v1/me/profile/").json()["organisation"] == "Lens & Light"
    assert User.objects.get(pk=other.pk).city == "Gouda"
    assert ProfileChange.objects.get(user=member).changed_by == member


def test_the_api_answers_400_with_the_field_for_a_bad_vat_number_or_long_bio(member):
    client = APIClient()
    client.force_authenticate(member)
    answer = client.patch("/api/v1/me/profile/", {"vat_number": "12345"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_vat_number"
    assert "vat_number" in answer.json()["errors"]
    answer = client.patch("/api/v1/me/profile/", {"bio": "x" * 501}, format="json")
    assert answer.status_code == 400 and "bio" in answer.json()["errors"]


def test_the_api_takes_a_photo_as_multipart(member):
    client = APIClient()
    client.force_authenticate(member)
    answer = client.patch("/api/v1/me/profile/", {"photo": png()}, format="multipart")
    assert answer.status_code == 200 and answer.json()["has_photo"] is True


def test_the_api_needs_a_sign_in():
    assert APIClient().get("/api/v1/me/profile/").status_code == 401
