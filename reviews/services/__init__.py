"""Writes for peer review, the instructor queue, grades and regrades.

Each function is atomic, validates with a message a person can act on, and fires its
emails on commit. The run (CohortAssignment) row is the lock that serialises everything
that allocates reviews for one assignment in one cohort.

One module per concern; every public name is re-exported here, so other apps (and
tests) keep importing ``reviews.services`` alone.
"""

from reviews import allocation
from reviews.services.allocating import (
    departed_reviewer_reassign,
    departed_reviews_reassign,
    late_submission_allocate,
    overdue_reviews_reassign,
    peer_review_close,
    peer_reviews_allocate,
)
from reviews.services.grading import (
    ANY_VERSION,
    grades_release_due,
    peer_grade_compute,
    submission_grade,
)
from reviews.services.queue import (
    queue_add,
    queue_claim_next,
    queue_item_release,
    queue_item_resolve,
)
from reviews.services.regrades import regrade_answer, regrade_request
from reviews.services.reviewing import (
    review_file_prepare,
    review_flag,
    review_rate,
    review_submit,
    review_transition,
)
from reviews.services.tick import review_tick

__all__ = [
    "ANY_VERSION",
    "allocation",
    "departed_reviewer_reassign",
    "departed_reviews_reassign",
    "grades_release_due",
    "late_submission_allocate",
    "overdue_reviews_reassign",
    "peer_grade_compute",
    "peer_review_close",
    "peer_reviews_allocate",
    "queue_add",
    "queue_claim_next",
    "queue_item_release",
    "queue_item_resolve",
    "regrade_answer",
    "regrade_request",
    "review_file_prepare",
    "review_flag",
    "review_rate",
    "review_submit",
    "review_tick",
    "review_transition",
    "submission_grade",
]
