"""The assignment as its student sees it in the API, with the feedback received, the
grade and the reviews owed for it. Served here, above assignments, because it reads
reviews; its address and name (api-assignment) are the ones it always had."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from wagtail.rich_text import expand_db_html

from assignments.api import AssignmentSerializer, MySubmissionSerializer
from assignments.services import rubric_criteria
from lms.api import ERROR, LOCKED, ApiView
from reviews import selectors
from reviews.api.serializers import (
    GradeSerializer,
    RegradeSerializer,
    RubricCriterionSerializer,
    ScoreSerializer,
)
from reviews.models import ReviewKind, ReviewStatus


class ReceivedReviewSerializer(serializers.Serializer):
    """A peer review of my work: numbered, never named."""

    id = serializers.UUIDField(
        source="review.public_id",
        help_text="The review's opaque id, for rating or flagging it "
        "(/api/v1/feedback/{id}/rating/).",
    )
    label = serializers.CharField(help_text='"Reviewer 1", "Reviewer 2", …')
    submitted_at = serializers.DateTimeField(source="review.submitted_at")
    points = serializers.IntegerField(source="review.points")
    max_points = serializers.IntegerField(source="review.rubric.max_points")
    scores = serializers.DictField(child=ScoreSerializer(), source="review.scores")
    comment = serializers.CharField(source="review.comment")
    helpfulness = serializers.IntegerField(source="review.helpfulness", allow_null=True)
    flagged = serializers.SerializerMethodField()

    def get_flagged(self, obj) -> bool:
        return obj.review.flagged_at is not None


class SelfReviewSerializer(serializers.Serializer):
    submitted_at = serializers.DateTimeField()
    points = serializers.IntegerField()
    max_points = serializers.IntegerField(source="rubric.max_points")
    scores = serializers.DictField(child=ScoreSerializer())
    comment = serializers.CharField()


class ReviewTaskSerializer(serializers.Serializer):
    """A review I am to give: nothing about whose work it is."""

    id = serializers.UUIDField(
        source="public_id", help_text="The review's opaque id, as in /api/v1/reviews/{id}/."
    )
    kind = serializers.ChoiceField(choices=ReviewKind.choices)
    review_status = serializers.ChoiceField(source="status", choices=ReviewStatus.choices)
    due_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class AssignmentDetailSerializer(AssignmentSerializer):
    """Reads reviews.selectors.AssignmentView."""

    instructions_html = serializers.SerializerMethodField()
    rubric = serializers.SerializerMethodField()
    can_submit = serializers.BooleanField()
    is_late_now = serializers.BooleanField(help_text="A hand-in now would be late.")
    late_penalty_now = serializers.IntegerField(
        help_text="The penalty (%) a first hand-in now would carry."
    )
    submission = MySubmissionSerializer(allow_null=True)
    received_reviews = ReceivedReviewSerializer(source="received", many=True)
    self_review = SelfReviewSerializer(allow_null=True)
    grade = GradeSerializer(allow_null=True, help_text="Only once released.")
    regrade = RegradeSerializer(allow_null=True)
    can_request_regrade = serializers.BooleanField()
    reviews_to_give = ReviewTaskSerializer(source="to_give", many=True)
    self_review_to_write = serializers.SerializerMethodField()

    def get_instructions_html(self, obj) -> str:
        return expand_db_html(obj.slot.assignment.instructions)

    @extend_schema_field(RubricCriterionSerializer(many=True))
    def get_rubric(self, obj) -> list[dict]:
        return rubric_criteria(assignment=obj.slot.assignment)

    @extend_schema_field(ReviewTaskSerializer(allow_null=True))
    def get_self_review_to_write(self, obj) -> dict | None:
        review = self.context["self_review_open"]
        return ReviewTaskSerializer(review).data if review is not None else None


class AssignmentDetailApi(ApiView):
    @extend_schema(
        responses={200: AssignmentDetailSerializer, 403: LOCKED, 404: ERROR},
        tags=["assignments"],
        description="An assignment as you see it: instructions, rubric, your versions, the "
        "peer reviews you received (as “Reviewer N”), your grade once released and the "
        "reviews you owe for it. While its module is locked: 403 with code "
        "`module_locked` and the unlock moment in `unlocks_at`.",
    )
    def get(self, request: Request, cohort_id: int, assignment_id: int) -> Response:
        view = selectors.assignment_view_get(
            cohort_id=cohort_id, assignment_id=assignment_id, user=request.user
        )
        if not view.readable:
            return Response(
                {
                    "detail": _("This assignment's module is still locked."),
                    "code": "module_locked",
                    "unlocks_at": serializers.DateTimeField().to_representation(
                        view.slot.module.unlocks_at
                    ),
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        context = {
            "request": request,
            "cohort_id": view.cohort.pk,
            "self_review_open": selectors.self_review_open(submission=view.submission),
        }
        return Response(AssignmentDetailSerializer(view, context=context).data)
