from django.urls import path

from assignments import views

app_name = "assignments"

urlpatterns = [
    path("<int:cohort_id>/assignments/", views.assignment_list, name="list"),
    path("<int:cohort_id>/assignments/overview/", views.overview, name="overview"),
    path("<int:cohort_id>/assignments/<int:assignment_id>/", views.detail, name="detail"),
    path("<int:cohort_id>/assignments/<int:assignment_id>/submit/", views.submit, name="submit"),
    path(
        "<int:cohort_id>/submissions/<int:submission_id>/versions/<int:number>/file/",
        views.version_file,
        name="version_file",
    ),
]
