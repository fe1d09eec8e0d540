from django.urls import path

from cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("", views.my_cohorts, name="my_cohorts"),
    path("<int:cohort_id>/", views.dashboard, name="dashboard"),
    path("<int:cohort_id>/enrol/", views.enrol, name="enrol"),
    path("<int:cohort_id>/enrol/check/", views.enrol_check, name="enrol_check"),
    path("<int:cohort_id>/leave/", views.leave, name="leave"),
    path("<int:cohort_id>/modules/<int:module_id>/", views.module, name="module"),
    path("<int:cohort_id>/lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    path(
        "<int:cohort_id>/lessons/<int:lesson_id>/progress/",
        views.lesson_progress,
        name="lesson_progress",
    ),
    path("<int:cohort_id>/roster/", views.roster, name="roster"),
]
