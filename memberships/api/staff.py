"""For staff who manage memberships: the revenue figures and the members."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api import ERROR, ApiView
from memberships import selectors
from memberships.api import serializers as s

TAGS = ["memberships (staff)"]


class CanManageMemberships(BasePermission):
    """Signed in with the memberships.manage_memberships permission (``is_staff`` is not
    enough); everyone else is refused before anything is looked up."""

    message = _("Only staff who manage memberships may do this.")

    def has_permission(self, request, view) -> bool:
        return selectors.user_can_manage_memberships(request.user)


class RevenueApi(ApiView):
    permission_classes = [CanManageMemberships]

    @extend_schema(
        parameters=[s.RevenueQuerySerializer],
        responses={200: s.RevenueSerializer, 400: ERROR, 403: ERROR},
        tags=TAGS,
        description="Per month, from the ledger of changes: MRR per currency and paying "
        "members at the month's end, changes per kind, churn (voluntary, failed "
        "payment) and trial conversion; and the members of each tier now.",
    )
    def get(self, request: Request) -> Response:
        params = s.RevenueQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        revenue = selectors.revenue_get(months=params.validated_data["months"])
        return Response(s.RevenueSerializer(revenue).data)


class MembersApi(ApiView):
    permission_classes = [CanManageMemberships]

    @extend_schema(
        parameters=[s.MembersQuerySerializer],
        responses={200: s.MemberPageSerializer, 400: ERROR, 403: ERROR},
        tags=TAGS,
        description="Memberships, newest first, ended ones included, by tier, status and "
        "part of the member's email address or name.",
    )
    def get(self, request: Request) -> Response:
        params = s.MembersQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        tier = params.validated_data["tier"]
        page = selectors.members_page(
            tier_id=tier.pk if tier is not None else None,
            status=params.validated_data["status"],
            query=params.validated_data["q"],
            page=params.validated_data["page"],
            per_page=params.validated_data["per_page"],
        )
        return Response(s.MemberPageSerializer(page).data)
