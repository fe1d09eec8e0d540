"""REST API for peer review, feedback, regrades and the instructors' grading queue.

Reviewers never learn whose work they review: the review payload carries the work's
content and a neutral file address, nothing about its author. Authors see reviews as
"Reviewer N". Instructors see names. Writes go through reviews.services; their
DomainErrors become ``{"detail", "code"}`` responses (lms.api.exception_handler).

Serializers in ``serializers``; views by audience in ``reviewing`` (students) and
``instructors``, and the assignment as its student sees it in ``assignments``. The
views are re-exported here for the URL modules.
"""

from reviews.api.assignments import AssignmentDetailApi
from reviews.api.instructors import (
    AssignmentsOverviewApi,
    GradeApi,
    QueueApi,
    QueueClaimNextApi,
    QueueReleaseApi,
    RegradeAnswerApi,
)
from reviews.api.reviewing import (
    FeedbackFlagApi,
    FeedbackRatingApi,
    MyReviewsApi,
    RegradeRequestApi,
    ReviewApi,
    ReviewFileApi,
)

__all__ = [
    "AssignmentDetailApi",
    "AssignmentsOverviewApi",
    "FeedbackFlagApi",
    "FeedbackRatingApi",
    "GradeApi",
    "MyReviewsApi",
    "QueueApi",
    "QueueClaimNextApi",
    "QueueReleaseApi",
    "RegradeAnswerApi",
    "RegradeRequestApi",
    "ReviewApi",
    "ReviewFileApi",
]
