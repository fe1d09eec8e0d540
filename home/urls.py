"""The learner's pages under /learn/, in the ``cohorts`` namespace.

The dashboard and the module page show other apps' facts, so their views live here at
the top; their names stay ``cohorts:dashboard`` and ``cohorts:module``, which every
template, email and redirect reverses. A namespace is filled by one include only (the
first of two same-named includes hides the other when reversing), so this module serves
the whole ``cohorts`` namespace: cohorts' own routes (a downward import) and these two.
lms/urls.py includes it in place of cohorts.urls.
"""

from django.urls import path

from cohorts import urls as cohort_urls
from home import views

app_name = "cohorts"

urlpatterns = [
    *cohort_urls.urlpatterns,
    path("<id:cohort_id>/", views.dashboard, name="dashboard"),
    path("<id:cohort_id>/modules/<id:module_id>/", views.module, name="module"),
]
