"""What the privacy app's own models hold about people (privacy.registry)."""

from lms.privacy import not_personal

DECLARATIONS = [
    not_personal(
        "privacy.PrivacyNotice",
        "id controller contact intro intro_nl closing closing_nl updated_at",
    ),
]
