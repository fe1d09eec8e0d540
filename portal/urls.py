from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.hub, name="hub"),
    path("details/", views.details, name="details"),
    path("photo/", views.photo, name="photo"),
]
