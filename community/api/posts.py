"""What is done to a post: edit, remove, history, reactions, report, hide, restore,
endorse."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from community import selectors, services
from community.api import serializers as s
from community.api.base import (
    SPACE_LOCKED,
    TAGS,
    CommunityApiView,
    open_post,
)
from community.api.threads import LOCKED_NOTE
from community.models import ReactionKind
from lms.api import ERROR
from lms.errors import NotAllowed, ValidationFailed


def _post_out(context) -> dict:
    return s.PostSerializer(
        selectors.post_view_get(member=context.member, post_id=context.post.pk)
    ).data


class PostDetailApi(CommunityApiView):
    @extend_schema(
        request=s.PostEditInputSerializer,
        responses={200: s.PostSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="The author edits the post (and, for an opening post, the thread's "
        "title); the earlier text is kept in its history." + LOCKED_NOTE,
    )
    def patch(self, request: Request, post_id: int) -> Response:
        context = open_post(selectors.post_context(user=request.user, post_id=post_id))
        if context.post.author_id != request.user.pk:
            raise NotAllowed(_("Only its author can change a post."), code="not_author")
        data = s.PostEditInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_edit(member=context.member, post_id=post_id, **data.validated_data)
        return Response(_post_out(context))

    @extend_schema(
        request=None,
        responses={204: None, 403: SPACE_LOCKED, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="The author removes the post: its text and history are gone and "
        '"removed" shows in its place; the replies stay.' + LOCKED_NOTE,
    )
    def delete(self, request: Request, post_id: int) -> Response:
        context = open_post(selectors.post_context(user=request.user, post_id=post_id))
        services.post_remove(member=context.member, post_id=post_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostHistoryApi(CommunityApiView):
    @extend_schema(
        responses={200: s.PostHistorySerializer, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="The post's earlier versions, for its author and moderators (404 "
        "for anyone else)." + LOCKED_NOTE,
    )
    def get(self, request: Request, post_id: int) -> Response:
        context = open_post(selectors.post_context(user=request.user, post_id=post_id))
        post, revisions = selectors.post_history(member=context.member, post_id=post_id)
        return Response(s.PostHistorySerializer({"post_id": post.pk, "revisions": revisions}).data)


KIND = OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ReactionKind.values)


class PostReactionApi(CommunityApiView):
    def _set(self, request: Request, post_id: int, kind: str, on: bool) -> Response:
        context = open_post(selectors.post_context(user=request.user, post_id=post_id))
        if kind not in ReactionKind.values:
            raise ValidationFailed(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(ReactionKind.values)},
                field="kind",
            )
        services.reaction_set(member=context.member, post_id=post_id, kind=kind, on=on)
        view = selectors.post_view_get(member=context.member, post_id=post_id)
        return Response(s.ReactionSerializer(view.reactions, many=True).data)

    @extend_schema(
        parameters=[KIND],
        request=None,
        responses={
            200: s.ReactionSerializer(many=True),
            400: ERROR,
            403: SPACE_LOCKED,
            404: ERROR,
            409: ERROR,
        },
        tags=TAGS,
        description="React to the post (again: no change). Answers the post's reactions."
        + LOCKED_NOTE,
    )
    def put(self, request: Request, post_id: int, kind: str) -> Response:
        return self._set(request, post_id, kind, True)

    @extend_schema(
        parameters=[KIND],
        request=None,
        responses={
            200: s.ReactionSerializer(many=True),
            400: ERROR,
            403: SPACE_LOCKED,
            404: ERROR,
            409: ERROR,
        },
        tags=TAGS,
        description="Take your reaction back. Answers the post's reactions." + LOCKED_NOTE,
    )
    def delete(self, request: Request, post_id: int, kind: str) -> Response:
        return self._set(request, post_id, kind, False)


class PostReportApi(CommunityApiView):
    @extend_schema(
        request=s.ReportInputSerializer,
        responses={201: s.ReportSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="Report the post to the cohort's moderators (once while your report "
        "is open: 409 `already_reported`; your own post: 409 `own_post`)." + LOCKED_NOTE,
    )
    def post(self, request: Request, post_id: int) -> Response:
        context = open_post(selectors.post_context(user=request.user, post_id=post_id))
        data = s.ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_create(
            member=context.member, post_id=post_id, **data.validated_data
        )
        return Response(s.ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class PostHideApi(CommunityApiView):
    @extend_schema(
        request=s.HideInputSerializer,
        responses={200: s.PostSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="Moderators: hide the post from members (moderators still see it, "
        "with the reason); closes the open reports on it. Hiding an opening post hides "
        "its thread." + LOCKED_NOTE,
    )
    def post(self, request: Request, post_id: int) -> Response:
        context = open_post(selectors.post_context(user=request.user, post_id=post_id))
        context.member.check_moderator()
        data = s.HideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_hide(member=context.member, post_id=post_id, **data.validated_data)
        return Response(_post_out(context))


class PostRestoreApi(CommunityApiView):
    @extend_schema(
        request=s.ReasonInputSerializer,
        responses={200: s.PostSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="Moderators: show a hidden post again." + LOCKED_NOTE,
    )
    def post(self, request: Request, post_id: int) -> Response:
        context = open_post(selectors.post_context(user=request.user, post_id=post_id))
        context.member.check_moderator()
        data = s.ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_restore(member=context.member, post_id=post_id, **data.validated_data)
        return Response(_post_out(context))


class PostEndorsementApi(CommunityApiView):
    @extend_schema(
        request=s.EndorsementInputSerializer,
        responses={200: s.PostSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="Instructors and mentors: vouch for a reply (shown to everyone), or "
        "withdraw it." + LOCKED_NOTE,
    )
    def put(self, request: Request, post_id: int) -> Response:
        context = open_post(selectors.post_context(user=request.user, post_id=post_id))
        context.member.check_endorser()
        data = s.EndorsementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_endorse(
            member=context.member, post_id=post_id, on=data.validated_data["endorsed"]
        )
        return Response(_post_out(context))
