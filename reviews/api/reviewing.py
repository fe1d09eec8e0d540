"""API views for students: reviews to give, feedback received, regrade requests."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from assignments.downloads import file_response
from lms.api import BINARY, ERROR, ApiView, DownloadApiView
from lms.errors import NotFound
from reviews import selectors, services
from reviews.api.serializers import (
    FeedbackSerializer,
    FlagInputSerializer,
    HelpfulnessInputSerializer,
    MyReviewsSerializer,
    RegradeInputSerializer,
    RegradeSerializer,
    ReviewDoneSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
)
from reviews.models import ReviewStatus


class MyReviewsApi(ApiView):
    @extend_schema(
        responses={200: MyReviewsSerializer, 403: ERROR, 404: ERROR},
        tags=["peer review"],
        description="The peer reviews you owe in this cohort and the ones you gave.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        owed = selectors.my_reviews(cohort_id=cohort_id, user=request.user)
        return Response(MyReviewsSerializer(owed).data)


def _review_to_show(review_id: uuid.UUID, user):
    review = selectors.review_get(review_id=review_id, user=user)
    # The work went to another reviewer; the file download and the list of reviews
    # already treat an expired review as gone, so its content is not shown either.
    if review.status == ReviewStatus.EXPIRED:
        raise NotFound(
            _("This review passed its deadline and went to another reviewer."),
            code="review_expired",
        )
    return review


class ReviewApi(ApiView):
    @extend_schema(
        responses={200: ReviewSerializer, 403: ERROR, 404: ERROR},
        tags=["peer review"],
        description="A review you were given: the rubric and the work's latest version. "
        "Nothing in it identifies the work's author.",
    )
    def get(self, request: Request, review_id: uuid.UUID) -> Response:
        review = _review_to_show(review_id, request.user)
        version = selectors.review_version(review=review)
        context = {"request": request, "version": version}
        return Response(ReviewSerializer(review, context=context).data)

    @extend_schema(
        request=ReviewInputSerializer,
        responses={200: ReviewDoneSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["peer review"],
        description="Submit the review: a level's points for every rubric criterion (code "
        "`score_outside_rubric` otherwise) and, for peer reviews, an overall comment. "
        "A review is submitted once (409 `review_done`).",
    )
    def post(self, request: Request, review_id: uuid.UUID) -> Response:
        review = _review_to_show(review_id, request.user)
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_submit(
            review=review,
            by=request.user,
            scores=data.validated_data["scores"],
            comment=data.validated_data["comment"],
        )
        return Response(ReviewDoneSerializer(review).data)

    put = post


class ReviewFileApi(DownloadApiView):
    @extend_schema(
        responses={**BINARY, 403: ERROR, 409: ERROR},
        tags=["peer review"],
        description="The file of the work under review, without its document metadata "
        "(author, company, comment authors, EXIF), under a neutral name. A file type that "
        "cannot be made anonymous is withheld: 409 `file_withheld`.",
    )
    def get(self, request: Request, review_id: uuid.UUID):
        file, filename = services.review_file_prepare(review_id=review_id, user=request.user)
        return file_response(file, filename, typed=False)


class FeedbackRatingApi(ApiView):
    @extend_schema(
        request=HelpfulnessInputSerializer,
        responses={200: FeedbackSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["peer review"],
        description="Rate how helpful a review of your work was, from 1 to 5.",
    )
    def post(self, request: Request, review_id: uuid.UUID) -> Response:
        review = selectors.received_review_get(review_id=review_id, user=request.user)
        data = HelpfulnessInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_rate(
            review=review, by=request.user, helpfulness=data.validated_data["helpfulness"]
        )
        return Response(FeedbackSerializer(review).data)


class FeedbackFlagApi(ApiView):
    @extend_schema(
        request=FlagInputSerializer,
        responses={200: FeedbackSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["peer review"],
        description="Report a review of your work as inappropriate; an instructor looks "
        "at it. Once per review.",
    )
    def post(self, request: Request, review_id: uuid.UUID) -> Response:
        review = selectors.received_review_get(review_id=review_id, user=request.user)
        data = FlagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_flag(
            review=review, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(FeedbackSerializer(review).data)


class RegradeRequestApi(ApiView):
    @extend_schema(
        request=RegradeInputSerializer,
        responses={201: RegradeSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        tags=["peer review"],
        description="Ask once, after the grade is released, for it to be looked at again.",
    )
    def post(self, request: Request, submission_id: int) -> Response:
        # Whose submission it is, before what they send: a stranger hears 404 whatever
        # the body (the service reads the row again under its lock).
        submission = selectors.own_submission_get(submission_id=submission_id, user=request.user)
        data = RegradeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        regrade = services.regrade_request(
            submission=submission,
            by=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(RegradeSerializer(regrade).data, status=status.HTTP_201_CREATED)
