"""API primitives shared by every app: the error shape and the exception handler."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from lms import parsers, services
from lms.converters import MAX_ID
from lms.errors import DomainError, NotFound
from lms.middleware import activate_user_preferences


def public_endpoints_only(endpoints):
    return [e for e in endpoints if e[0].startswith("/api/v1/")]


def exception_handler(exc, context):
    """Every API error is ``{"detail": ..., "code": ...}`` with a 4xx status; field
    errors add ``"errors": {field: [messages]}``."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first = next(iter(errors.values()), [""])
        first_message = first[0] if isinstance(first, list) and first else first
        response.data = {
            "detail": _("The request is not valid: %(problem)s") % {"problem": first_message}
            if first_message
            else _("The request is not valid."),
            "code": "invalid",
            "errors": errors,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = {"detail": str(detail), "code": getattr(detail, "code", "error")}
    return response


# --- The signed-in user -----------------------------------------------------------------


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    language = serializers.CharField(required=False, allow_blank=True, max_length=8)
    is_staff = serializers.BooleanField(read_only=True)


# The error shape in the OpenAPI schema, and a binary download with its error.
ERROR = inline_serializer(
    "Error", {"detail": serializers.CharField(), "code": serializers.CharField()}
)
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERROR}


# Bounds for API input: a PositiveIntegerField holds up to MAX_INT32; free text stored
# in a TextField is still a paragraph or a page, not megabytes.
MAX_INT32 = 2**31 - 1
LONG_TEXT = 10_000


def is_whole_number(raw: str, *, max_digits: int = 18) -> bool:
    """ASCII digits only ("²".isdigit() is true, but int() refuses it), and few enough
    of them for the database."""
    return raw.isascii() and raw.isdigit() and len(raw) <= max_digits


class ApiView(APIView):
    """Base for the project's API views: once DRF has authenticated the request (a
    token arrives after the middleware ran), use that user's language and timezone.
    An id past the largest the database stores is an unknown row (404), not an integer
    overflow in the database driver."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        activate_user_preferences(request, request.user)
        if any(isinstance(value, int) and value > MAX_ID for value in kwargs.values()):
            raise NotFound(_("There is nothing with that id."))


class DownloadApiView(ApiView):
    """A file answer: whatever the client accepts, errors still come as JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class MeApi(ApiView):
    @extend_schema(responses={200: MeSerializer}, tags=["me"])
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses={200: MeSerializer, 400: None}, tags=["me"])
    def patch(self, request):
        data = MeSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_preferences(user=request.user, **data.validated_data)
        return Response(MeSerializer(user).data)


class TokenApi(ObtainAuthToken):
    """Exchange a username and password for an API token (header `Authorization:
    Token <key>`)."""

    # DRF's view names its own parsers; use the project's like every other endpoint.
    parser_classes = [parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        tags=["me"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


def not_found(request, *args, **kwargs):
    from django.http import JsonResponse

    return JsonResponse(
        {"detail": _("There is no API endpoint at this address."), "code": "not_found"},
        status=404,
    )
