"""For hosts: the report queue, dismissing a report, mutes, and the cohort's pulse."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from community import selectors, services
from community.api import serializers as s
from community.api.base import TAGS, CommunityApiView
from community.models import SpaceKind
from lms.api import ERROR


class ReportQueueApi(CommunityApiView):
    @extend_schema(
        responses={
            200: inline_serializer("ReportQueue", {"results": s.QueuedReportSerializer(many=True)}),
            403: ERROR,
            404: ERROR,
        },
        tags=TAGS,
        description="Instructors and moderators: the open reports, oldest first, with "
        "the post reported. Reports on posts in a space whose module is locked again "
        "wait until it opens.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        queue = selectors.moderation_queue(user=request.user, cohort_id=cohort_id)
        locked = selectors.locked_module_ids(cohort=queue.member.cohort)
        reports = [
            r
            for r in queue.reports
            if not (
                r.post.thread.space.kind == SpaceKind.MODULE
                and r.post.thread.space.module_id in locked
            )
        ]
        return Response({"results": s.QueuedReportSerializer(reports, many=True).data})


class ReportDismissApi(CommunityApiView):
    @extend_schema(
        request=s.ReasonInputSerializer,
        responses={200: s.ReportSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="Instructors and moderators: close a report without acting on the "
        "post. A closed report answers 409.",
    )
    def post(self, request: Request, report_id: int) -> Response:
        member = selectors.report_member(user=request.user, report_id=report_id)
        member.check_moderator()
        data = s.ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_dismiss(member=member, report_id=report_id, **data.validated_data)
        return Response(s.ReportSerializer(report).data)


class MutesApi(CommunityApiView):
    @extend_schema(
        request=s.MuteInputSerializer,
        responses={201: s.MuteSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="Instructors and moderators: stop a member posting in this cohort "
        "for 1 to 90 days; they keep reading. Recorded with the reason.",
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        member = selectors.member_get(user=request.user, cohort_id=cohort_id)
        member.check_moderator()
        data = s.MuteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mute = services.member_mute(member=member, **data.validated_data)
        return Response(s.MuteSerializer(mute).data, status=status.HTTP_201_CREATED)


class MuteDetailApi(CommunityApiView):
    @extend_schema(
        request=None,
        responses={204: None, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="Instructors and moderators: lift a member's mute (409 `not_muted` "
        "when there is none).",
    )
    def delete(self, request: Request, cohort_id: int, user_id: int) -> Response:
        member = selectors.member_get(user=request.user, cohort_id=cohort_id)
        member.check_moderator()
        services.member_unmute(member=member, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PulseApi(CommunityApiView):
    @extend_schema(
        responses={200: s.PulseSerializer, 403: ERROR, 404: ERROR},
        tags=TAGS,
        description="Instructors, moderators and mentors: posts and members who posted "
        "per week of the term, the unanswered questions and the open reports.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        pulse = selectors.pulse_get(user=request.user, cohort_id=cohort_id)
        return Response(s.PulseSerializer(pulse, context={"now": pulse.now}).data)
