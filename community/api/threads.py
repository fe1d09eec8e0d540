"""The community home, a space's threads, a thread and what is done to a thread."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from community import selectors, services
from community.api import serializers as s
from community.api.base import (
    SPACE_LOCKED,
    TAGS,
    CommunityApiView,
    PageQuerySerializer,
    SpaceLocked,
    open_thread,
    refuse_locked,
)
from community.selectors.spaces import ThreadRow
from lms.api import ERROR
from lms.errors import NotAllowed

LOCKED_NOTE = (
    " While the space's module is locked: 403 `space_locked` with `unlocks_at`, and "
    "nothing of the space but its title and unlock moment (in the community home)."
)


def _thread_out(request: Request, thread_id: int) -> dict:
    context = selectors.thread_context(user=request.user, thread_id=thread_id)
    return s.ThreadSerializer(ThreadRow(thread=context.thread, unread=False)).data


class CommunityHomeApi(CommunityApiView):
    @extend_schema(
        responses={200: s.CommunityHomeSerializer, 404: ERROR},
        tags=TAGS,
        description="The cohort's community for you: your role, the spaces (a locked "
        "module space shows only its title and unlock moment), whether you still have to "
        "say hello, and for hosts and mentors what waits for them.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        home = selectors.community_home(user=request.user, cohort_id=cohort_id)
        member = home.member
        data = {
            "cohort": home.cohort,
            "member": member,
            "spaces": home.spaces,
            "needs_hello": home.needs_hello,
            "guidelines": home.guidelines,
            "guidelines_pending": selectors.guidelines_pending(member=member),
            "unanswered": selectors.unanswered_count(cohort=home.cohort)
            if member.may_endorse
            else None,
            "open_reports": home.open_reports if member.may_moderate else None,
        }
        return Response(s.CommunityHomeSerializer(data).data)


class SpaceThreadsApi(CommunityApiView):
    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={200: s.ThreadListSerializer, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="A page of the space's threads (25), pinned first, then by latest "
        "activity; in a Q&A space hosts and mentors see unanswered questions first with "
        "their waiting time." + LOCKED_NOTE,
    )
    def get(self, request: Request, space_id: int) -> Response:
        params = PageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = selectors.space_page(
            user=request.user, space_id=space_id, page=params.validated_data["page"]
        )
        refuse_locked(page.row)
        return Response(s.ThreadListSerializer(page).data)

    @extend_schema(
        request=s.ThreadInputSerializer,
        responses={
            201: s.ThreadSerializer,
            400: ERROR,
            403: SPACE_LOCKED,
            404: ERROR,
            409: ERROR,
            429: ERROR,
        },
        tags=TAGS,
        description="Start a thread (a question in a Q&A space). Announcements and "
        "hosts-only spaces: instructors and moderators only (403 `hosts_only`). Before a "
        "member's first post the course's guidelines must be accepted "
        "(`accept_guidelines`, else 400 `guidelines_not_accepted`). Too many threads in "
        "a short time: 429 with Retry-After." + LOCKED_NOTE,
    )
    def post(self, request: Request, space_id: int) -> Response:
        member, row = selectors.space_get(user=request.user, space_id=space_id)
        refuse_locked(row)
        data = s.ThreadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        thread = services.thread_create(member=member, space=row.space, **data.validated_data)
        return Response(_thread_out(request, thread.pk), status=status.HTTP_201_CREATED)


class SpaceReadApi(CommunityApiView):
    @extend_schema(
        request=None,
        responses={204: None, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="Mark every thread of the space read." + LOCKED_NOTE,
    )
    def post(self, request: Request, space_id: int) -> Response:
        member, row = selectors.space_get(user=request.user, space_id=space_id)
        refuse_locked(row)
        services.space_mark_read(member=member, space=row.space)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ThreadDetailApi(CommunityApiView):
    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={200: s.ThreadPageSerializer, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="The thread, its opening post and a page of top-level replies (20, "
        "oldest first) with their own replies. Reading it marks the thread read for you "
        "up to its latest activity (this GET records that). A thread a moderator hid is "
        "404 for members." + LOCKED_NOTE,
    )
    def get(self, request: Request, thread_id: int) -> Response:
        params = PageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            page = selectors.thread_page(
                user=request.user, thread_id=thread_id, page=params.validated_data["page"]
            )
        except NotAllowed as refusal:
            if refusal.code != "space_locked":
                raise
            context = selectors.thread_context(user=request.user, thread_id=thread_id)
            raise SpaceLocked(context.row) from None
        services.thread_mark_read(user=request.user, thread=page.thread, at=page.newest_activity)
        return Response(s.ThreadPageSerializer(page).data)


class ThreadRepliesApi(CommunityApiView):
    @extend_schema(
        request=s.ReplyInputSerializer,
        responses={
            201: s.PostSerializer,
            400: ERROR,
            403: SPACE_LOCKED,
            404: ERROR,
            409: ERROR,
            429: ERROR,
        },
        tags=TAGS,
        description="Reply to the thread, or to a reply (`parent_id`). A locked or "
        "removed thread answers 409; too many replies in a short time 429 with "
        "Retry-After." + LOCKED_NOTE,
    )
    def post(self, request: Request, thread_id: int) -> Response:
        context = open_thread(selectors.thread_context(user=request.user, thread_id=thread_id))
        data = s.ReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.reply_create(
            member=context.member, thread=context.thread, **data.validated_data
        )
        view = selectors.post_view_get(member=context.member, post_id=post.pk)
        return Response(s.PostSerializer(view).data, status=status.HTTP_201_CREATED)


FOLLOWING = inline_serializer("Following", {"following": serializers.BooleanField()})


class ThreadFollowApi(CommunityApiView):
    @extend_schema(
        request=s.FollowInputSerializer,
        responses={200: FOLLOWING, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="Follow the thread (be told of new replies) or stop." + LOCKED_NOTE,
    )
    def put(self, request: Request, thread_id: int) -> Response:
        context = open_thread(selectors.thread_context(user=request.user, thread_id=thread_id))
        data = s.FollowInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        following = data.validated_data["following"]
        services.follow_set(member=context.member, thread_id=thread_id, on=following)
        return Response({"following": following})


class ThreadAcceptedAnswerApi(CommunityApiView):
    @extend_schema(
        request=s.AcceptedAnswerInputSerializer,
        responses={200: s.ThreadSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="The asker (or a moderator) marks a reply as the accepted answer; "
        "`null` withdraws it. Only questions have one (409 `not_a_question`)." + LOCKED_NOTE,
    )
    def put(self, request: Request, thread_id: int) -> Response:
        context = open_thread(selectors.thread_context(user=request.user, thread_id=thread_id))
        data = s.AcceptedAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.answer_accept(
            member=context.member, thread_id=thread_id, post_id=data.validated_data["post_id"]
        )
        return Response(_thread_out(request, thread_id))


class ThreadLockApi(CommunityApiView):
    @extend_schema(
        request=s.LockInputSerializer,
        responses={200: s.ThreadSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="Moderators: lock the thread (no new replies; a reason is required) "
        "or unlock it. Recorded in the moderation log." + LOCKED_NOTE,
    )
    def post(self, request: Request, thread_id: int) -> Response:
        context = open_thread(selectors.thread_context(user=request.user, thread_id=thread_id))
        context.member.check_moderator()
        data = s.LockInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.thread_lock(member=context.member, thread_id=thread_id, **data.validated_data)
        return Response(_thread_out(request, thread_id))


class ThreadPinApi(CommunityApiView):
    @extend_schema(
        request=s.PinInputSerializer,
        responses={200: s.ThreadSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR},
        tags=TAGS,
        description="Instructors, moderators and mentors: pin the thread to the top of "
        "its space, or unpin it." + LOCKED_NOTE,
    )
    def post(self, request: Request, thread_id: int) -> Response:
        context = open_thread(selectors.thread_context(user=request.user, thread_id=thread_id))
        context.member.check_pinner()
        data = s.PinInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.thread_pin(member=context.member, thread_id=thread_id, **data.validated_data)
        return Response(_thread_out(request, thread_id))


class ThreadMoveApi(CommunityApiView):
    @extend_schema(
        request=s.MoveInputSerializer,
        responses={200: s.ThreadSerializer, 400: ERROR, 403: SPACE_LOCKED, 404: ERROR, 409: ERROR},
        tags=TAGS,
        description="Moderators: move the thread to another open space of the cohort; "
        "it is a question only in a Q&A space." + LOCKED_NOTE,
    )
    def post(self, request: Request, thread_id: int) -> Response:
        context = open_thread(selectors.thread_context(user=request.user, thread_id=thread_id))
        context.member.check_moderator()
        data = s.MoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.thread_move(member=context.member, thread_id=thread_id, **data.validated_data)
        return Response(_thread_out(request, thread_id))
