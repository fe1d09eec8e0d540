"""REST API for live sessions, RSVPs, joining, attendance and the calendar-feed address.

One view per action with explicit input and output serializers; writes go through
services and their DomainErrors become ``{"detail", "code"}`` responses.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from live import selectors, services
from live.feed import session_ics_bytes
from live.models import RsvpAnswer
from lms.api import ERROR, LONG_TEXT, MAX_ID, ApiView, DownloadApiView
from lms.errors import NotFound
from lms.links import absolute_url
from lms.models import User

# --- Serializers ------------------------------------------------------------------------


class HostSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="get_display_name")


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="session.pk")
    cohort_id = serializers.IntegerField(source="session.cohort_id")
    series_id = serializers.IntegerField(source="session.series_id", allow_null=True)
    title = serializers.CharField(source="session.title")
    description = serializers.CharField(source="session.description")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    ends_at = serializers.DateTimeField(source="session.ends_at")
    timezone = serializers.CharField(source="session.timezone")
    hosts = HostSerializer(source="session.hosts.all", many=True)
    status = serializers.CharField(source="session.status")
    capacity = serializers.IntegerField(source="session.capacity", allow_null=True)
    rsvp_enabled = serializers.BooleanField(source="session.rsvp_enabled")
    going_count = serializers.IntegerField()
    places_left = serializers.IntegerField(allow_null=True)
    my_rsvp = serializers.ChoiceField(choices=RsvpAnswer.choices, allow_null=True)
    attended = serializers.BooleanField()
    join_opens_at = serializers.DateTimeField(source="session.join_opens_at")
    can_join = serializers.BooleanField()
    join_url = serializers.SerializerMethodField(
        help_text="The platform address that records attendance and redirects to the "
        "meeting; POST to it through the API (`.../join/`) to get the meeting link."
    )
    recording_url = serializers.CharField(source="session.recording_url")
    notes = serializers.CharField(source="session.notes")
    sequence = serializers.IntegerField(source="session.sequence")
    ics_url = serializers.SerializerMethodField()

    def get_join_url(self, obj) -> str:
        return reverse("live:join", args=[obj.session.pk])

    def get_ics_url(self, obj) -> str:
        return reverse("api-session-ics", args=[obj.session.pk])


class SessionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LONG_TEXT
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    join_url = serializers.CharField(max_length=500)
    capacity = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=services.MAX_SESSION_CAPACITY,
    )
    rsvp_enabled = serializers.BooleanField(required=False, default=True)
    host_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_null=True,
        default=None,
        max_length=services.MAX_SESSION_HOSTS,
    )


class SessionUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    timezone = serializers.CharField(required=False, max_length=64)
    join_url = serializers.CharField(max_length=500, required=False)
    capacity = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=services.MAX_SESSION_CAPACITY
    )
    rsvp_enabled = serializers.BooleanField(required=False)
    recording_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)
    host_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=services.MAX_SESSION_HOSTS,
    )


class SeriesInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LONG_TEXT
    )
    first_day = serializers.DateField(
        help_text="The day of the first session (its weekday repeats)."
    )
    local_time = serializers.TimeField(help_text="Start time in the series' timezone.")
    duration_minutes = serializers.IntegerField(min_value=1, max_value=12 * 60)
    weeks = serializers.IntegerField(min_value=1, max_value=services.MAX_SERIES_WEEKS)
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    join_url = serializers.CharField(max_length=500)
    capacity = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=services.MAX_SESSION_CAPACITY,
    )
    rsvp_enabled = serializers.BooleanField(required=False, default=True)


class SeriesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sessions = serializers.ListField(child=serializers.IntegerField())


class RsvpInputSerializer(serializers.Serializer):
    going = serializers.BooleanField()


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class AttendanceRowSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(source="student.pk")
    name = serializers.CharField(source="student.get_display_name")
    rsvp = serializers.ChoiceField(choices=RsvpAnswer.choices, allow_null=True)
    attended = serializers.BooleanField()
    joined_at = serializers.DateTimeField(allow_null=True)


class SessionAttendanceSerializer(serializers.Serializer):
    session_id = serializers.IntegerField(source="session.pk")
    going = serializers.IntegerField()
    attended = serializers.IntegerField()
    students = AttendanceRowSerializer(source="rows", many=True)


class AttendanceInputSerializer(serializers.Serializer):
    attended = serializers.BooleanField()


class AttendancePointSerializer(serializers.Serializer):
    session_id = serializers.IntegerField(source="session.pk")
    title = serializers.CharField(source="session.title")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    attended = serializers.IntegerField()
    students = serializers.IntegerField()
    percent = serializers.IntegerField()


class FeedSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Your secret calendar address; keep it private.")


# --- Views ------------------------------------------------------------------------------


def _hosts(ids: list[int] | None) -> list[User] | None:
    if ids is None:
        return None
    users = list(User.objects.filter(pk__in=ids))
    if len(users) != len(set(ids)):
        raise NotFound(_("There is no user with one of those ids."), field="host_ids")
    return users


def _item(session_id: int, user) -> selectors.SessionItem:
    return selectors.session_get(session_id=session_id, user=user)[0]


class CohortSessionsApi(ApiView):
    @extend_schema(
        responses={200: SessionSerializer(many=True), 404: ERROR},
        tags=["live sessions"],
        description="Every live session of the cohort, in time order.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        calendar = selectors.cohort_calendar_get(cohort_id=cohort_id, user=request.user)
        items = calendar.upcoming + list(reversed(calendar.past))
        items.sort(key=lambda i: (i.session.starts_at, i.session.pk))
        return Response(SessionSerializer(items, many=True).data)

    @extend_schema(
        request=SessionInputSerializer,
        responses={201: SessionSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
        tags=["live sessions"],
        description="Instructors and staff: plan one session.",
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = selectors.cohort_for_planning(cohort_id=cohort_id, user=request.user)
        data = SessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        session = services.session_create(
            cohort=cohort,
            by=request.user,
            hosts=_hosts(values.pop("host_ids")),
            timezone_name=values.pop("timezone"),
            **values,
        )
        return Response(
            SessionSerializer(_item(session.pk, request.user)).data, status=status.HTTP_201_CREATED
        )


class CohortSeriesApi(ApiView):
    @extend_schema(
        request=SeriesInputSerializer,
        responses={201: SeriesSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
        tags=["live sessions"],
        description="Instructors and staff: a weekly series; each occurrence is a session "
        "of its own, edited on its own.",
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = selectors.cohort_for_planning(cohort_id=cohort_id, user=request.user)
        data = SeriesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        series = services.series_create(
            cohort=cohort,
            by=request.user,
            timezone_name=values.pop("timezone"),
            **values,
        )
        ids = list(series.sessions.order_by("starts_at").values_list("pk", flat=True))
        return Response({"id": series.pk, "sessions": ids}, status=status.HTTP_201_CREATED)


class SessionDetailApi(ApiView):
    @extend_schema(responses={200: SessionSerializer, 404: ERROR}, tags=["live sessions"])
    def get(self, request: Request, session_id: int) -> Response:
        return Response(SessionSerializer(_item(session_id, request.user)).data)

    @extend_schema(
        request=SessionUpdateSerializer,
        responses={200: SessionSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["live sessions"],
        description="Instructors and staff: change a session, add its recording and notes. "
        "A new start or end raises the calendar SEQUENCE and emails the attendees.",
    )
    def patch(self, request: Request, session_id: int) -> Response:
        session = selectors.session_managed_get(session_id=session_id, user=request.user)
        data = SessionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        hosts = _hosts(values.pop("host_ids", None))
        services.session_update(session=session, by=request.user, hosts=hosts, **values)
        return Response(SessionSerializer(_item(session_id, request.user)).data)


class SessionCancelApi(ApiView):
    @extend_schema(
        request=CancelInputSerializer,
        responses={200: SessionSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["live sessions"],
        description="Instructors and staff: cancel; the attendees are emailed and the "
        "session stays in calendars as cancelled.",
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = selectors.session_managed_get(session_id=session_id, user=request.user)
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_cancel(session=session, by=request.user, **data.validated_data)
        return Response(SessionSerializer(_item(session_id, request.user)).data)


class SessionRsvpApi(ApiView):
    @extend_schema(
        request=RsvpInputSerializer,
        responses={200: SessionSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["live sessions"],
        description='Students: `{"going": true}` or `false`. A full or cancelled session '
        "answers 409.",
    )
    def put(self, request: Request, session_id: int) -> Response:
        item = _item(session_id, request.user)
        data = RsvpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.rsvp_set(session=item.session, user=request.user, **data.validated_data)
        return Response(SessionSerializer(_item(session_id, request.user)).data)


class SessionJoinApi(ApiView):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("JoinLink", {"join_url": serializers.URLField()}),
            404: ERROR,
            409: ERROR,
        },
        tags=["live sessions"],
        description="Record that you joined and get the meeting link. Open from "
        "`join_opens_at` until the end.",
    )
    def post(self, request: Request, session_id: int) -> Response:
        item = _item(session_id, request.user)
        return Response(
            {"join_url": services.session_join(session=item.session, user=request.user)}
        )


class SessionIcsApi(DownloadApiView):
    @extend_schema(
        responses={(200, "text/calendar"): OpenApiTypes.BINARY, 404: ERROR},
        tags=["live sessions"],
        description="The session as an iCalendar file (one event).",
    )
    def get(self, request: Request, session_id: int) -> HttpResponse:
        item = _item(session_id, request.user)
        return ics_response(session_ics_bytes(session=item.session), f"session-{session_id}.ics")


def ics_response(body: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    if attachment:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class SessionAttendanceApi(ApiView):
    @extend_schema(
        responses={200: SessionAttendanceSerializer, 403: ERROR, 404: ERROR},
        tags=["live sessions"],
        description="Instructors and staff: every student with their RSVP and attendance.",
    )
    def get(self, request: Request, session_id: int) -> Response:
        roster = selectors.session_roster_get(session_id=session_id, user=request.user)
        return Response(SessionAttendanceSerializer(roster).data)


class SessionAttendanceEntryApi(ApiView):
    @extend_schema(
        request=AttendanceInputSerializer,
        responses={200: AttendanceInputSerializer, 403: ERROR, 404: ERROR},
        tags=["live sessions"],
        description="Instructors and staff: correct whether a student attended.",
    )
    def put(self, request: Request, session_id: int, user_id: int) -> Response:
        session = selectors.session_managed_get(session_id=session_id, user=request.user)
        data = AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.attendance_set(
            session=session, by=request.user, user_id=user_id, **data.validated_data
        )
        return Response({"attended": row.attended})


class CohortAttendanceApi(ApiView):
    @extend_schema(
        responses={200: AttendancePointSerializer(many=True), 403: ERROR, 404: ERROR},
        tags=["live sessions"],
        description="Instructors and staff: the attendance rate per past session.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        report = selectors.cohort_attendance_get(cohort_id=cohort_id, user=request.user)
        return Response(AttendancePointSerializer(report.points, many=True).data)


def feed_url(request, token: str) -> str:
    return absolute_url(reverse("live:feed", args=[token]), request)


class MyFeedApi(ApiView):
    @extend_schema(
        responses={200: FeedSerializer},
        tags=["me"],
        description="Your secret calendar-feed address (made on first use).",
    )
    def get(self, request: Request) -> Response:
        token = services.feed_token_get_or_create(user=request.user)
        return Response({"url": feed_url(request, token.token)})


class MyFeedRotateApi(ApiView):
    @extend_schema(
        request=None,
        responses={200: FeedSerializer},
        tags=["me"],
        description="Revoke your calendar-feed address and get a new one; the old one "
        "answers 404 from now on.",
    )
    def post(self, request: Request) -> Response:
        token = services.feed_token_rotate(user=request.user)
        return Response({"url": feed_url(request, token.token)})
