from django.urls import path

from reviews import api

urlpatterns = [
    # An assignment with the feedback and grade received (once assignments' own route).
    path(
        "cohorts/<id:cohort_id>/assignments/<id:assignment_id>/",
        api.AssignmentDetailApi.as_view(),
        name="api-assignment",
    ),
    # Students: reviews to give, feedback received, regrades.
    path("cohorts/<id:cohort_id>/reviews/", api.MyReviewsApi.as_view(), name="api-my-reviews"),
    path("reviews/<uuid:review_id>/", api.ReviewApi.as_view(), name="api-review"),
    path("reviews/<uuid:review_id>/file/", api.ReviewFileApi.as_view(), name="api-review-file"),
    path(
        "feedback/<uuid:review_id>/rating/",
        api.FeedbackRatingApi.as_view(),
        name="api-feedback-rating",
    ),
    path(
        "feedback/<uuid:review_id>/flag/", api.FeedbackFlagApi.as_view(), name="api-feedback-flag"
    ),
    path(
        "submissions/<id:submission_id>/regrade/",
        api.RegradeRequestApi.as_view(),
        name="api-regrade-request",
    ),
    # Instructors: the grading queue, grades, regrade answers, the overview.
    path("cohorts/<id:cohort_id>/queue/", api.QueueApi.as_view(), name="api-queue"),
    path(
        "cohorts/<id:cohort_id>/queue/next/",
        api.QueueClaimNextApi.as_view(),
        name="api-queue-next",
    ),
    path("queue/<id:item_id>/release/", api.QueueReleaseApi.as_view(), name="api-queue-release"),
    path(
        "cohorts/<id:cohort_id>/submissions/<id:submission_id>/grade/",
        api.GradeApi.as_view(),
        name="api-grade",
    ),
    path(
        "regrades/<id:regrade_id>/answer/",
        api.RegradeAnswerApi.as_view(),
        name="api-regrade-answer",
    ),
    path(
        "cohorts/<id:cohort_id>/assignments/overview/",
        api.AssignmentsOverviewApi.as_view(),
        name="api-assignments-overview",
    ),
]
