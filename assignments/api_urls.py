from django.urls import path

from assignments import api

urlpatterns = [
    path(
        "cohorts/<int:cohort_id>/assignments/",
        api.AssignmentListApi.as_view(),
        name="api-assignments",
    ),
    path(
        "cohorts/<int:cohort_id>/assignments/<int:assignment_id>/",
        api.AssignmentDetailApi.as_view(),
        name="api-assignment",
    ),
    path(
        "cohorts/<int:cohort_id>/assignments/<int:assignment_id>/submission/",
        api.SubmissionSubmitApi.as_view(),
        name="api-submission",
    ),
    path(
        "cohorts/<int:cohort_id>/submissions/<int:submission_id>/versions/<int:number>/file/",
        api.VersionFileApi.as_view(),
        name="api-version-file",
    ),
]
