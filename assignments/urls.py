from django.urls import path

from assignments import views

app_name = "assignments"

urlpatterns = [
    path("<id:cohort_id>/assignments/", views.assignment_list, name="list"),
    path("<id:cohort_id>/assignments/overview/", views.overview, name="overview"),
    path("<id:cohort_id>/assignments/<id:assignment_id>/", views.detail, name="detail"),
    path("<id:cohort_id>/assignments/<id:assignment_id>/submit/", views.submit, name="submit"),
    path(
        "<id:cohort_id>/submissions/<id:submission_id>/versions/<id:number>/file/",
        views.version_file,
        name="version_file",
    ),
]
