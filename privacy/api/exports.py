"""The privacy API: exports. A member asks for a copy of their data, follows their
requests and downloads a ready one; nobody else sees or downloads it."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from assignments.downloads import file_response
from lms.api import BINARY, ERROR, ApiView, DownloadApiView
from lms.links import absolute_url
from privacy.models.exports import ExportRequest, ExportStatus
from privacy.services import exports as services

TAGS = ["privacy"]
# Requests listed per call: a member asks a few times a year at most.
LIST_LIMIT = 50


class ExportSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    status = serializers.ChoiceField(choices=ExportStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="The download works until this moment."
    )
    size = serializers.IntegerField(help_text="Bytes of the zip; 0 until it is ready.")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Records per kind of data in the zip."
    )
    asked_by_staff = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="Null unless ready and not expired; it needs your sign-in."
    )

    def get_asked_by_staff(self, obj: ExportRequest) -> bool:
        return obj.requested_by_id is not None and obj.requested_by_id != obj.user_id

    def get_download_url(self, obj: ExportRequest) -> str | None:
        if not obj.downloadable(timezone.now()):
            return None
        url = reverse("api-privacy-export-download", args=[obj.public_id])
        return absolute_url(url, self.context.get("request"))


class ExportsApi(ApiView):
    @extend_schema(
        responses={200: ExportSerializer(many=True)},
        tags=TAGS,
        description="Your own requests for a copy of your data, newest first.",
    )
    def get(self, request: Request) -> Response:
        rows = services.exports_of(user=request.user)[:LIST_LIMIT]
        return Response(ExportSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={201: ExportSerializer, 409: ERROR},
        tags=TAGS,
        description="Ask for a copy of all your data. It is prepared in the background and "
        "you get an email with the link; 409 `export_open` while one is being prepared.",
    )
    def post(self, request: Request) -> Response:
        export = services.export_request(user=request.user, by=request.user)
        return Response(
            ExportSerializer(export, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ExportDownloadApi(DownloadApiView):
    @extend_schema(
        responses={**BINARY, 410: ERROR},
        tags=TAGS,
        description="Your ready export as a zip. Someone else's is not found (404); past "
        "its expiry it answers 410 `export_expired`: ask for a new one.",
    )
    def get(self, request: Request, export_id) -> Response:
        export = services.export_for_download(user=request.user, public_id=export_id)
        filename = f"my-data-{timezone.localdate(export.finished_at).isoformat()}.zip"
        return file_response(export.file, filename, typed=False)


urlpatterns: list = [
    path("exports/", ExportsApi.as_view(), name="api-privacy-exports"),
    path(
        "exports/<uuid:export_id>/download/",
        ExportDownloadApi.as_view(),
        name="api-privacy-export-download",
    ),
]
