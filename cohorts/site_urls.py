"""Site-wide addresses answered by cohorts, without a namespace (reversed as ``search``
and ``media``); lms/urls.py includes this module by name."""

from django.conf import settings
from django.urls import path

from cohorts import site_views

urlpatterns = [
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", site_views.protected_media, name="media"),
    path("search/", site_views.search, name="search"),
]
