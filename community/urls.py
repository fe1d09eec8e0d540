from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("", views.index, name="index"),
    path("profile/", views.profile, name="profile"),
    path("<id:cohort_id>/", views.home, name="home"),
    path("<id:cohort_id>/search/", views.search, name="search"),
    path("<id:cohort_id>/members/", views.directory, name="directory"),
    path("<id:cohort_id>/members/<id:user_id>/mute/", views.mute, name="mute"),
    path("<id:cohort_id>/members/<id:user_id>/unmute/", views.unmute, name="unmute"),
    path("<id:cohort_id>/guidelines/", views.guidelines, name="guidelines"),
    path("<id:cohort_id>/moderation/", views.moderation, name="moderation"),
    path(
        "<id:cohort_id>/reports/<id:report_id>/dismiss/",
        views.report_dismiss,
        name="report_dismiss",
    ),
    path("<id:cohort_id>/pulse/", views.pulse, name="pulse"),
    path("<id:cohort_id>/images/", views.image_upload, name="image_upload"),
    path("spaces/<id:space_id>/", views.space, name="space"),
    path("spaces/<id:space_id>/new/", views.thread_new, name="thread_new"),
    path("spaces/<id:space_id>/read/", views.space_read, name="space_read"),
    path("threads/<id:thread_id>/", views.thread, name="thread"),
    path("threads/<id:thread_id>/reply/", views.thread_reply, name="thread_reply"),
    path("threads/<id:thread_id>/follow/", views.thread_follow, name="thread_follow"),
    path("threads/<id:thread_id>/accept/", views.thread_accept, name="thread_accept"),
    path("threads/<id:thread_id>/lock/", views.thread_lock, name="thread_lock"),
    path("threads/<id:thread_id>/pin/", views.thread_pin, name="thread_pin"),
    path("threads/<id:thread_id>/move/", views.thread_move, name="thread_move"),
    path("posts/<id:post_id>/edit/", views.post_edit, name="post_edit"),
    path("posts/<id:post_id>/delete/", views.post_delete, name="post_delete"),
    path("posts/<id:post_id>/react/", views.post_react, name="post_react"),
    path("posts/<id:post_id>/report/", views.post_report, name="post_report"),
    path("posts/<id:post_id>/history/", views.post_history, name="post_history"),
    path("posts/<id:post_id>/hide/", views.post_hide, name="post_hide"),
    path("posts/<id:post_id>/restore/", views.post_restore, name="post_restore"),
    path("posts/<id:post_id>/endorse/", views.post_endorse, name="post_endorse"),
    path("images/<id:image_id>/", views.image, name="image"),
]
