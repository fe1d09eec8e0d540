from django.urls import path

from assignments import views

# The assignment page, its hand-in and the overview show reviews and grades, so they are
# served by reviews, which composes the whole "assignments" namespace from these
# patterns and its own (reviews.assignment_urls; lms/urls.py includes that module).
app_name = "assignments"

urlpatterns = [
    path("<id:cohort_id>/assignments/", views.assignment_list, name="list"),
    path(
        "<id:cohort_id>/submissions/<id:submission_id>/versions/<id:number>/file/",
        views.version_file,
        name="version_file",
    ),
]
