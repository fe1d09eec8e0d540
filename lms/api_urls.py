from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from lms import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The page and its start-up script come separately, so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("auth/tokens/", api.TokenListApi.as_view(), name="api-tokens"),
    path("auth/tokens/revoke-all/", api.TokenRevokeAllApi.as_view(), name="api-tokens-revoke-all"),
    path("auth/tokens/<id:token_id>/", api.TokenDetailApi.as_view(), name="api-token-detail"),
    path("auth/logout/", api.LogoutApi.as_view(), name="api-logout"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("me/profile/", api.ProfileApi.as_view(), name="api-me-profile"),
    path("", include("cohorts.api_urls")),
    path("", include("assignments.api_urls")),
    path("", include("reviews.api_urls")),
    path("", include("payments.api_urls")),
    path("", include("badges.api_urls")),
    path("", include("live.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("community.api_urls")),
    path("", include("memberships.api_urls")),
    path("privacy/", include("privacy.api_urls")),
    # Anything else under /api/v1/ answers in the API's error shape, not with a page.
    re_path(r"^.*$", api.not_found),
]
