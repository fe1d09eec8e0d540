"""The "assignments" URL namespace, whole: the assignments app's own pages (the list of a
cohort's assignments, file downloads) and the pages that show an assignment together
with its reviews and grade (the assignment page, its hand-in, the instructors'
overview), which live in reviews because assignments sits below reviews and may not
import it. lms/urls.py includes this module where it included assignments.urls, so
every page keeps its address and its name (assignments:detail, assignments:list, ...).
"""

from django.urls import path

from assignments import urls as assignment_urls
from reviews.views import assignments as views

app_name = "assignments"

urlpatterns = [
    *assignment_urls.urlpatterns,
    path("<id:cohort_id>/assignments/overview/", views.overview, name="overview"),
    path("<id:cohort_id>/assignments/<id:assignment_id>/", views.detail, name="detail"),
    path("<id:cohort_id>/assignments/<id:assignment_id>/submit/", views.submit, name="submit"),
]
