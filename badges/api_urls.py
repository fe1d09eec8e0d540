from django.urls import path

from badges import api

urlpatterns = [
    path("cohorts/<id:cohort_id>/badges/", api.CohortBadgesApi.as_view(), name="api-cohort-badges"),
    path("cohorts/<id:cohort_id>/awards/", api.CohortAwardsApi.as_view(), name="api-cohort-awards"),
    path("awards/<id:award_id>/revoke/", api.AwardRevokeApi.as_view(), name="api-award-revoke"),
    path("me/badges/", api.MyAwardsApi.as_view(), name="api-my-badges"),
    path("me/badges/<uuid:award_uuid>/", api.MyAwardApi.as_view(), name="api-my-badge"),
]
