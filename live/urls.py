from django.urls import path

from live import views

app_name = "live"

urlpatterns = [
    path("learn/<id:cohort_id>/sessions/", views.cohort_calendar, name="calendar"),
    path("learn/<id:cohort_id>/sessions/new/", views.session_new, name="session_new"),
    path("learn/<id:cohort_id>/sessions/series/new/", views.series_new, name="series_new"),
    path("learn/<id:cohort_id>/attendance/", views.cohort_attendance, name="cohort_attendance"),
    path("learn/sessions/<id:session_id>/", views.session_detail, name="session"),
    path("learn/sessions/<id:session_id>/edit/", views.session_edit, name="session_edit"),
    path("learn/sessions/<id:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("learn/sessions/<id:session_id>/rsvp/", views.session_rsvp, name="rsvp"),
    path("learn/sessions/<id:session_id>/join/", views.session_join, name="join"),
    path("learn/sessions/<id:session_id>/event.ics", views.session_ics, name="session_ics"),
    path(
        "learn/sessions/<id:session_id>/attendance/",
        views.session_attendance,
        name="session_attendance",
    ),
    path("calendar/", views.my_calendar, name="my_calendar"),
    path("calendar/rotate/", views.feed_rotate, name="feed_rotate"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
