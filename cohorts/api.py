"""REST API for the catalogue, cohorts, enrolment, curriculum and progress.

One view per action with explicit output serializers; writes go through services and
their DomainErrors become ``{"detail", "code"}`` responses (lms.api.exception_handler).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from cohorts import selectors, services
from cohorts.models import Enrolment, EnrolmentStatus
from cohorts.seats import enrolment_start, seat_policy
from lms.api import ERROR, LOCKED, ApiView
from lms.errors import NotFound
from lms.links import base_url

# --- Serializers ------------------------------------------------------------------------


class CohortSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="cohort.pk")
    name = serializers.CharField(source="cohort.name")
    course_id = serializers.IntegerField(source="cohort.course_id")
    course_title = serializers.CharField(source="cohort.course.title")
    starts_on = serializers.DateField(source="cohort.starts_on")
    ends_on = serializers.DateField(source="cohort.ends_on")
    timezone = serializers.CharField(source="cohort.timezone")
    enrolment_opens_at = serializers.DateTimeField(source="cohort.enrolment_opens_at")
    enrolment_closes_at = serializers.DateTimeField(source="cohort.enrolment_closes_at")
    capacity = serializers.IntegerField(source="cohort.capacity")
    seats_left = serializers.IntegerField()
    waitlist_length = serializers.IntegerField()
    cancelled = serializers.BooleanField(source="cohort.is_cancelled")
    window = serializers.ChoiceField(choices=["upcoming", "open", "closed"])
    phase = serializers.ChoiceField(choices=["upcoming", "running", "ended"])
    my_status = serializers.ChoiceField(
        choices=EnrolmentStatus.choices,
        allow_null=True,
        help_text="Your own enrolment status in this cohort, if any.",
    )


class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="course.pk")
    title = serializers.CharField(source="course.title")
    summary = serializers.CharField(source="course.summary")
    url = serializers.CharField(source="course.url")
    cohorts = CohortSerializer(many=True)


class EnrolmentSerializer(serializers.ModelSerializer):
    cohort_id = serializers.IntegerField()
    waitlist_position = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = ["id", "cohort_id", "status", "waitlist_position", "activated_at", "created_at"]

    def get_waitlist_position(self, obj: Enrolment) -> int | None:
        return selectors.waitlist_position(enrolment=obj)


class LessonSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lesson.pk")
    title = serializers.CharField(source="lesson.title")
    estimated_minutes = serializers.IntegerField(source="lesson.estimated_minutes", allow_null=True)
    completed = serializers.BooleanField()


class ModuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="slot.module.pk")
    title = serializers.CharField(source="slot.module.title")
    summary = serializers.CharField(source="slot.module.summary")
    week = serializers.IntegerField(source="slot.week", allow_null=True)
    unlocks_at = serializers.DateTimeField(source="slot.unlocks_at")
    locked = serializers.SerializerMethodField()
    lessons_total = serializers.IntegerField(source="total")
    lessons_completed = serializers.IntegerField(source="completed")

    def get_locked(self, obj) -> bool:
        return not obj.slot.is_unlocked


class ModuleDetailSerializer(ModuleSerializer):
    lessons = LessonSummarySerializer(
        many=True, help_text="Empty while the module is locked for you."
    )


class ProgressSerializer(serializers.Serializer):
    cohort_id = serializers.IntegerField(source="cohort.pk")
    role = serializers.CharField(source="access.role")
    phase = serializers.CharField()
    current_week = serializers.IntegerField()
    term_weeks = serializers.IntegerField()
    lessons_total = serializers.IntegerField()
    lessons_completed = serializers.IntegerField()
    percent = serializers.IntegerField()
    next_unlock_at = serializers.SerializerMethodField()
    instructors = serializers.SerializerMethodField()
    modules = ModuleSerializer(many=True)

    @extend_schema_field(
        serializers.DateTimeField(allow_null=True, help_text="Null once every module is open.")
    )
    def get_next_unlock_at(self, obj):
        nxt = obj.next_unlock
        return serializers.DateTimeField().to_representation(nxt.slot.unlocks_at) if nxt else None

    def get_instructors(self, obj) -> list[str]:
        return [u.get_display_name() for u in obj.instructors]


class LessonDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lesson.pk")
    title = serializers.CharField(source="lesson.title")
    module_id = serializers.IntegerField(source="slot.module.pk")
    estimated_minutes = serializers.IntegerField(source="lesson.estimated_minutes", allow_null=True)
    completed = serializers.BooleanField()
    body = serializers.SerializerMethodField(help_text="StreamField blocks as JSON.")
    body_html = serializers.SerializerMethodField()

    def get_body(self, obj) -> list[dict]:
        body = obj.lesson.body
        return body.stream_block.get_api_representation(body, context=self.context)

    def get_body_html(self, obj) -> str:
        return str(obj.lesson.body.render_as_block())


class RosterEntrySerializer(serializers.Serializer):
    enrolment_id = serializers.IntegerField(source="pk")
    user_id = serializers.IntegerField()
    name = serializers.CharField(source="user.get_display_name")
    email = serializers.EmailField(source="user.email")
    status = serializers.CharField()
    lessons_completed = serializers.IntegerField(source="lessons_done")
    behind = serializers.SerializerMethodField()
    last_activity = serializers.DateTimeField(allow_null=True)

    def get_behind(self, obj) -> bool:
        return obj.is_behind


class CompletionInputSerializer(serializers.Serializer):
    completed = serializers.BooleanField()


# --- Views ------------------------------------------------------------------------------


_COURSE_ID = gettext_lazy("Give a course id (a number).")
_PAGE = gettext_lazy("Give a page number from 1.")


class CohortListQuerySerializer(serializers.Serializer):
    course = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Only this course's cohorts.",
        error_messages={"invalid": _COURSE_ID, "min_value": _COURSE_ID},
    )


class RosterQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(
        min_value=1,
        default=1,
        help_text="From 1.",
        error_messages={"invalid": _PAGE, "min_value": _PAGE},
    )
    behind = serializers.BooleanField(default=False, help_text="Only students who are behind.")


class CourseListApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CourseSerializer(many=True)}, tags=["catalogue"])
    def get(self, request: Request) -> Response:
        listings = selectors.catalogue_list(user=request.user)
        return Response(CourseSerializer(listings, many=True).data)


class CohortListApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CohortListQuerySerializer],
        responses={200: CohortSerializer(many=True), 400: ERROR},
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        params = CohortListQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        listings = selectors.cohort_list(user=request.user)
        course = params.validated_data.get("course")
        if course is not None:
            listings = [x for x in listings if x.cohort.course_id == course]
        return Response(CohortSerializer(listings, many=True).data)


class CohortDetailApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CohortSerializer, 404: ERROR}, tags=["catalogue"])
    def get(self, request: Request, cohort_id: int) -> Response:
        listing = selectors.cohort_listing_get(cohort_id=cohort_id, user=request.user)
        return Response(CohortSerializer(listing).data)


class EnrolRequestSerializer(serializers.Serializer):
    coupon = serializers.CharField(required=False, allow_blank=True, max_length=40)
    instalments = serializers.IntegerField(required=False, min_value=1, max_value=12, default=1)


class OrderSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    provider = serializers.CharField()
    currency = serializers.CharField()
    total_amount = serializers.IntegerField(help_text="In cents.")
    instalments = serializers.IntegerField()
    hold_expires_at = serializers.DateTimeField(allow_null=True)
    checkout_url = serializers.CharField(
        allow_blank=True, help_text="Stripe Checkout, where the student pays; empty otherwise."
    )


class PaidEnrolmentSerializer(EnrolmentSerializer):
    order = serializers.SerializerMethodField()

    class Meta(EnrolmentSerializer.Meta):
        fields = [*EnrolmentSerializer.Meta.fields, "order"]

    @extend_schema_field(OrderSummarySerializer(allow_null=True))
    def get_order(self, obj: Enrolment) -> dict | None:
        order = self.context.get("order")
        return OrderSummarySerializer(order).data if order is not None else None


class CohortEnrolApi(ApiView):
    # Codes that do not work are counted by the seat policy (payments): past its limit,
    # 429 with Retry-After.
    def get_throttles(self):
        return seat_policy().api_throttles()

    def throttled(self, request, wait):
        refusal = seat_policy().api_throttled(wait=wait)
        if refusal is not None:
            raise refusal
        super().throttled(request, wait)

    def handle_exception(self, exc):
        seat_policy().api_failed(request=self.request, error=exc)
        return super().handle_exception(exc)

    @extend_schema(
        request=EnrolRequestSerializer,
        responses={201: PaidEnrolmentSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        tags=["enrolment"],
        description=(
            "Take a seat, or a place on the waitlist when the cohort is full. In a paid "
            "cohort the seat is held (status pending_payment) and `order` says how to pay: "
            "`checkout_url` for Stripe, or the invoice. A 100% code enrols at once."
        ),
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = selectors.cohort_get(cohort_id=cohort_id)
        data = EnrolRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # When the payment service is down the seat stays held and `order` has no
        # checkout_url: POST /payments/orders/{id}/checkout/ tries again.
        start = enrolment_start(
            cohort=cohort,
            user=request.user,
            coupon_code=data.validated_data.get("coupon", ""),
            instalments=data.validated_data["instalments"],
            base_url=base_url(request),
        )
        return Response(
            PaidEnrolmentSerializer(start.enrolment, context={"order": start.order}).data,
            status=status.HTTP_201_CREATED,
        )


class CohortLeaveApi(ApiView):
    @extend_schema(
        request=None,
        responses={200: EnrolmentSerializer, 404: ERROR, 409: ERROR},
        tags=["enrolment"],
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        enrolment = selectors.my_enrolment_get(user=request.user, cohort_id=cohort_id)
        enrolment = services.enrolment_leave(enrolment=enrolment, by=request.user)
        return Response(EnrolmentSerializer(enrolment).data)


class MyEnrolmentApi(ApiView):
    @extend_schema(
        responses={200: EnrolmentSerializer, 404: ERROR},
        tags=["enrolment"],
        description="Your enrolment in this cohort, with your waitlist position if any.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        return Response(
            EnrolmentSerializer(
                selectors.my_enrolment_get(user=request.user, cohort_id=cohort_id)
            ).data
        )


class CohortProgressApi(ApiView):
    @extend_schema(responses={200: ProgressSerializer, 403: ERROR, 404: ERROR}, tags=["learning"])
    def get(self, request: Request, cohort_id: int) -> Response:
        board = selectors.dashboard_get(cohort_id=cohort_id, user=request.user)
        return Response(ProgressSerializer(board).data)


class CohortModulesApi(ApiView):
    @extend_schema(responses={200: ModuleSerializer(many=True), 404: ERROR}, tags=["learning"])
    def get(self, request: Request, cohort_id: int) -> Response:
        board = selectors.dashboard_get(cohort_id=cohort_id, user=request.user)
        return Response(ModuleSerializer(board.modules, many=True).data)


class ModuleDetailApi(ApiView):
    @extend_schema(responses={200: ModuleDetailSerializer, 404: ERROR}, tags=["learning"])
    def get(self, request: Request, cohort_id: int, module_id: int) -> Response:
        view = selectors.module_view_get(
            cohort_id=cohort_id, module_id=module_id, user=request.user
        )
        return Response(ModuleDetailSerializer(view.progress).data)


class LessonDetailApi(ApiView):
    @extend_schema(
        responses={200: LessonDetailSerializer, 403: LOCKED, 404: ERROR},
        tags=["learning"],
        description="A lesson's content. While its module is locked: 403 with code "
        "`module_locked` and the unlock moment in `unlocks_at`.",
    )
    def get(self, request: Request, cohort_id: int, lesson_id: int) -> Response:
        view = selectors.lesson_view_get(
            cohort_id=cohort_id, lesson_id=lesson_id, user=request.user
        )
        if not view.readable:
            return Response(
                {
                    "detail": _("This lesson's module is still locked."),
                    "code": "module_locked",
                    "unlocks_at": serializers.DateTimeField().to_representation(
                        view.slot.unlocks_at
                    ),
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        return Response(LessonDetailSerializer(view, context={"request": request}).data)


class LessonCompletionApi(ApiView):
    @extend_schema(
        request=CompletionInputSerializer,
        responses={200: CompletionInputSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["learning"],
        description='Mark a lesson complete (`{"completed": true}`) or not.',
    )
    def put(self, request: Request, cohort_id: int, lesson_id: int) -> Response:
        view = selectors.lesson_view_get(
            cohort_id=cohort_id, lesson_id=lesson_id, user=request.user
        )
        if view.access.enrolment is None:
            raise NotFound(_("Only students of this cohort record progress."), code="not_enrolled")
        data = CompletionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["completed"]:
            services.lesson_mark_complete(enrolment=view.access.enrolment, lesson=view.lesson)
        else:
            services.lesson_mark_incomplete(enrolment=view.access.enrolment, lesson=view.lesson)
        return Response({"completed": data.validated_data["completed"]})


class RosterApi(ApiView):
    @extend_schema(
        parameters=[RosterQuerySerializer],
        responses={
            200: inline_serializer(
                "Roster",
                {
                    "count": serializers.IntegerField(),
                    "page": serializers.IntegerField(),
                    "pages": serializers.IntegerField(),
                    "lessons_total": serializers.IntegerField(),
                    "lessons_due": serializers.IntegerField(),
                    "behind_count": serializers.IntegerField(),
                    "results": RosterEntrySerializer(many=True),
                },
            ),
            403: ERROR,
            404: ERROR,
        },
        tags=["instructors"],
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        params = RosterQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        roster = selectors.roster_get(
            cohort_id=cohort_id,
            user=request.user,
            page=params.validated_data["page"],
            behind_only=params.validated_data["behind"],
        )
        entries = RosterEntrySerializer(roster.page.object_list, many=True).data
        return Response(
            {
                "count": roster.page.paginator.count,
                "page": roster.page.number,
                "pages": roster.page.paginator.num_pages,
                "lessons_total": roster.lessons_total,
                "lessons_due": roster.lessons_due,
                "behind_count": roster.behind_count,
                "results": entries,
            }
        )


class MyEnrolmentsApi(ApiView):
    @extend_schema(responses={200: EnrolmentSerializer(many=True)}, tags=["enrolment"])
    def get(self, request: Request) -> Response:
        enrolments = selectors.my_enrolments(user=request.user)
        return Response(EnrolmentSerializer(enrolments, many=True).data)
