"""REST API for assignments: a cohort's assignments, hand-ins and the download of
handed-in files. One assignment as its viewer sees it (work, feedback received, grade)
reads reviews, so reviews serves it (reviews.api.assignments, still api-assignment),
building on AssignmentSerializer and MySubmissionSerializer from here.

One view per action with explicit serializers; writes go through services and their
DomainErrors become ``{"detail", "code"}`` responses (lms.api.exception_handler).
Status fields carry their model's name (submission_status, review_status,
regrade_status) so that each choice set is one named enum in the OpenAPI schema.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from assignments import selectors, services
from assignments.downloads import file_response
from assignments.models import SubmissionStatus, SubmissionVersion
from cms.models import LatePolicy
from cohorts.selectors import cohort_get
from lms import parsers
from lms.api import BINARY, ERROR, ApiView, DownloadApiView
from lms.links import absolute_url

# --- Serializers ------------------------------------------------------------------------


class AssignmentSerializer(serializers.Serializer):
    """Reads an object with ``slot`` (AssignmentSlot) and ``submission`` (the viewer's own
    or None): an AssignmentListItem or an AssignmentView."""

    id = serializers.IntegerField(source="slot.assignment.pk")
    title = serializers.CharField(source="slot.assignment.title")
    module_id = serializers.IntegerField(source="slot.module.module.pk")
    opens_at = serializers.DateTimeField(source="slot.deadlines.opens_at")
    due_at = serializers.DateTimeField(source="slot.deadlines.due_at")
    cutoff_at = serializers.DateTimeField(
        source="slot.deadlines.cutoff_at",
        help_text="Late work is taken until this moment; equal to due_at when it is refused.",
    )
    review_closes_at = serializers.DateTimeField(source="slot.deadlines.review_closes_at")
    accepts = serializers.SerializerMethodField(help_text="What may be handed in.")
    peer_reviews = serializers.IntegerField(
        source="slot.assignment.peer_reviews", help_text="Reviews each submission gets (0: none)."
    )
    self_assessment = serializers.BooleanField(source="slot.assignment.self_assessment")
    late_policy = serializers.ChoiceField(
        source="slot.assignment.late_policy", choices=LatePolicy.choices
    )
    late_penalty_percent = serializers.IntegerField(
        source="slot.assignment.late_penalty_percent", help_text="Per started day late."
    )
    locked = serializers.SerializerMethodField()
    submission_status = serializers.SerializerMethodField(
        help_text="Your own submission's status; null before you hand in."
    )

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=["text", "file", "link"]))
    )
    def get_accepts(self, obj) -> list[str]:
        assignment = obj.slot.assignment
        return [
            kind
            for kind, accepted in (
                ("text", assignment.accepts_text),
                ("file", assignment.accepts_file),
                ("link", assignment.accepts_link),
            )
            if accepted
        ]

    def get_locked(self, obj) -> bool:
        return not obj.slot.is_open

    @extend_schema_field(serializers.ChoiceField(choices=SubmissionStatus.choices, allow_null=True))
    def get_submission_status(self, obj) -> str | None:
        return obj.submission.status if obj.submission is not None else None


class VersionSerializer(serializers.Serializer):
    """One hand-in as its author (or an instructor) sees it, original file name included.
    Needs ``cohort_id`` in the context for the download address."""

    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    text = serializers.CharField()
    link = serializers.CharField()
    file_name = serializers.SerializerMethodField()
    file_size = serializers.SerializerMethodField(help_text="Bytes.")
    file_url = serializers.SerializerMethodField()

    def get_file_name(self, obj: SubmissionVersion) -> str | None:
        return obj.file_name if obj.file else None

    def get_file_size(self, obj: SubmissionVersion) -> int | None:
        return obj.file_size if obj.file else None

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="Null without a file."))
    def get_file_url(self, obj: SubmissionVersion) -> str | None:
        if not obj.file:
            return None
        url = reverse(
            "api-version-file",
            kwargs={
                "cohort_id": self.context["cohort_id"],
                "submission_id": obj.submission_id,
                "number": obj.number,
            },
        )
        request = self.context.get("request")
        return absolute_url(url, request) if request else url


class HandInSerializer(VersionSerializer):
    """A version just handed in, with where its submission now stands."""

    submission_id = serializers.IntegerField()
    submission_status = serializers.ChoiceField(
        source="submission.status", choices=SubmissionStatus.choices
    )
    is_late = serializers.BooleanField(source="submission.is_late")
    late_days = serializers.IntegerField(source="submission.late_days")


class MySubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    submission_status = serializers.ChoiceField(source="status", choices=SubmissionStatus.choices)
    submitted_at = serializers.DateTimeField(help_text="When the latest version came in.")
    is_late = serializers.BooleanField()
    late_days = serializers.IntegerField()
    versions = VersionSerializer(many=True, help_text="Newest first.")


class SubmissionInputSerializer(serializers.Serializer):
    # Emptiness, kinds the assignment takes, sizes and link syntax are the service's
    # rules; it answers them with codes (empty_submission, invalid_link, …).
    text = serializers.CharField(required=False, allow_blank=True, default="")
    link = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    file = serializers.FileField(
        required=False, allow_null=True, allow_empty_file=True, default=None, use_url=False
    )


# --- Views ------------------------------------------------------------------------------


class AssignmentListApi(ApiView):
    @extend_schema(
        responses={200: AssignmentSerializer(many=True), 403: ERROR, 404: ERROR},
        tags=["assignments"],
        description="The cohort's assignments in curriculum order, with their deadlines "
        "and the status of your own submission.",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        listing = selectors.assignment_list_get(cohort_id=cohort_id, user=request.user)
        return Response(AssignmentSerializer(listing.items, many=True).data)


class SubmissionSubmitApi(ApiView):
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    @extend_schema(
        request=SubmissionInputSerializer,
        responses={201: HandInSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["assignments"],
        description="Hand in text, a link and/or a file (multipart), or a new version "
        "before the deadline. After the deadline a first hand-in is taken until the late "
        "cut-off, with the late penalty.",
    )
    def post(self, request: Request, cohort_id: int, assignment_id: int) -> Response:
        data = SubmissionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cohort = cohort_get(cohort_id=cohort_id)
        version = services.submission_submit(
            cohort=cohort, assignment_id=assignment_id, author=request.user, **data.validated_data
        )
        context = {"request": request, "cohort_id": cohort.pk}
        return Response(
            HandInSerializer(version, context=context).data, status=status.HTTP_201_CREATED
        )


class VersionFileApi(DownloadApiView):
    @extend_schema(
        responses=BINARY,
        tags=["assignments"],
        description="A version's file under its original name, for its author and the "
        "cohort's instructors.",
    )
    def get(self, request: Request, cohort_id: int, submission_id: int, number: int):
        version, filename = selectors.version_file_get(
            user=request.user, cohort_id=cohort_id, submission_id=submission_id, number=number
        )
        return file_response(version.file, filename, typed=False)
