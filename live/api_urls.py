from django.urls import path

from live import api

urlpatterns = [
    path("cohorts/<id:cohort_id>/sessions/", api.CohortSessionsApi.as_view(), name="api-sessions"),
    path(
        "cohorts/<id:cohort_id>/sessions/series/",
        api.CohortSeriesApi.as_view(),
        name="api-session-series",
    ),
    path(
        "cohorts/<id:cohort_id>/attendance/",
        api.CohortAttendanceApi.as_view(),
        name="api-cohort-attendance",
    ),
    path("sessions/<id:session_id>/", api.SessionDetailApi.as_view(), name="api-session"),
    path(
        "sessions/<id:session_id>/cancel/",
        api.SessionCancelApi.as_view(),
        name="api-session-cancel",
    ),
    path("sessions/<id:session_id>/rsvp/", api.SessionRsvpApi.as_view(), name="api-session-rsvp"),
    path("sessions/<id:session_id>/join/", api.SessionJoinApi.as_view(), name="api-session-join"),
    path("sessions/<id:session_id>/ics/", api.SessionIcsApi.as_view(), name="api-session-ics"),
    path(
        "sessions/<id:session_id>/attendance/",
        api.SessionAttendanceApi.as_view(),
        name="api-session-attendance",
    ),
    path(
        "sessions/<id:session_id>/attendance/<id:user_id>/",
        api.SessionAttendanceEntryApi.as_view(),
        name="api-session-attendance-entry",
    ),
    path("me/calendar-feed/", api.MyFeedApi.as_view(), name="api-feed"),
    path("me/calendar-feed/rotate/", api.MyFeedRotateApi.as_view(), name="api-feed-rotate"),
]
