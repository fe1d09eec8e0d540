from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import views

handler500 = views.server_error

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Protected media and site search (names "media" and "search"): cohorts decides who
    # may read what.
    path("", include("cohorts.site_urls")),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/sent/", views.signup_sent, name="signup_sent"),
    path("accounts/activate/<uidb64>/<token>/", views.signup_activate, name="signup_activate"),
    path("account/", include("portal.urls")),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/tokens/<id:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("accounts/tokens/revoke-all/", views.api_tokens_revoke_all, name="api_tokens_revoke_all"),
    path("accounts/", include("cms.urls")),  # cms:interests
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The cohorts namespace: cohorts.urls and the dashboard and module pages of home.
    path("learn/", include("home.urls")),
    path("learn/", include("reviews.assignment_urls")),  # the assignments: namespace
    path("learn/", include("reviews.urls")),
    path("payments/", include("payments.urls")),
    path("badges/", include("badges.urls")),
    path("", include("live.urls")),
    path("notifications/", include("notifications.urls")),
    path("community/", include("community.urls")),
    path("memberships/", include("memberships.urls")),
    path("privacy/", include("privacy.urls")),
    path("api/v1/", include("lms.api_urls")),
    path("", include(wagtail_urls)),
]
