"""The privacy API under /api/v1/privacy/: one route list per concern."""

from privacy.api import erasures, exports

urlpatterns = [*exports.urlpatterns, *erasures.urlpatterns]
