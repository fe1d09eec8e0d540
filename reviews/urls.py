from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("<id:cohort_id>/reviews/", views.my_reviews, name="my_reviews"),
    path("<id:cohort_id>/reviews/<uuid:review_id>/", views.review, name="review"),
    path("<id:cohort_id>/reviews/<uuid:review_id>/file/", views.review_file, name="review_file"),
    path("<id:cohort_id>/feedback/<uuid:review_id>/rate/", views.rate, name="rate"),
    path("<id:cohort_id>/feedback/<uuid:review_id>/flag/", views.flag, name="flag"),
    path("<id:cohort_id>/submissions/<id:submission_id>/regrade/", views.regrade, name="regrade"),
    path("<id:cohort_id>/queue/", views.queue, name="queue"),
    path("<id:cohort_id>/queue/next/", views.grade_next, name="grade_next"),
    path("<id:cohort_id>/queue/<id:item_id>/release/", views.release_item, name="release_item"),
    path("<id:cohort_id>/queue/<id:item_id>/resolve/", views.resolve_item, name="resolve_item"),
    path("<id:cohort_id>/submissions/<id:submission_id>/grade/", views.grade, name="grade"),
    path(
        "<id:cohort_id>/regrades/<id:regrade_id>/answer/",
        views.answer_regrade,
        name="answer_regrade",
    ),
]
