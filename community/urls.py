from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("", views.index, name="index"),
    path("<id:cohort_id>/", views.home, name="home"),
    path("spaces/<id:space_id>/", views.space, name="space"),
    path("threads/<id:thread_id>/", views.thread, name="thread"),
    path("images/<id:image_id>/", views.image, name="image"),
]
