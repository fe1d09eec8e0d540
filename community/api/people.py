"""People and things of a cohort's community: mention suggestions, the directory, your
profile, images, search and the guidelines."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from community import selectors, services
from community.api import serializers as s
from community.api.base import TAGS, CommunityApiView, ThrottledApiView
from lms import parsers
from lms.api import ERROR


class MentionSuggestionsApi(CommunityApiView):
    @extend_schema(
        parameters=[s.MentionQuerySerializer],
        responses={
            200: inline_serializer(
                "MentionSuggestions", {"results": s.MentionSerializer(many=True)}
            ),
            400: ERROR,
            404: ERROR,
        },
        tags=TAGS,
        description="Members of the cohort you may @mention whose username or name "
        "starts with `q`; eight at most.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        params = s.MentionQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        member = selectors.member_get(user=request.user, cohort_id=cohort_id)
        people = selectors.mention_suggestions(member=member, query=params.validated_data["q"])
        return Response({"results": s.MentionSerializer(people, many=True).data})


class DirectoryApi(CommunityApiView):
    @extend_schema(
        responses={200: s.DirectorySerializer, 404: ERROR},
        tags=TAGS,
        description="The members who chose to be listed in this cohort's directory, "
        "with their profile.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        directory = selectors.directory_get(user=request.user, cohort_id=cohort_id)
        return Response(s.DirectorySerializer(directory).data)


class DirectoryListingApi(CommunityApiView):
    @extend_schema(
        request=s.DirectoryListingInputSerializer,
        responses={200: s.DirectoryListingInputSerializer, 400: ERROR, 404: ERROR},
        tags=TAGS,
        description="Be listed in this cohort's directory, or not (off until you choose).",
    )
    def put(self, request: Request, cohort_id: int) -> Response:
        member = selectors.member_get(user=request.user, cohort_id=cohort_id)
        data = s.DirectoryListingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        listed = services.directory_listing_set(member=member, **data.validated_data)
        return Response({"listed": listed})


def _profile(profile) -> dict:
    if profile is None:
        return {"bio": "", "interests": "", "links": []}
    return {"bio": profile.bio, "interests": profile.interests, "links": list(profile.links)}


class MyProfileApi(CommunityApiView):
    @extend_schema(
        responses={200: s.ProfileSerializer},
        tags=["me"],
        description="What you show about yourself in the directories you are listed in.",
    )
    def get(self, request: Request) -> Response:
        return Response(_profile(selectors.profile_get(user=request.user)))

    @extend_schema(
        request=s.ProfileInputSerializer,
        responses={200: s.ProfileSerializer, 400: ERROR},
        tags=["me"],
        description="Replace your community profile: a short bio, interests and up to "
        "three web addresses.",
    )
    def put(self, request: Request) -> Response:
        data = s.ProfileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.profile_update(user=request.user, **data.validated_data)
        return Response(_profile(profile))


class ImageUploadApi(ThrottledApiView):
    throttle_scope = "community_image"
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.ImageInputSerializer},
        responses={201: s.ImageSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 429: ERROR},
        tags=TAGS,
        description="Upload an image for a post (JPEG, PNG, GIF or WebP, at most 2 MB and "
        "4000 pixels a side) and paste its `markdown` into the text. Shown to members of "
        "this cohort only. Too many uploads in a short time: 429 with Retry-After.",
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        member = selectors.member_get(user=request.user, cohort_id=cohort_id)
        data = s.ImageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = services.image_upload(member=member, file=data.validated_data["image"])
        url = reverse("community:image", args=[image.pk])
        return Response(
            s.ImageSerializer(
                {
                    "pk": image.pk,
                    "url": url,
                    "markdown": f"![]({url})",
                    "width": image.width,
                    "height": image.height,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class SearchApi(ThrottledApiView):
    throttle_scope = "community_search"

    @extend_schema(
        parameters=[s.SearchQuerySerializer],
        responses={
            200: inline_serializer(
                "CommunitySearch", {"results": s.SearchResultSerializer(many=True)}
            ),
            400: ERROR,
            404: ERROR,
            429: ERROR,
        },
        tags=TAGS,
        description="Posts whose text or thread title holds every word of `q`, newest "
        "first (30 at most). Spaces whose module is locked are never searched.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        params = s.SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        member = selectors.member_get(user=request.user, cohort_id=cohort_id)
        posts = selectors.community_search(member=member, query=params.validated_data["q"])
        return Response({"results": s.SearchResultSerializer(posts, many=True).data})


class GuidelinesAcceptApi(CommunityApiView):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "GuidelinesAccepted", {"accepted_at": serializers.DateTimeField()}
            ),
            404: ERROR,
        },
        tags=TAGS,
        description="Accept the course's community guidelines (once per course).",
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        member = selectors.member_get(user=request.user, cohort_id=cohort_id)
        acceptance = services.guidelines_accept(member=member)
        return Response(
            {"accepted_at": serializers.DateTimeField().to_representation(acceptance.accepted_at)}
        )
