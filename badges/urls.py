"""Badge pages and the public Open Badges 2.0 documents. These addresses are published
inside every issued badge: keep them stable."""

from django.urls import path

from badges import views

app_name = "badges"

urlpatterns = [
    path("issuer.json", views.issuer, name="issuer"),
    path("classes/<uuid:badge_uuid>.json", views.badge_class_json, name="badge_class_json"),
    path("classes/<uuid:badge_uuid>/image", views.badge_class_image, name="badge_class_image"),
    path("assertions/<uuid:award_uuid>.json", views.assertion_json, name="assertion_json"),
    path("assertions/<uuid:award_uuid>/image", views.award_image, name="award_image"),
    path("awards/<uuid:award_uuid>/", views.award, name="award"),
    path("awards/<uuid:award_uuid>/visibility/", views.award_visibility, name="award_visibility"),
    path("mine/", views.my_badges, name="mine"),
    path("cohorts/<id:cohort_id>/", views.cohort_badges, name="cohort"),
    path("cohorts/<id:cohort_id>/award/", views.cohort_award, name="cohort_award"),
    path("awards/<id:award_id>/revoke/", views.award_revoke, name="award_revoke"),
    path("stats/", views.badge_stats, name="stats"),
]
