"""The privacy API: erasures. One's own only: ask to be erased, see the request, cancel
it during the cool-off."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api import ERROR, ApiView
from lms.errors import ValidationFailed
from privacy.services import erasures as services

TAGS = ["privacy"]


class ErasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="requested, running, failed, done or cancelled")
    created_at = serializers.DateTimeField()
    runs_after = serializers.DateTimeField(help_text="When it runs; cancel before then.")
    cancellable = serializers.SerializerMethodField()

    def get_cancellable(self, obj) -> bool:
        return obj.status == "requested"


class ErasureStateSerializer(serializers.Serializer):
    request = ErasureSerializer(allow_null=True, help_text="Your open request; null: none.")
    refusal = serializers.CharField(
        allow_null=True, help_text="Why you cannot ask now, and what to do; null: you can."
    )
    cool_off_days = serializers.IntegerField()


class ErasureAskSerializer(serializers.Serializer):
    confirm = serializers.CharField(help_text="Your username, to confirm.", max_length=150)


def _state(user) -> dict:
    return {
        "request": services.open_erasure_get(user=user),
        "refusal": services.erasure_refusal(user),
        "cool_off_days": services.cool_off_days(),
    }


class ErasureApi(ApiView):
    @extend_schema(
        responses={200: ErasureStateSerializer},
        tags=TAGS,
        description="Your open erasure request (null: none), whether you may ask, and the "
        "cool-off in days.",
    )
    def get(self, request: Request) -> Response:
        return Response(ErasureStateSerializer(_state(request.user)).data)

    @extend_schema(
        request=ErasureAskSerializer,
        responses={201: ErasureSerializer, 400: ERROR, 409: ERROR},
        tags=TAGS,
        description="Ask to erase your account. It runs after the cool-off; until then "
        "you can cancel it. 409 `erasure_open` when one is asked for already, "
        "`erasure_refused` when you cannot be erased now (the detail says why).",
    )
    def post(self, request: Request) -> Response:
        data = ErasureAskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["confirm"].strip() != request.user.username:
            raise ValidationFailed(_("That is not your username."), field="confirm")
        asked = services.erasure_request(user=request.user, by=request.user)
        return Response(ErasureSerializer(asked).data, status=status.HTTP_201_CREATED)


class ErasureCancelApi(ApiView):
    @extend_schema(
        request=None,
        responses={200: ErasureSerializer, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="Cancel your erasure request during its cool-off. 404 when there is "
        "none, 409 `erasure_started` once it runs.",
    )
    def post(self, request: Request) -> Response:
        cancelled = services.erasure_cancel(user=request.user, by=request.user)
        return Response(ErasureSerializer(cancelled).data)


urlpatterns: list = [
    path("erasure/", ErasureApi.as_view(), name="api-privacy-erasure"),
    path("erasure/cancel/", ErasureCancelApi.as_view(), name="api-privacy-erasure-cancel"),
]
