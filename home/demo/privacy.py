"""The demo's privacy: the notice's own words around the generated table, and the
retention jobs' first runs (the export and erasure requests are added by ``requests``)."""

from __future__ import annotations

import datetime as dt

from privacy.models import PrivacyNotice
from privacy.services import retention_tick


def notice() -> PrivacyNotice:
    return PrivacyNotice.objects.create(
        controller="Cohort Academy B.V.",
        contact="privacy@academy.example",
        intro=(
            "<p>We keep what we need to teach you, to bill you and to keep the community "
            "safe, and nothing longer than needed. The table below lists all of it.</p>"
        ),
        intro_nl=(
            "<p>We bewaren wat we nodig hebben om je les te geven, te factureren en de "
            "community veilig te houden, en niet langer dan nodig. De tabel hieronder "
            "noemt alles.</p>"
        ),
        closing=(
            "<p>You may complain to the Dutch Data Protection Authority "
            "(Autoriteit Persoonsgegevens).</p>"
        ),
        closing_nl="<p>Je kunt een klacht indienen bij de Autoriteit Persoonsgegevens.</p>",
    )


def privacy(now: dt.datetime) -> None:
    notice()
    retention_tick(now=now)


def requests(student, members, now: dt.datetime) -> None:
    """A member's details and list consent, an export ready to download and an erasure
    cooling off: what the account and privacy pages and the staff queues show."""
    from lms.services import profile_update
    from notifications.models import ConsentList, Kind, Notification
    from notifications.services import consent_confirm, consent_request
    from privacy.services import erasure_request, export_build, export_request

    profile_update(
        user=student,
        by=student,
        street_address="Oudegracht 120",
        postal_code="3511 AX",
        city="Utrecht",
        country="NL",
        organisation="De Vries Communicatie",
        vat_number="NL123456789B01",
        bio="Copywriter, learning to write longer pieces.",
    )
    consent_request(user=student, mailing_list=ConsentList.NEWSLETTER)
    link = (
        Notification.objects.filter(user=student, kind=Kind.CONSENT_CONFIRM)
        .order_by("-pk")
        .values_list("url", flat=True)
        .first()
    )
    consent_confirm(token=link.rstrip("/").rsplit("/", 1)[-1], signed_in=student)
    asked = export_request(user=members[0], by=members[0])
    export_build(request_id=asked.pk)
    erasure_request(user=members[-1], by=members[-1], now=now)
