"""What the models of this app hold about people (privacy.registry)."""

from lms.privacy import (
    PURPOSE_BADGES,
    RETENTION_MEMBERSHIP,
    RETENTION_SECURITY,
    Basis,
    Category,
    Erasure,
    declare,
    not_personal,
)

DECLARATIONS = [
    not_personal(
        "badges.BadgeClass",
        (
            "id created_at updated_at latest_revision live has_unpublished_changes "
            "first_published_at last_published_at live_revision go_live_at expire_at "
            "expired uuid course name description image criteria_narrative rule_kind "
            "rule_config _revisions"
        ),
    ),
    declare(
        "badges.Award",
        subject="recipient",
        purpose=PURPOSE_BADGES,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.DELETE,
        export_kind="badges",
        personal={
            "uuid": Category.LEARNING,
            "recipient": Category.IDENTITY,
            "awarded_at": Category.LEARNING,
            "awarded_by": Category.IDENTITY,
            "note": Category.CONTENT,
            "salt": Category.TECHNICAL,
            "identity_hash": Category.IDENTITY,
            "is_public": Category.LEARNING,
            "revoked_at": Category.LEARNING,
            "revoked_by": Category.IDENTITY,
            "revocation_reason": Category.CONTENT,
        },
        other="id badge_class cohort",
        export_exclude=["awarded_by", "revoked_by"],
    ),
    not_personal(
        "badges.Reevaluation", ("id cohort after_enrolment_id requested_at touched_at finished_at")
    ),
    declare(
        "badges.PendingEvaluation",
        subject="user",
        purpose=PURPOSE_BADGES,
        basis=Basis.CONTRACT,
        retention=RETENTION_SECURITY,
        on_erasure=Erasure.DELETE,
        personal={
            "user": Category.IDENTITY,
            "requested_at": Category.LEARNING,
        },
        other="id cohort",
    ),
]
