"""The member's pages of cms, in the ``cms`` namespace (under /accounts/)."""

from django.urls import path

from cms import views

app_name = "cms"

urlpatterns = [
    path("interests/", views.interests, name="interests"),
]
