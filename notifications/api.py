"""REST API for the notification centre, per-kind preferences and consent to list
email."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api import ERROR, ApiView
from notifications import selectors, services
from notifications.models import (
    ConsentAction,
    ConsentList,
    ConsentSource,
    ConsentStatus,
    Delivery,
    Kind,
)

UNREAD = inline_serializer("UnreadCount", {"unread_count": serializers.IntegerField()})


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="notification.pk")
    kind = serializers.ChoiceField(source="notification.kind", choices=Kind.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField(source="notification.url")
    created_at = serializers.DateTimeField(source="notification.created_at")
    read_at = serializers.DateTimeField(source="notification.read_at", allow_null=True)


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    label = serializers.CharField(read_only=True)
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    fixed = serializers.BooleanField(
        read_only=True,
        help_text="Always emailed straight away (receipts, invoices, a seat, access): "
        "only `immediately` is accepted.",
    )


class NotificationListApi(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only unread ones")],
        responses={
            200: inline_serializer(
                "NotificationList",
                {
                    "unread_count": serializers.IntegerField(),
                    "results": NotificationSerializer(many=True),
                },
            )
        },
        tags=["notifications"],
        description="Your latest 50 notifications, newest first, in your language and zone.",
    )
    def get(self, request: Request) -> Response:
        unread_only = request.query_params.get("unread") in ("1", "true")
        items = selectors.notification_list(user=request.user, unread_only=unread_only)
        return Response(
            {
                "unread_count": selectors.unread_count(user=request.user),
                "results": NotificationSerializer(items, many=True).data,
            }
        )


class NotificationReadApi(ApiView):
    @extend_schema(
        request=None,
        responses={200: UNREAD, 404: ERROR},
        tags=["notifications"],
        description="Mark one notification as read.",
    )
    def post(self, request: Request, notification_id: int) -> Response:
        services.notification_mark_read(user=request.user, notification_id=notification_id)
        return Response({"unread_count": selectors.unread_count(user=request.user)})


class NotificationReadAllApi(ApiView):
    @extend_schema(
        request=None,
        responses={200: UNREAD},
        tags=["notifications"],
        description="Mark every notification as read.",
    )
    def post(self, request: Request) -> Response:
        services.notifications_mark_all_read(user=request.user)
        return Response({"unread_count": 0})


class PreferencesApi(ApiView):
    @extend_schema(responses={200: PreferenceSerializer(many=True)}, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response(
            PreferenceSerializer(selectors.preferences_get(user=request.user), many=True).data
        )

    @extend_schema(
        request=PreferenceSerializer(many=True),
        responses={200: PreferenceSerializer(many=True), 400: ERROR},
        tags=["notifications"],
        description="Per kind: `immediately`, `digest` (one email a day) or `off`. Kinds "
        "left out keep their choice.",
    )
    def put(self, request: Request) -> Response:
        data = PreferenceSerializer(data=request.data, many=True)
        data.is_valid(raise_exception=True)
        for row in data.validated_data:
            services.preference_set(user=request.user, **row)
        return Response(
            PreferenceSerializer(selectors.preferences_get(user=request.user), many=True).data
        )


class ConsentEventSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    # Text, not an enum: "source" names other choice sets in the schema already.
    source = serializers.CharField(help_text="How: " + ", ".join(ConsentSource.values) + ".")
    at = serializers.DateTimeField()
    text = serializers.CharField(help_text="The exact text agreed to (requests and grants).")
    language = serializers.CharField(help_text="The language the text was shown in.")


class ConsentRowSerializer(serializers.Serializer):
    list = serializers.ChoiceField(source="mailing_list", choices=ConsentList.choices)
    label = serializers.CharField()
    text = serializers.CharField(help_text="What subscribing means, in your language.")
    status = serializers.ChoiceField(choices=ConsentStatus.choices)
    changed_at = serializers.DateTimeField(allow_null=True)
    history = ConsentEventSerializer(many=True)


class ConsentListInput(serializers.Serializer):
    list = serializers.ChoiceField(choices=ConsentList.choices)


def _row(request: Request, mailing_list: str) -> dict:
    rows = selectors.consents_overview(user=request.user)
    return ConsentRowSerializer(next(r for r in rows if r.mailing_list == mailing_list)).data


class ConsentsApi(ApiView):
    @extend_schema(
        responses={200: ConsentRowSerializer(many=True)},
        tags=["notifications"],
        description="Your mailing lists (newsletter, news on your topics): state and history.",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.consents_overview(user=request.user)
        return Response(ConsentRowSerializer(rows, many=True).data)


class ConsentSubscribeApi(ApiView):
    @extend_schema(
        request=ConsentListInput,
        responses={200: ConsentRowSerializer, 400: ERROR},
        tags=["notifications"],
        description="Ask for a list: we email a link to confirm (valid 7 days); the "
        "list is `pending` until it is followed. Subscribed already: nothing changes.",
    )
    def post(self, request: Request) -> Response:
        data = ConsentListInput(data=request.data)
        data.is_valid(raise_exception=True)
        mailing_list = data.validated_data["list"]
        services.consent_request(
            user=request.user, mailing_list=mailing_list, source=ConsentSource.API
        )
        return Response(_row(request, mailing_list))


class ConsentUnsubscribeApi(ApiView):
    @extend_schema(
        request=ConsentListInput,
        responses={200: ConsentRowSerializer, 400: ERROR},
        tags=["notifications"],
        description="Stop a list (or a request still waiting for its confirmation).",
    )
    def post(self, request: Request) -> Response:
        data = ConsentListInput(data=request.data)
        data.is_valid(raise_exception=True)
        mailing_list = data.validated_data["list"]
        services.consent_withdraw(
            user=request.user, mailing_list=mailing_list, source=ConsentSource.API
        )
        return Response(_row(request, mailing_list))
