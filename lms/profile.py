"""A member's personal details: the countries we bill to, the checks on a VAT number
and on a photo, and which fields count as personal details (``profile_update``)."""

from __future__ import annotations

import re
import uuid

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.errors import ValidationFailed

# The personal details ``lms.services.profile_update`` writes, and their largest size.
PROFILE_TEXT_FIELDS = {
    "street_address": 300,
    "postal_code": 20,
    "city": 100,
    "country": 2,
    "phone": 32,
    "organisation": 150,
    "vat_number": 20,
    "bio": 500,
}
PROFILE_FIELDS = (*PROFILE_TEXT_FIELDS, "photo")

# Where members are billed: the EU, its neighbours and the countries most members come
# from. ISO 3166-1 alpha-2 codes; a new country is one line here.
COUNTRIES = [
    ("AT", gettext_lazy("Austria")),
    ("BE", gettext_lazy("Belgium")),
    ("BG", gettext_lazy("Bulgaria")),
    ("HR", gettext_lazy("Croatia")),
    ("CY", gettext_lazy("Cyprus")),
    ("CZ", gettext_lazy("Czechia")),
    ("DK", gettext_lazy("Denmark")),
    ("EE", gettext_lazy("Estonia")),
    ("FI", gettext_lazy("Finland")),
    ("FR", gettext_lazy("France")),
    ("DE", gettext_lazy("Germany")),
    ("GR", gettext_lazy("Greece")),
    ("HU", gettext_lazy("Hungary")),
    ("IE", gettext_lazy("Ireland")),
    ("IT", gettext_lazy("Italy")),
    ("LV", gettext_lazy("Latvia")),
    ("LT", gettext_lazy("Lithuania")),
    ("LU", gettext_lazy("Luxembourg")),
    ("MT", gettext_lazy("Malta")),
    ("NL", gettext_lazy("Netherlands")),
    ("PL", gettext_lazy("Poland")),
    ("PT", gettext_lazy("Portugal")),
    ("RO", gettext_lazy("Romania")),
    ("SK", gettext_lazy("Slovakia")),
    ("SI", gettext_lazy("Slovenia")),
    ("ES", gettext_lazy("Spain")),
    ("SE", gettext_lazy("Sweden")),
    ("NO", gettext_lazy("Norway")),
    ("CH", gettext_lazy("Switzerland")),
    ("GB", gettext_lazy("United Kingdom")),
    ("US", gettext_lazy("United States")),
    ("CA", gettext_lazy("Canada")),
]

# EU VAT numbers start with the member state's prefix (Greece's is EL, Northern
# Ireland's XI), then 2 to 12 digits or letters. A loose check that catches typos and
# numbers pasted into the wrong field; VIES says whether one really exists.
VAT_PREFIXES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "XI",
    }
)
_VAT_BODY = re.compile(r"[0-9A-Z+*]{2,12}")

# Photos: decoded by Pillow, one of these formats, at most this size.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_MAX_BYTES_DEFAULT = 2 * 1024 * 1024
PHOTO_MAX_SIDE = 4000


def vat_number_clean(raw: str) -> str:
    """``raw`` without spaces, dots and dashes, in capitals; "" stays "". Refused with a
    message saying the expected shape when it is not an EU VAT number."""
    value = re.sub(r"[\s.\-]", "", raw or "").upper()
    if not value:
        return ""
    if value[:2] not in VAT_PREFIXES or not _VAT_BODY.fullmatch(value[2:]):
        raise ValidationFailed(
            _(
                "“%(value)s” is not an EU VAT number: write the country code and then the "
                "number, e.g. NL123456789B01."
            )
            % {"value": raw.strip()[:40]},
            code="invalid_vat_number",
            field="vat_number",
        )
    return value


def photo_max_bytes() -> int:
    from django.conf import settings

    # No setting of its own unless a site sets one: 2 MB fits in a default request.
    return int(getattr(settings, "LMS_PROFILE_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES_DEFAULT))


def photo_check(file: UploadedFile) -> str:
    """Refuse a photo that is too large or not a JPEG, PNG or WebP image (decoded, not
    judged by its name); return the file extension to store it under."""
    from PIL import Image, UnidentifiedImageError

    limit = photo_max_bytes()
    if file.size > limit:
        raise ValidationFailed(
            _("The photo is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{file.size / 1024 / 1024:.1f}", "limit": f"{limit / 1024 / 1024:g}"},
            code="photo_too_large",
            field="photo",
        )
    not_a_photo = ValidationFailed(
        _("That file is not a photo we can show: upload a JPEG, PNG or WebP image."),
        code="photo_type",
        field="photo",
    )
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            width, height = image.size
            if width > PHOTO_MAX_SIDE or height > PHOTO_MAX_SIDE:
                raise Image.DecompressionBombError
            image.verify()
    except Image.DecompressionBombError:
        raise ValidationFailed(
            _("The photo is larger than %(max)s pixels a side; choose a smaller one.")
            % {"max": PHOTO_MAX_SIDE},
            code="photo_too_large",
            field="photo",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_a_photo from None
    if fmt not in PHOTO_FORMATS:
        raise not_a_photo
    file.seek(0)
    return PHOTO_FORMATS[fmt]


def photo_upload_to(instance, filename: str) -> str:
    """A random name: the address tells nothing about whose photo it is."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"profile-photos/{uuid.uuid4().hex}.{extension}"
