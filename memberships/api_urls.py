from django.urls import path

from memberships.api import members, staff

urlpatterns = [
    path("memberships/tiers/", members.TiersApi.as_view(), name="api-membership-tiers"),
    path("memberships/join/", members.JoinApi.as_view(), name="api-membership-join"),
    path("memberships/rejoin/", members.RejoinApi.as_view(), name="api-membership-rejoin"),
    path("memberships/me/", members.MyMembershipApi.as_view(), name="api-membership"),
    path(
        "memberships/me/change-preview/",
        members.ChangePreviewApi.as_view(),
        name="api-membership-change-preview",
    ),
    path("memberships/me/change/", members.ChangeApi.as_view(), name="api-membership-change"),
    path("memberships/me/pause/", members.PauseApi.as_view(), name="api-membership-pause"),
    path("memberships/me/cancel/", members.CancelApi.as_view(), name="api-membership-cancel"),
    path("memberships/me/keep/", members.KeepApi.as_view(), name="api-membership-keep"),
    path(
        "memberships/me/retention/",
        members.RetentionApi.as_view(),
        name="api-membership-retention",
    ),
    path(
        "memberships/me/payment-method/",
        members.PaymentMethodApi.as_view(),
        name="api-membership-payment-method",
    ),
    path("memberships/revenue/", staff.RevenueApi.as_view(), name="api-membership-revenue"),
    path("memberships/members/", staff.MembersApi.as_view(), name="api-membership-members"),
]
