from django.urls import path

from community.api import moderation, people, posts, threads

urlpatterns = [
    path(
        "cohorts/<id:cohort_id>/community/",
        threads.CommunityHomeApi.as_view(),
        name="api-community",
    ),
    path(
        "cohorts/<id:cohort_id>/community/members/",
        people.MentionSuggestionsApi.as_view(),
        name="api-community-members",
    ),
    path(
        "cohorts/<id:cohort_id>/community/directory/",
        people.DirectoryApi.as_view(),
        name="api-community-directory",
    ),
    path(
        "cohorts/<id:cohort_id>/community/directory/me/",
        people.DirectoryListingApi.as_view(),
        name="api-community-directory-me",
    ),
    path(
        "cohorts/<id:cohort_id>/community/images/",
        people.ImageUploadApi.as_view(),
        name="api-community-images",
    ),
    path(
        "cohorts/<id:cohort_id>/community/search/",
        people.SearchApi.as_view(),
        name="api-community-search",
    ),
    path(
        "cohorts/<id:cohort_id>/community/guidelines/accept/",
        people.GuidelinesAcceptApi.as_view(),
        name="api-community-guidelines-accept",
    ),
    path(
        "cohorts/<id:cohort_id>/community/reports/",
        moderation.ReportQueueApi.as_view(),
        name="api-community-reports",
    ),
    path(
        "cohorts/<id:cohort_id>/community/mutes/",
        moderation.MutesApi.as_view(),
        name="api-community-mutes",
    ),
    path(
        "cohorts/<id:cohort_id>/community/mutes/<id:user_id>/",
        moderation.MuteDetailApi.as_view(),
        name="api-community-mute",
    ),
    path(
        "cohorts/<id:cohort_id>/community/pulse/",
        moderation.PulseApi.as_view(),
        name="api-community-pulse",
    ),
    path(
        "community/reports/<id:report_id>/dismiss/",
        moderation.ReportDismissApi.as_view(),
        name="api-community-report-dismiss",
    ),
    path("me/community-profile/", people.MyProfileApi.as_view(), name="api-community-profile"),
    path(
        "spaces/<id:space_id>/threads/",
        threads.SpaceThreadsApi.as_view(),
        name="api-space-threads",
    ),
    path("spaces/<id:space_id>/read/", threads.SpaceReadApi.as_view(), name="api-space-read"),
    path("threads/<id:thread_id>/", threads.ThreadDetailApi.as_view(), name="api-thread"),
    path(
        "threads/<id:thread_id>/replies/",
        threads.ThreadRepliesApi.as_view(),
        name="api-thread-replies",
    ),
    path(
        "threads/<id:thread_id>/follow/",
        threads.ThreadFollowApi.as_view(),
        name="api-thread-follow",
    ),
    path(
        "threads/<id:thread_id>/accepted-answer/",
        threads.ThreadAcceptedAnswerApi.as_view(),
        name="api-thread-accepted-answer",
    ),
    path("threads/<id:thread_id>/lock/", threads.ThreadLockApi.as_view(), name="api-thread-lock"),
    path("threads/<id:thread_id>/pin/", threads.ThreadPinApi.as_view(), name="api-thread-pin"),
    path("threads/<id:thread_id>/move/", threads.ThreadMoveApi.as_view(), name="api-thread-move"),
    path("posts/<id:post_id>/", posts.PostDetailApi.as_view(), name="api-post"),
    path("posts/<id:post_id>/history/", posts.PostHistoryApi.as_view(), name="api-post-history"),
    path(
        "posts/<id:post_id>/reactions/<str:kind>/",
        posts.PostReactionApi.as_view(),
        name="api-post-reaction",
    ),
    path("posts/<id:post_id>/report/", posts.PostReportApi.as_view(), name="api-post-report"),
    path("posts/<id:post_id>/hide/", posts.PostHideApi.as_view(), name="api-post-hide"),
    path("posts/<id:post_id>/restore/", posts.PostRestoreApi.as_view(), name="api-post-restore"),
    path(
        "posts/<id:post_id>/endorsement/",
        posts.PostEndorsementApi.as_view(),
        name="api-post-endorsement",
    ),
]
