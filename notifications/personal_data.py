"""What the models of this app hold about people (privacy.registry)."""

from lms.privacy import (
    PURPOSE_NOTIFY,
    RETENTION_MEMBERSHIP,
    RETENTION_NOTIFICATIONS,
    Basis,
    Category,
    Erasure,
    declare,
)

DECLARATIONS = [
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
