"""REST API for badges: a cohort's badge classes with the student's progress, my
awards and their visibility, and the instructors' awards (award, list, revoke).

The Open Badges documents themselves are public and live outside /api/v1/ (badges.urls).
Writes go through badges.services; their DomainErrors become ``{"detail", "code"}``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from badges import openbadges, selectors, services
from badges.models import Award
from lms.api import ERROR, MAX_ID, ApiView
from lms.errors import NotFound, ValidationFailed
from lms.models import User

_NOTE = gettext_lazy("Add a note: say what the student did to earn this badge.")
_REVOKE_REASON = gettext_lazy(
    "Give the reason for revoking; it is published with the revoked badge."
)


class BadgeProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class BadgeClassSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    description = serializers.CharField()
    criteria = serializers.CharField(source="criteria_narrative")
    rule_kind = serializers.CharField()
    awarded_by_instructor = serializers.BooleanField(source="is_manual")
    image_url = serializers.SerializerMethodField()
    openbadges_url = serializers.SerializerMethodField()

    def get_image_url(self, badge) -> str:
        return openbadges.badge_image_url(badge)

    def get_openbadges_url(self, badge) -> str:
        return openbadges.badge_class_url(badge)


class BadgeAwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    badge = BadgeClassSerializer(source="badge_class")
    cohort_id = serializers.IntegerField()
    recipient_id = serializers.IntegerField()
    recipient_name = serializers.CharField(source="recipient.get_display_name")
    awarded_at = serializers.DateTimeField()
    awarded_by_instructor = serializers.SerializerMethodField()
    note = serializers.CharField()
    is_public = serializers.BooleanField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revocation_reason = serializers.CharField()
    page_url = serializers.SerializerMethodField()
    assertion_url = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()

    def get_awarded_by_instructor(self, award) -> bool:
        return award.awarded_by_id is not None

    def get_page_url(self, award) -> str:
        return openbadges.award_page_url(award)

    def get_assertion_url(self, award) -> str:
        return openbadges.assertion_url(award)

    def get_image_url(self, award) -> str:
        return openbadges.baked_image_url(award)


class CohortBadgeSerializer(serializers.Serializer):
    badge = BadgeClassSerializer()
    earned = serializers.BooleanField()
    award_uuid = serializers.UUIDField(source="award.uuid", allow_null=True, default=None)
    progress = BadgeProgressSerializer(allow_null=True)


class AwardInputSerializer(serializers.Serializer):
    badge = serializers.UUIDField(help_text="The badge class id (its uuid).")
    recipient = serializers.IntegerField(min_value=1, help_text="The student's user id.")
    # Blank text is refused here with the service's message: the schema says minLength 1.
    note = serializers.CharField(
        max_length=2000,
        help_text="What they did to earn it.",
        error_messages={"blank": _NOTE},
    )


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000,
        help_text="Published with the revoked badge.",
        error_messages={"blank": _REVOKE_REASON},
    )


class VisibilityInputSerializer(serializers.Serializer):
    is_public = serializers.BooleanField()


class CohortBadgesApi(ApiView):
    @extend_schema(
        responses={200: CohortBadgeSerializer(many=True), 404: ERROR},
        tags=["badges"],
        description="The published badges of a cohort I study in: earned or not, and my "
        "progress towards those earned by a rule.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        block = next(
            (b for b in selectors.my_badges(user=request.user) if b.cohort.pk == cohort_id), None
        )
        if block is None:
            raise NotFound(_("You are not a student of a cohort with that id."))
        return Response(CohortBadgeSerializer(block.earned + block.to_earn, many=True).data)


class MyAwardsApi(ApiView):
    @extend_schema(
        responses={200: BadgeAwardSerializer(many=True)},
        tags=["badges"],
        description="Every badge I hold (revoked ones not included).",
    )
    def get(self, request: Request) -> Response:
        awards = (
            Award.objects.filter(recipient=request.user, revoked_at__isnull=True)
            .select_related("badge_class", "recipient")
            .order_by("-awarded_at", "-pk")
        )
        return Response(BadgeAwardSerializer(awards, many=True).data)


class MyAwardApi(ApiView):
    @extend_schema(
        request=VisibilityInputSerializer,
        responses={200: BadgeAwardSerializer, 400: ERROR, 404: ERROR},
        tags=["badges"],
        description="Make one of my badges public or private. A private badge's page, "
        "assertion and image answer 404 to everyone else.",
    )
    def patch(self, request: Request, award_uuid) -> Response:
        award = selectors.award_get_visible(award_uuid=award_uuid, user=request.user)
        # A PATCH changes what it names: without `is_public` the award stays as it is.
        data = VisibilityInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "is_public" in data.validated_data:
            award = services.award_set_public(
                award=award, by=request.user, public=data.validated_data["is_public"]
            )
        award = Award.objects.select_related("badge_class", "recipient").get(pk=award.pk)
        return Response(BadgeAwardSerializer(award).data)


class CohortAwardsApi(ApiView):
    @extend_schema(
        responses={200: BadgeAwardSerializer(many=True), 404: ERROR},
        tags=["badges"],
        description="Instructors: every award of the cohort, revoked ones included.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        board = selectors.cohort_badge_board(cohort_id=cohort_id, user=request.user)
        return Response(BadgeAwardSerializer(board.awards, many=True).data)

    @extend_schema(
        request=AwardInputSerializer,
        responses={201: BadgeAwardSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["badges"],
        description="Instructors: award a badge that is given by hand to a student of "
        "the cohort, with a note. The student is emailed. 409 if they hold it already.",
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        board = selectors.cohort_badge_board(cohort_id=cohort_id, user=request.user)
        data = AwardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        badge = next((b for b in board.badges if b.uuid == data.validated_data["badge"]), None)
        if badge is None:
            raise NotFound(_("This cohort's course has no published badge with that id."))
        recipient_id = data.validated_data["recipient"]
        recipient = User.objects.filter(pk=recipient_id).first() if recipient_id <= MAX_ID else None
        if recipient is None:
            raise ValidationFailed(
                _("There is no student with that id in this cohort."),
                code="not_enrolled",
                field="recipient",
            )
        award = services.award_grant(
            badge_class=badge,
            recipient=recipient,
            cohort=board.cohort,
            by=request.user,
            note=data.validated_data["note"],
        )
        return Response(BadgeAwardSerializer(award).data, status=status.HTTP_201_CREATED)


class AwardRevokeApi(ApiView):
    @extend_schema(
        request=RevokeInputSerializer,
        responses={200: BadgeAwardSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        tags=["badges"],
        description="Instructors: revoke an award with a reason (required). Its "
        "assertion then answers 410 Gone with the reason.",
    )
    def post(self, request: Request, award_id: int) -> Response:
        award = selectors.award_get_for_staff(award_id=award_id, user=request.user)
        data = RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        award = services.award_revoke(
            award=award, by=request.user, reason=data.validated_data["reason"]
        )
        award = Award.objects.select_related("badge_class", "recipient").get(pk=award.pk)
        return Response(BadgeAwardSerializer(award).data)
