"""What the models of this app hold about people (privacy.registry)."""

from lms.privacy import (
    PURPOSE_LISTS,
    PURPOSE_NOTIFY,
    RETENTION_CONSENT,
    RETENTION_MEMBERSHIP,
    RETENTION_NOTIFICATIONS,
    Basis,
    Category,
    Erasure,
    declare,
)

DECLARATIONS = [
    # Consent to list emails: exported as "consent records" (selectors.consent_records_for).
    declare(
        "notifications.Consent",
        subject="user",
        purpose=PURPOSE_LISTS,
        basis=Basis.CONSENT,
        retention=RETENTION_CONSENT,
        on_erasure=Erasure.DELETE,
        personal={
            "user": Category.IDENTITY,
            "mailing_list": Category.CONSENT,
            "status": Category.CONSENT,
            "changed_at": Category.CONSENT,
        },
        other="id request_event",
    ),
    declare(
        "notifications.ConsentEvent",
        subject="user",
        purpose=PURPOSE_LISTS,
        basis=Basis.LEGAL_OBLIGATION,  # proof that list emails had consent (art. 7(1))
        retention=RETENTION_CONSENT,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "user": Category.IDENTITY,
            "mailing_list": Category.CONSENT,
            "action": Category.CONSENT,
            "source": Category.CONSENT,
            "at": Category.CONSENT,
            "language": Category.CONSENT,
            "actor": Category.IDENTITY,
        },
        other="id text request",
        export_exclude=["actor"],
    ),
    declare(
        "notifications.Preference",
        subject="user",
        purpose=PURPOSE_NOTIFY,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        export_kind="notification_preferences",
        personal={
            "user": Category.IDENTITY,
            "kind": Category.PROFILE,
            "delivery": Category.PROFILE,
        },
        other="id",
    ),
    declare(
        "notifications.Notification",
        subject="user",
        purpose=PURPOSE_NOTIFY,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_NOTIFICATIONS,
        on_erasure=Erasure.DELETE,
        export_kind="notifications",
        personal={
            "user": Category.IDENTITY,
            "kind": Category.COMMUNICATION,
            "params": Category.COMMUNICATION,
            "url": Category.COMMUNICATION,
            "created_at": Category.COMMUNICATION,
            "read_at": Category.COMMUNICATION,
            "delivery": Category.COMMUNICATION,
            "emailed_at": Category.COMMUNICATION,
        },
        other="id key claimed_until",
    ),
]
