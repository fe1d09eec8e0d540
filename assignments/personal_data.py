"""What the models of this app hold about people (privacy.registry)."""

from lms.privacy import (
    PURPOSE_ASSESSMENT,
    RETENTION_CONTENT,
    Basis,
    Category,
    Erasure,
    declare,
    not_personal,
)

DECLARATIONS = [
    not_personal(
        "assignments.CohortAssignment",
        ("id created_at updated_at cohort assignment allocated_at closed_at"),
    ),
    not_personal(
        "assignments.RubricVersion", "id assignment digest criteria max_points created_at"
    ),
    declare(
        "assignments.Submission",
        subject="author",
        purpose=PURPOSE_ASSESSMENT,
        basis=Basis.CONTRACT,
        retention=RETENTION_CONTENT,
        on_erasure=Erasure.FOLLOWS_ACCOUNT,
        export_kind="submissions",
        personal={
            "created_at": Category.LEARNING,
            "updated_at": Category.LEARNING,
            "author": Category.IDENTITY,
            "status": Category.LEARNING,
            "submitted_at": Category.LEARNING,
            "is_late": Category.LEARNING,
            "late_days": Category.LEARNING,
            "version_count": Category.LEARNING,
        },
        other="id cohort_assignment",
    ),
    declare(
        "assignments.SubmissionVersion",
        subject="submission__author",
        purpose=PURPOSE_ASSESSMENT,
        basis=Basis.CONTRACT,
        retention=RETENTION_CONTENT,
        on_erasure=Erasure.ANONYMISE,
        export_kind="submission_versions",
        personal={
            "number": Category.LEARNING,
            "text": Category.CONTENT,
            "link": Category.CONTENT,
            "file": Category.CONTENT,
            "file_name": Category.CONTENT,
            "file_size": Category.CONTENT,
            "file_type": Category.CONTENT,
            "reviewer_file": Category.CONTENT,
            "reviewer_file_refused": Category.LEARNING,
            "created_at": Category.LEARNING,
        },
        other="id submission",
        scrub=["file", "file_name", "link", "reviewer_file", "text"],
    ),
]
