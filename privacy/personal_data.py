"""What the privacy app's own models hold about people (privacy.registry)."""

from lms.privacy import (
    PURPOSE_PRIVACY,
    RETENTION_EXPORT,
    RETENTION_MEMBERSHIP,
    Basis,
    Category,
    Erasure,
    declare,
    not_personal,
)

DECLARATIONS = [
    not_personal(
        "privacy.PrivacyNotice",
        "id controller contact intro intro_nl closing closing_nl updated_at",
    ),
    not_personal(
        "privacy.RetentionRun", "id job day started_at finished_at cutoff removed warned kept error"
    ),
    declare(
        "privacy.InactivityNotice",
        subject="user",
        purpose=PURPOSE_PRIVACY,
        basis=Basis.LEGAL_OBLIGATION,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        personal={
            "user": Category.IDENTITY,
            "warned_at": Category.COMMUNICATION,
            "erase_after": Category.COMMUNICATION,
            "erasure_requested_at": Category.COMMUNICATION,
        },
        other="id",
    ),
    declare(
        "privacy.ErasureRequest",
        subject="user",
        purpose=PURPOSE_PRIVACY,
        basis=Basis.LEGAL_OBLIGATION,
        retention=RETENTION_MEMBERSHIP,
        # Proof that the request was handled; it names only "a former member" by then.
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "user": Category.IDENTITY,
            "requested_by": Category.IDENTITY,
            "notify_email": Category.CONTACT,
            "former_names": Category.IDENTITY,
            "language": Category.PROFILE,
        },
        other=(
            "id status created_at updated_at runs_after started_at finished_at "
            "cancelled_at attempts retry_at steps_done counts error"
        ),
    ),
    declare(
        "privacy.ExportRequest",
        subject="user",
        purpose=PURPOSE_PRIVACY,
        basis=Basis.LEGAL_OBLIGATION,
        retention=RETENTION_EXPORT,
        on_erasure=Erasure.DELETE,  # the file with it (files step)
        personal={
            "user": Category.IDENTITY,
            "requested_by": Category.IDENTITY,
            "status": Category.TECHNICAL,
            "created_at": Category.TECHNICAL,
            "started_at": Category.TECHNICAL,
            "finished_at": Category.TECHNICAL,
            "expires_at": Category.TECHNICAL,
            "file": Category.CONTENT,
            "counts": Category.TECHNICAL,
            "error": Category.TECHNICAL,
        },
        other="id public_id size",
    ),
    declare(
        "privacy.ErasureEvent",
        subject="request__user",
        purpose=PURPOSE_PRIVACY,
        basis=Basis.LEGAL_OBLIGATION,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={"actor": Category.IDENTITY},
        other="id request at what step counts error",
    ),
]
