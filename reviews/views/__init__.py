"""HTML pages of peer review and grading, by audience: ``reviewing`` (students),
``grading`` (instructors) and ``assignments`` (the assignment page and overview, in the
assignments: URL namespace). Re-exported here for the URL modules."""

from reviews.views.grading import (
    answer_regrade,
    grade,
    grade_next,
    queue,
    release_item,
    resolve_item,
)
from reviews.views.reviewing import flag, my_reviews, rate, regrade, review, review_file

__all__ = [
    "answer_regrade",
    "flag",
    "grade",
    "grade_next",
    "my_reviews",
    "queue",
    "rate",
    "regrade",
    "release_item",
    "resolve_item",
    "review",
    "review_file",
]
