"""API views for instructors: the grading queue, grades, regrade answers, the overview."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from cohorts.selectors import cohort_get, taught_cohorts, user_can_view_all_rosters
from lms.api import ERROR, ApiView
from lms.errors import NotAllowed
from reviews import selectors, services
from reviews.api.serializers import (
    AssignmentProgressSerializer,
    GradeInputSerializer,
    GradingViewSerializer,
    QueueItemSerializer,
    QueuePageSerializer,
    QueueQuerySerializer,
    RegradeAnswerInputSerializer,
    RegradeSerializer,
    StaffGradeSerializer,
)
from reviews.models import QueueItem


def _require_some_teaching(user) -> None:
    """For actions addressed by a bare id, whose service checks the cohort itself: turn
    away at once whoever teaches no cohort at all."""
    if not (user_can_view_all_rosters(user) or taught_cohorts(user=user)):
        raise NotAllowed(_("Only a cohort's instructors do this."), code="not_instructor")


class QueueApi(ApiView):
    @extend_schema(
        parameters=[QueueQuerySerializer],
        responses={200: QueuePageSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
        tags=["instructors"],
        description="Submissions waiting for an instructor, longest waiting first.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        params = QueueQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        queue = selectors.queue_get(cohort_id=cohort_id, user=request.user, **params.validated_data)
        oldest = queue.oldest_wait
        body = {
            "count": queue.total,
            "page": queue.page.number,
            "pages": queue.page.paginator.num_pages,
            "oldest_wait_seconds": int(oldest.total_seconds()) if oldest is not None else None,
            "mine": queue.mine,
            "results": queue.entries,
        }
        return Response(QueuePageSerializer(body, context={"now": queue.now}).data)


class QueueClaimNextApi(ApiView):
    @extend_schema(
        request=None,
        responses={
            200: QueueItemSerializer,
            204: None,
            403: ERROR,
            404: ERROR,
        },
        tags=["instructors"],
        description="Grade next: lease the longest-waiting item to you (or get back the one "
        "you hold). Two instructors never get the same item. 204 when nothing waits.",
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = cohort_get(cohort_id=cohort_id)
        item = services.queue_claim_next(cohort=cohort, by=request.user)
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(QueueItemSerializer(item).data)


class QueueReleaseApi(ApiView):
    @extend_schema(
        request=None,
        responses={200: QueueItemSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["instructors"],
        description="Give an item you hold back to the queue without grading it.",
    )
    def post(self, request: Request, item_id: int) -> Response:
        # Only instructors ever hold an item: anyone else hears that, not "you do not
        # hold this item".
        _require_some_teaching(request.user)
        item = services.queue_item_release(item=QueueItem(pk=item_id), by=request.user)
        return Response(QueueItemSerializer(item).data)


class GradeApi(ApiView):
    @extend_schema(
        responses={200: GradingViewSerializer, 403: ERROR, 404: ERROR},
        tags=["instructors"],
        description="Everything needed to grade a submission: the work, every review with "
        "its reviewer, the queue item, the grade and any regrade request.",
    )
    def get(self, request: Request, cohort_id: int, submission_id: int) -> Response:
        view = selectors.grading_view_get(
            cohort_id=cohort_id, submission_id=submission_id, user=request.user
        )
        context = {"request": request, "cohort_id": view.cohort.pk}
        return Response(GradingViewSerializer(view, context=context).data)

    @extend_schema(
        request=GradeInputSerializer,
        responses={200: StaffGradeSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["instructors"],
        description="Grade against the current rubric, overriding any peer result. While "
        "another instructor holds the submission's queue item: 409 `leased_by_other`.",
    )
    def post(self, request: Request, cohort_id: int, submission_id: int) -> Response:
        view = selectors.grading_view_get(
            cohort_id=cohort_id, submission_id=submission_id, user=request.user
        )
        data = GradeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grade = services.submission_grade(
            submission=view.submission, by=request.user, **data.validated_data
        )
        return Response(StaffGradeSerializer(grade).data)


class RegradeAnswerApi(ApiView):
    @extend_schema(
        request=RegradeAnswerInputSerializer,
        responses={200: RegradeSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["instructors"],
        description="Answer a regrade request: keep the grade, or change it with `scores`.",
    )
    def post(self, request: Request, regrade_id: int) -> Response:
        _require_some_teaching(request.user)
        # The cohort's instructors only, before what they send; the service reads the
        # request again under its lock.
        regrade = selectors.regrade_for_instructor(regrade_id=regrade_id, user=request.user)
        data = RegradeAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        regrade = services.regrade_answer(regrade=regrade, by=request.user, **data.validated_data)
        return Response(RegradeSerializer(regrade).data)


class AssignmentsOverviewApi(ApiView):
    @extend_schema(
        responses={200: AssignmentProgressSerializer(many=True), 403: ERROR, 404: ERROR},
        tags=["instructors"],
        description="Per assignment: who has not handed in, who owes reviews, what waits "
        "in the queue and for how long.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        overview = selectors.assignments_overview(cohort_id=cohort_id, user=request.user)
        return Response(AssignmentProgressSerializer(overview, many=True).data)
