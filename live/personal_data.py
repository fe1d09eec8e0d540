"""What the models of this app hold about people (privacy.registry)."""

from lms.privacy import (
    PURPOSE_LIVE,
    PURPOSE_SECURITY,
    RETENTION_MEMBERSHIP,
    Basis,
    Category,
    Erasure,
    declare,
)

DECLARATIONS = [
    declare(
        "live.SessionSeries",
        subject="created_by",
        purpose=PURPOSE_LIVE,
        basis=Basis.LEGITIMATE_INTEREST,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "created_by": Category.IDENTITY,
        },
        other=("id created_at updated_at cohort title first_day local_time weeks timezone"),
    ),
    declare(
        "live.LiveSession",
        purpose=PURPOSE_LIVE,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "hosts": Category.IDENTITY,
        },
        other=(
            "id created_at updated_at cohort series title description starts_at "
            "ends_at timezone join_url capacity rsvp_enabled status uid sequence "
            "recording_url notes"
        ),
    ),
    declare(
        "live.Rsvp",
        subject="user",
        purpose=PURPOSE_LIVE,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        export_kind="rsvps",
        personal={
            "created_at": Category.LEARNING,
            "updated_at": Category.LEARNING,
            "user": Category.IDENTITY,
            "answer": Category.LEARNING,
        },
        other="id session",
    ),
    declare(
        "live.Attendance",
        subject="user",
        purpose=PURPOSE_LIVE,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        export_kind="attendance",
        personal={
            "created_at": Category.LEARNING,
            "updated_at": Category.LEARNING,
            "user": Category.IDENTITY,
            "attended": Category.LEARNING,
            "first_joined_at": Category.LEARNING,
            "source": Category.LEARNING,
        },
        other="id session",
    ),
    declare(
        "live.FeedToken",
        subject="user",
        purpose=PURPOSE_SECURITY,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        personal={
            "created_at": Category.TECHNICAL,
            "updated_at": Category.TECHNICAL,
            "user": Category.IDENTITY,
            "revoked_at": Category.TECHNICAL,
        },
        other="id token",
    ),
]
