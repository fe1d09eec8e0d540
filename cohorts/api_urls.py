from django.urls import path

from cohorts import api

urlpatterns = [
    path("courses/", api.CourseListApi.as_view(), name="api-courses"),
    path("cohorts/", api.CohortListApi.as_view(), name="api-cohorts"),
    path("cohorts/<id:cohort_id>/", api.CohortDetailApi.as_view(), name="api-cohort"),
    path("cohorts/<id:cohort_id>/enrol/", api.CohortEnrolApi.as_view(), name="api-enrol"),
    path("cohorts/<id:cohort_id>/leave/", api.CohortLeaveApi.as_view(), name="api-leave"),
    path("cohorts/<id:cohort_id>/enrolment/", api.MyEnrolmentApi.as_view(), name="api-enrolment"),
    path("cohorts/<id:cohort_id>/progress/", api.CohortProgressApi.as_view(), name="api-progress"),
    path("cohorts/<id:cohort_id>/modules/", api.CohortModulesApi.as_view(), name="api-modules"),
    path(
        "cohorts/<id:cohort_id>/modules/<id:module_id>/",
        api.ModuleDetailApi.as_view(),
        name="api-module",
    ),
    path(
        "cohorts/<id:cohort_id>/lessons/<id:lesson_id>/",
        api.LessonDetailApi.as_view(),
        name="api-lesson",
    ),
    path(
        "cohorts/<id:cohort_id>/lessons/<id:lesson_id>/completion/",
        api.LessonCompletionApi.as_view(),
        name="api-lesson-completion",
    ),
    path("cohorts/<id:cohort_id>/roster/", api.RosterApi.as_view(), name="api-roster"),
    path("me/enrolments/", api.MyEnrolmentsApi.as_view(), name="api-my-enrolments"),
]
