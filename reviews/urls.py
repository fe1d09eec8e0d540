from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("<int:cohort_id>/reviews/", views.my_reviews, name="my_reviews"),
    path("<int:cohort_id>/reviews/<uuid:review_id>/", views.review, name="review"),
    path("<int:cohort_id>/reviews/<uuid:review_id>/file/", views.review_file, name="review_file"),
    path("<int:cohort_id>/feedback/<uuid:review_id>/rate/", views.rate, name="rate"),
    path("<int:cohort_id>/feedback/<uuid:review_id>/flag/", views.flag, name="flag"),
    path("<int:cohort_id>/submissions/<int:submission_id>/regrade/", views.regrade, name="regrade"),
    path("<int:cohort_id>/queue/", views.queue, name="queue"),
    path("<int:cohort_id>/queue/next/", views.grade_next, name="grade_next"),
    path("<int:cohort_id>/queue/<int:item_id>/release/", views.release_item, name="release_item"),
    path("<int:cohort_id>/queue/<int:item_id>/resolve/", views.resolve_item, name="resolve_item"),
    path("<int:cohort_id>/submissions/<int:submission_id>/grade/", views.grade, name="grade"),
    path(
        "<int:cohort_id>/regrades/<int:regrade_id>/answer/",
        views.answer_regrade,
        name="answer_regrade",
    ),
]
