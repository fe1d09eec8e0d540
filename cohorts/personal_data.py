"""What the models of this app hold about people (privacy.registry)."""

from lms.privacy import (
    PURPOSE_COURSE,
    RETENTION_MEMBERSHIP,
    Basis,
    Category,
    Erasure,
    declare,
    not_personal,
)

DECLARATIONS = [
    declare(
        "cohorts.Cohort",
        purpose=PURPOSE_COURSE,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        personal={
            "instructors": Category.IDENTITY,
        },
        other=(
            "id created_at updated_at course name starts_on ends_on timezone "
            "enrolment_opens_at enrolment_closes_at capacity unlock_weekday "
            "unlock_time status pace self_paced_start all_at_once"
        ),
    ),
    not_personal(
        "cohorts.ModuleUnlockOverride", "id created_at updated_at cohort module unlocks_at reason"
    ),
    declare(
        "cohorts.Enrolment",
        subject="user",
        purpose=PURPOSE_COURSE,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        export_kind="enrolments",
        personal={
            "created_at": Category.LEARNING,
            "updated_at": Category.LEARNING,
            "user": Category.IDENTITY,
            "status": Category.LEARNING,
            "waitlisted_at": Category.LEARNING,
            "activated_at": Category.LEARNING,
            "ended_at": Category.LEARNING,
            "starts_on": Category.LEARNING,
            "timezone": Category.LEARNING,
        },
        other="id cohort",
    ),
    declare(
        "cohorts.LessonCompletion",
        subject="enrolment__user",
        purpose=PURPOSE_COURSE,
        basis=Basis.CONTRACT,
        retention=RETENTION_MEMBERSHIP,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        export_kind="progress",
        personal={
            "completed_at": Category.LEARNING,
        },
        other="id enrolment lesson",
    ),
]
