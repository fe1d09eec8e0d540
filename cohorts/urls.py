from django.urls import path

from cohorts import views

# Included through home.urls, which adds the dashboard and module pages to this
# namespace ("cohorts:dashboard", "cohorts:module").
app_name = "cohorts"

urlpatterns = [
    path("", views.my_cohorts, name="my_cohorts"),
    path("<id:cohort_id>/enrol/", views.enrol, name="enrol"),
    path("<id:cohort_id>/enrol/check/", views.enrol_check, name="enrol_check"),
    path("<id:cohort_id>/leave/", views.leave, name="leave"),
    path("<id:cohort_id>/lessons/<id:lesson_id>/", views.lesson, name="lesson"),
    path(
        "<id:cohort_id>/lessons/<id:lesson_id>/progress/",
        views.lesson_progress,
        name="lesson_progress",
    ),
    path("<id:cohort_id>/roster/", views.roster, name="roster"),
]
