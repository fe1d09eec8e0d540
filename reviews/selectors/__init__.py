"""Reads for peer review, feedback, the instructor queue and overviews.

Students never get the other side's identity from here: reviewers see a submission's
content under a neutral label, authors see "Reviewer 1, 2, 3". Each page-level selector
costs a fixed number of queries whatever the number of rows; tests pin those numbers.

One module per side; every public name is re-exported here, so other apps keep
importing ``reviews.selectors`` alone.
"""

from reviews.selectors.display import CriterionScore, criterion_scores
from reviews.selectors.emails import (
    grade_for_email,
    regrade_for_email,
    review_for_email,
    reviews_assigned_at,
)
from reviews.selectors.instructors import (
    AssignmentProgress,
    GradingView,
    Queue,
    QueueEntry,
    assignments_overview,
    grade_version,
    grading_view_get,
    queue_get,
    queue_item_get,
    regrade_for_instructor,
    regrade_get,
)
from reviews.selectors.students import (
    AssignmentView,
    DueItem,
    ReceivedReview,
    ReviewsOwed,
    StudentWork,
    assignment_view_get,
    my_reviews,
    own_submission_get,
    received_review_get,
    review_file_get,
    review_get,
    review_seat_annotate,
    review_seat_require,
    review_version,
    self_review_open,
    student_work_get,
)

__all__ = [
    "AssignmentProgress",
    "AssignmentView",
    "CriterionScore",
    "DueItem",
    "GradingView",
    "Queue",
    "QueueEntry",
    "ReceivedReview",
    "ReviewsOwed",
    "StudentWork",
    "assignment_view_get",
    "assignments_overview",
    "criterion_scores",
    "grade_for_email",
    "grade_version",
    "grading_view_get",
    "my_reviews",
    "own_submission_get",
    "queue_get",
    "queue_item_get",
    "received_review_get",
    "regrade_for_email",
    "regrade_for_instructor",
    "regrade_get",
    "review_file_get",
    "review_for_email",
    "review_get",
    "review_seat_annotate",
    "review_seat_require",
    "review_version",
    "reviews_assigned_at",
    "self_review_open",
    "student_work_get",
]
