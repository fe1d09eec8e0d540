"""API primitives shared by every app: the error shape and the exception handler."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from lms import parsers, selectors, services
from lms.converters import MAX_ID
from lms.errors import DomainError, NotFound, TooManyAttempts, ValidationFailed
from lms.middleware import activate_user_preferences
from lms.models import ApiToken
from lms.security import lockout_message, retry_after_seconds


def public_endpoints_only(endpoints):
    return [e for e in endpoints if e[0].startswith("/api/v1/")]


def exception_handler(exc, context):
    """Every API error is ``{"detail": ..., "code": ...}`` with a 4xx status; field
    errors add ``"errors": {field: [messages]}``."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        response = Response(body, status=exc.status_code)
        if isinstance(exc, TooManyAttempts):
            response["Retry-After"] = str(exc.retry_after)
        return response
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
    language = serializers.ChoiceField(
        choices=[], required=False, allow_blank=True, help_text="Empty: the browser's language."
    )
    is_staff = serializers.BooleanField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The site's languages are settings, read when used, not at import.
        self.fields["language"].choices = settings.LANGUAGES


# The error shapes in the OpenAPI schema, and a binary download with its error.
ERROR = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(help_text="What went wrong, for a person to read."),
        "code": serializers.CharField(help_text="What went wrong, for a program."),
        "errors": serializers.DictField(
            child=serializers.JSONField(),
            required=False,
            help_text="400 only: the messages per field, {field: [message, ...]}.",
        ),
    },
)
LOCKED = inline_serializer(
    "ModuleLocked",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(
            help_text="`module_locked`, or `enrolment_not_active` while your seat waits "
            "for payment or activation."
        ),
        "unlocks_at": serializers.DateTimeField(
            required=False, help_text="With `module_locked`: when the module opens for you."
        ),
    },
)
# API downloads are bytes to save under the name in Content-Disposition, whatever the file.
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERROR}


# Bounds for API input: a PositiveIntegerField holds up to MAX_INT32; free text stored
# in a TextField is still a paragraph or a page, not megabytes.
MAX_INT32 = 2**31 - 1
LONG_TEXT = 10_000


def is_whole_number(raw: str, *, max_digits: int = 18) -> bool:
    """ASCII digits only ("²".isdigit() is true, but int() refuses it), and few enough
    of them for the database."""
    return raw.isascii() and raw.isdigit() and len(raw) <= max_digits


class AutoSchema(openapi.AutoSchema):
    """Adds the errors every operation of this API can answer, so that no view has to
    repeat them: 401 everywhere (no sign-in where one is required, or a token that is
    not valid where anyone may call), 403 where a signed-in user can be
    refused (a write, whose session needs its CSRF token, or an address naming an
    object), 404 where the address names an object, 400 where there is input. A view
    declares its own shape for a code (409s, `ModuleLocked`) and keeps it."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._standard_errors().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ERROR, code, direction=direction)
                responses[code]["description"] = description
        return dict(sorted(responses.items()))

    def _standard_errors(self) -> dict[str, str]:
        perms = [p.__class__ for p in self.view.get_permissions()]
        signed_in = permissions.AllowAny not in perms
        names_object = "{" in self.path
        writes = self.method not in permissions.SAFE_METHODS
        has_input = (writes and self.get_request_serializer() is not None) or any(
            p.get("in") == "query" for p in self._get_parameters()
        )
        errors = {}
        if has_input:
            errors["400"] = "The request is not valid; `errors` names the fields."
        if signed_in:
            errors["401"] = "Not signed in: send `Authorization: Token <key>` or a session."
        else:
            # Authentication runs before the permission check: a token that is not (or
            # no longer) valid is refused even where anyone may call.
            errors["401"] = "The token sent is not valid; leave the header out to call this."
        if signed_in and (names_object or self.method not in permissions.SAFE_METHODS):
            errors["403"] = "Signed in, but not allowed to do this."
        if names_object:
            errors["404"] = "Nothing with that id exists for you."
        return errors


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


class PersonalDetailsSerializer(serializers.Serializer):
    street_address = serializers.CharField(help_text="Street and number; may hold lines.")
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code, or empty.")
    phone = serializers.CharField()
    organisation = serializers.CharField()
    vat_number = serializers.CharField(help_text="EU VAT number, e.g. NL123456789B01.")
    bio = serializers.CharField()
    has_photo = serializers.SerializerMethodField()

    def get_has_photo(self, user) -> bool:
        return bool(user.photo)


class PersonalDetailsInputSerializer(serializers.Serializer):
    street_address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    postal_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    country = serializers.ChoiceField(
        choices=[], required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2 code."
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    organisation = serializers.CharField(required=False, allow_blank=True, max_length=150)
    vat_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="EU VAT number: the country code, then the number (NL123456789B01).",
    )
    bio = serializers.CharField(required=False, allow_blank=True, max_length=500)
    photo = serializers.FileField(
        required=False,
        allow_null=True,
        help_text="Multipart only: a JPEG, PNG or WebP image of at most 2 MB; null removes it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from lms.profile import COUNTRIES

        self.fields["country"].choices = [code for code, _name in COUNTRIES]


class ProfileApi(ApiView):
    """Your personal details: the address new invoices are made out to, and your profile.
    Each change is recorded with who made it."""

    @extend_schema(responses={200: PersonalDetailsSerializer}, tags=["me"])
    def get(self, request):
        return Response(PersonalDetailsSerializer(request.user).data)

    @extend_schema(
        request=PersonalDetailsInputSerializer,
        responses={200: PersonalDetailsSerializer},
        tags=["me"],
    )
    def patch(self, request):
        data = PersonalDetailsInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.profile_update(user=request.user, by=request.user, **data.validated_data)
        return Response(PersonalDetailsSerializer(user).data)


# --- API tokens ---------------------------------------------------------------------------


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "lms.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Which program or device will use the token (shown in your token list).",
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(
        allow_null=True, help_text="When the token stops working; null: until revoked."
    )


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The first characters of the token.")
    created = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.SerializerMethodField(
        help_text="Whether this request was made with this token."
    )

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return bool(request and getattr(request.auth, "pk", None) == token.pk)


class TokenRateThrottle(SimpleRateThrottle):
    """Token requests per client address, whatever the username."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenApi(ApiView):
    """Exchange a username and password for an API token (header `Authorization:
    Token <key>`). Repeated wrong passwords lock the username out from your address
    for a while (429), as on the sign-in page."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]

    def throttled(self, request, wait):
        raise exceptions.Throttled(
            wait,
            detail=_("Too many token requests from your address. Try again in a minute."),
        )

    # DRF's view names its own parsers; use the project's like every other endpoint.
    parser_classes = [parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: ERROR, 429: ERROR},
        tags=["auth"],
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, so django-axes counts failures and refuses locked-out ones.
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                raise TooManyAttempts(lockout_message(), retry_after=retry_after_seconds())
            raise ValidationFailed(_("Unable to log in with the username and password you gave."))
        token, key = services.api_token_create(user=user, name=data.validated_data.get("name", ""))
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(TokenResponseSerializer({"token": key, "expiry": token.expiry}).data)


class TokenListApi(ApiView):
    """Your API tokens that still work. The tokens themselves are never shown again."""

    @extend_schema(responses={200: ApiTokenSerializer(many=True)}, tags=["auth"])
    def get(self, request):
        tokens = selectors.api_tokens_of(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


class TokenDetailApi(ApiView):
    @extend_schema(request=None, responses={204: None, 404: ERROR}, tags=["auth"])
    def delete(self, request, token_id: int):
        """Revoke one of your API tokens."""
        services.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllApi(ApiView):
    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        """Revoke all your API tokens, including the one this request uses."""
        services.api_tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutApi(ApiView):
    @extend_schema(request=None, responses={204: None, 400: ERROR}, tags=["auth"])
    def post(self, request):
        """Revoke the API token this request uses."""
        if not isinstance(request.auth, ApiToken):
            raise ValidationFailed(
                _("This request did not use an API token; there is nothing to log out."),
                code="no_token",
            )
        services.api_token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any address under /api/v1/ that no route takes, whatever the method. Exempt
    from CSRF: there is nothing here to protect, and a write to an unknown address
    must hear 404 in the API's shape, not get the CSRF failure page."""
    return JsonResponse(
        {"detail": _("There is no API endpoint at this address."), "code": "not_found"},
        status=404,
    )
