from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("<id:notification_id>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("lists/", views.consents, name="consents"),
    path("lists/confirm/<str:token>/", views.consent_confirm, name="consent_confirm"),
    path("lists/unsubscribe/<str:token>/", views.consent_unsubscribe, name="consent_unsubscribe"),
]
