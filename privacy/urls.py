from django.urls import path

from privacy.views import pages

app_name = "privacy"

urlpatterns = [
    path("", pages.home, name="home"),
    path("policy/", pages.policy, name="policy"),
]
