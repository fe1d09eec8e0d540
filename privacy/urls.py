from django.urls import path

from privacy.views import erasures, exports, pages, retention

app_name = "privacy"

urlpatterns = [
    path("", pages.home, name="home"),
    path("policy/", pages.policy, name="policy"),
    *exports.urlpatterns,
    *erasures.urlpatterns,
    *retention.urlpatterns,
]
