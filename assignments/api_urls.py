from django.urls import path

from assignments import api

urlpatterns = [
    path(
        "cohorts/<id:cohort_id>/assignments/",
        api.AssignmentListApi.as_view(),
        name="api-assignments",
    ),
    path(
        "cohorts/<id:cohort_id>/assignments/<id:assignment_id>/submission/",
        api.SubmissionSubmitApi.as_view(),
        name="api-submission",
    ),
    path(
        "cohorts/<id:cohort_id>/submissions/<id:submission_id>/versions/<id:number>/file/",
        api.VersionFileApi.as_view(),
        name="api-version-file",
    ),
]
