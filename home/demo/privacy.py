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
