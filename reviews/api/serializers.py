"""Serializers of the peer-review API: what students and instructors read, and what
they send. Reviewers never learn whose work they review; authors see "Reviewer N";
instructors see names."""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assignments.api import VersionSerializer
from assignments.models import SubmissionStatus
from lms.api import LONG_TEXT, MAX_INT32
from lms.links import absolute_url
from reviews.models import (
    GradeSource,
    QueueItem,
    QueueReason,
    RegradeStatus,
    ReviewKind,
    ReviewStatus,
)

# Reviews are addressed by an opaque id: their keys would tell the allocation's order.
_REVIEW_ID_HELP = "The review's opaque id, as in /api/v1/reviews/{id}/."


# Rubrics, scores and grades, as every serializer below shows them.


class RubricLevelSerializer(serializers.Serializer):
    label = serializers.CharField()
    points = serializers.IntegerField()
    description = serializers.CharField()


class RubricCriterionSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Key of this criterion in `scores`.")
    title = serializers.CharField()
    description = serializers.CharField()
    levels = RubricLevelSerializer(many=True)


class ScoreSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    comment = serializers.CharField()


class GradeCriterionSerializer(serializers.Serializer):
    points = serializers.FloatField(help_text="Peer grades take the median: it may be x.5.")
    comment = serializers.CharField()


class GradeSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=GradeSource.choices)
    points = serializers.DecimalField(max_digits=7, decimal_places=1, coerce_to_string=False)
    max_points = serializers.IntegerField()
    late_penalty_percent = serializers.IntegerField()
    final_percent = serializers.DecimalField(
        max_digits=5, decimal_places=1, coerce_to_string=False, help_text="After the penalty."
    )
    criteria = serializers.DictField(child=GradeCriterionSerializer())
    feedback = serializers.CharField()
    released_at = serializers.DateTimeField(allow_null=True)


class RegradeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    regrade_status = serializers.ChoiceField(source="status", choices=RegradeStatus.choices)
    reason = serializers.CharField()
    answer = serializers.CharField()
    created_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


class ReviewSummarySerializer(serializers.Serializer):
    """A review I owe or gave, with nothing that identifies the work's author."""

    id = serializers.UUIDField(source="public_id", help_text=_REVIEW_ID_HELP)
    assignment_id = serializers.IntegerField(source="submission.cohort_assignment.assignment_id")
    assignment_title = serializers.CharField(source="submission.cohort_assignment.assignment.title")
    review_status = serializers.ChoiceField(source="status", choices=ReviewStatus.choices)
    due_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class ReviewWorkSerializer(serializers.Serializer):
    """The content under review: no author, no original file name, no file metadata."""

    text = serializers.CharField()
    link = serializers.CharField()
    file_url = serializers.URLField(
        allow_null=True,
        help_text="A copy of the handed-in file without its document metadata, under a "
        "neutral name. Null without a file, or when the file is withheld.",
    )
    file_withheld = serializers.BooleanField(
        help_text="A file was handed in, but of a type that cannot be made anonymous "
        "(e.g. .zip, .rtf): reviewers do not get it; the text and link are the work."
    )


class ReviewRubricSerializer(serializers.Serializer):
    max_points = serializers.IntegerField()
    criteria = RubricCriterionSerializer(many=True)


class ReviewSerializer(serializers.Serializer):
    """The review to write, or as written. Needs the reviewed ``version`` in the context."""

    id = serializers.UUIDField(source="public_id", help_text=_REVIEW_ID_HELP)
    kind = serializers.ChoiceField(choices=ReviewKind.choices)
    review_status = serializers.ChoiceField(source="status", choices=ReviewStatus.choices)
    cohort_id = serializers.IntegerField(source="submission.cohort_assignment.cohort_id")
    assignment_id = serializers.IntegerField(source="submission.cohort_assignment.assignment_id")
    assignment_title = serializers.CharField(source="submission.cohort_assignment.assignment.title")
    due_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    rubric = ReviewRubricSerializer()
    work = serializers.SerializerMethodField()
    scores = serializers.DictField(child=ScoreSerializer(), help_text="Empty until submitted.")
    points = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()

    @extend_schema_field(ReviewWorkSerializer)
    def get_work(self, review) -> dict:
        version = self.context["version"]
        file_url = None
        if version.file_for_reviewers:
            file_url = reverse("api-review-file", kwargs={"review_id": review.public_id})
            file_url = absolute_url(file_url, self.context.get("request"))
        return {
            "text": version.text,
            "link": version.link,
            "file_url": file_url,
            "file_withheld": bool(version.file) and not version.file_for_reviewers,
        }


class ReviewDoneSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_REVIEW_ID_HELP)
    kind = serializers.ChoiceField(choices=ReviewKind.choices)
    review_status = serializers.ChoiceField(source="status", choices=ReviewStatus.choices)
    submitted_at = serializers.DateTimeField()
    points = serializers.IntegerField()
    max_points = serializers.IntegerField(source="rubric.max_points")
    scores = serializers.DictField(child=ScoreSerializer())
    comment = serializers.CharField()


class ScoreInputSerializer(serializers.Serializer):
    points = serializers.IntegerField(min_value=-MAX_INT32, max_value=MAX_INT32)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LONG_TEXT
    )


class ScoresField(serializers.DictField):
    """{criterion id: {"points": int, "comment": str}}; which criteria and which points
    are the rubric's business, checked by the service (codes score_missing and
    score_outside_rubric)."""

    child = ScoreInputSerializer()
    # No rubric has this many criteria; a longer map is refused before the service.
    max_criteria = 100

    def to_internal_value(self, data):
        if isinstance(data, dict) and len(data) > self.max_criteria:
            raise serializers.ValidationError(
                _("Score at most %(n)s criteria.") % {"n": self.max_criteria}
            )
        return super().to_internal_value(data)


# Blank text is refused here with the message the service would give, so the schema
# says minLength 1 and a client learns the rule before it sends.
_COMMENT = gettext_lazy("Add an overall comment: what works, and one thing to improve.")
_FLAG_REASON = gettext_lazy("Say what is wrong with this review, so the instructor can act on it.")
_ANSWER = gettext_lazy("Write an answer for the student.")


class ReviewInputSerializer(serializers.Serializer):
    scores = ScoresField()
    comment = serializers.CharField(
        required=False,
        default="",
        max_length=LONG_TEXT,
        help_text="Required for peer reviews: what works, and one thing to improve. Leave "
        "it out of a self-review without a comment.",
        error_messages={"blank": _COMMENT},
    )


class HelpfulnessInputSerializer(serializers.Serializer):
    helpfulness = serializers.IntegerField(min_value=1, max_value=5)


class FlagInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000,
        help_text="What is wrong with this review, for the instructor.",
        error_messages={"blank": _FLAG_REASON},
    )


_REGRADE_REASON = gettext_lazy(
    "Explain in a sentence or two which part of the grade you question and why."
)


class RegradeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        min_length=10,
        max_length=5000,
        help_text="Which part of the grade you question and why, in a sentence or two.",
        error_messages={"blank": _REGRADE_REASON, "min_length": _REGRADE_REASON},
    )


class FeedbackSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_REVIEW_ID_HELP)
    helpfulness = serializers.IntegerField(allow_null=True)
    flagged = serializers.SerializerMethodField()

    def get_flagged(self, review) -> bool:
        return review.flagged_at is not None


class MyReviewsSerializer(serializers.Serializer):
    open = ReviewSummarySerializer(many=True, help_text="Still to do, soonest due first.")
    done = ReviewSummarySerializer(many=True)


# --- Serializers: the instructor's side -------------------------------------------------


class QueueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    submission_id = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=QueueReason.choices))
    entered_at = serializers.DateTimeField()
    leased_by = serializers.SerializerMethodField(help_text="Who holds it, by name.")
    lease_expires_at = serializers.DateTimeField(allow_null=True)

    def get_leased_by(self, item: QueueItem) -> str | None:
        return item.leased_by.get_display_name() if item.leased_by_id else None


class QueueEntrySerializer(serializers.Serializer):
    """Reads reviews.selectors.QueueEntry; needs ``now`` in the context."""

    id = serializers.IntegerField(source="item.pk")
    submission_id = serializers.IntegerField(source="item.submission_id")
    assignment_id = serializers.IntegerField(
        source="item.submission.cohort_assignment.assignment_id"
    )
    assignment_title = serializers.CharField()
    author_name = serializers.CharField()
    reasons = serializers.ListField(
        source="item.reasons", child=serializers.ChoiceField(choices=QueueReason.choices)
    )
    reason_labels = serializers.ListField(child=serializers.CharField())
    entered_at = serializers.DateTimeField(source="item.entered_at")
    waited_seconds = serializers.SerializerMethodField()
    leased_by = serializers.SerializerMethodField(help_text="Null once the lease has expired.")
    lease_expires_at = serializers.SerializerMethodField()

    def _leased(self, entry) -> bool:
        item = entry.item
        return (
            item.leased_by_id is not None
            and item.lease_expires_at is not None
            and item.lease_expires_at > self.context["now"]
        )

    def get_waited_seconds(self, entry) -> int:
        return int(entry.waited.total_seconds())

    def get_leased_by(self, entry) -> str | None:
        return entry.item.leased_by.get_display_name() if self._leased(entry) else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_lease_expires_at(self, entry):
        if not self._leased(entry):
            return None
        return serializers.DateTimeField().to_representation(entry.item.lease_expires_at)


class QueuePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    oldest_wait_seconds = serializers.IntegerField(allow_null=True)
    mine = QueueItemSerializer(allow_null=True, help_text="The item you hold, if any.")
    results = QueueEntrySerializer(many=True)


class GradingSubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author_id = serializers.IntegerField()
    author_name = serializers.CharField(source="author.get_display_name")
    submission_status = serializers.ChoiceField(source="status", choices=SubmissionStatus.choices)
    submitted_at = serializers.DateTimeField()
    is_late = serializers.BooleanField()
    late_days = serializers.IntegerField()
    version_count = serializers.IntegerField()


class GradingReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_REVIEW_ID_HELP)
    kind = serializers.ChoiceField(choices=ReviewKind.choices)
    review_status = serializers.ChoiceField(source="status", choices=ReviewStatus.choices)
    reviewer_id = serializers.IntegerField()
    reviewer_name = serializers.CharField(source="reviewer.get_display_name")
    due_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    points = serializers.IntegerField(allow_null=True)
    scores = serializers.DictField(child=ScoreSerializer())
    comment = serializers.CharField()
    helpfulness = serializers.IntegerField(allow_null=True)
    flagged_at = serializers.DateTimeField(allow_null=True)
    flag_reason = serializers.CharField()


class StaffGradeSerializer(GradeSerializer):
    release_at = serializers.DateTimeField()


class GradingViewSerializer(serializers.Serializer):
    """Reads reviews.selectors.GradingView; needs ``cohort_id`` in the context."""

    assignment_id = serializers.IntegerField(source="slot.assignment.pk")
    assignment_title = serializers.CharField(source="slot.assignment.title")
    due_at = serializers.DateTimeField(source="slot.deadlines.due_at")
    submission = GradingSubmissionSerializer()
    version = VersionSerializer(allow_null=True, help_text="The latest version.")
    rubric = RubricCriterionSerializer(many=True, source="rubric_criteria")
    reviews = GradingReviewSerializer(many=True)
    queue_item = QueueItemSerializer(source="item", allow_null=True)
    grade = StaffGradeSerializer(allow_null=True, help_text="Released or scheduled.")
    regrade = RegradeSerializer(allow_null=True)


class GradeInputSerializer(serializers.Serializer):
    scores = ScoresField()
    feedback = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=LONG_TEXT
    )
    release_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Omit to release now."
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="Kept in the grade's history.",
    )


class RegradeAnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000, error_messages={"blank": _ANSWER})
    scores = ScoresField(
        required=False, allow_null=True, default=None, help_text="Omit to keep the grade."
    )


_FROM_ONE = gettext_lazy("Give a whole number from 1.")
_PER_PAGE = lazy(lambda: gettext("Give a whole number from 1 to %(max)s.") % {"max": 200}, str)()


class QueueQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(
        min_value=1,
        default=1,
        help_text="From 1.",
        error_messages={"invalid": _FROM_ONE, "min_value": _FROM_ONE},
    )
    per_page = serializers.IntegerField(
        min_value=1,
        max_value=200,
        default=50,
        help_text="1 to 200; 50 by default.",
        error_messages={"invalid": _PER_PAGE, "min_value": _PER_PAGE, "max_value": _PER_PAGE},
    )


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="get_display_name")


class OwingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="Reviews still to do.")


class AssignmentProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="slot.assignment.pk")
    title = serializers.CharField(source="slot.assignment.title")
    due_at = serializers.DateTimeField(source="slot.deadlines.due_at")
    locked = serializers.SerializerMethodField()
    students = serializers.IntegerField()
    submitted = serializers.IntegerField()
    late = serializers.IntegerField()
    graded = serializers.IntegerField()
    in_queue = serializers.IntegerField()
    oldest_wait_seconds = serializers.SerializerMethodField()
    not_submitted = PersonSerializer(many=True, help_text="Empty while the module is locked.")
    owing_reviews = serializers.SerializerMethodField()

    def get_locked(self, progress) -> bool:
        return not progress.slot.is_open

    def get_oldest_wait_seconds(self, progress) -> int | None:
        wait = progress.oldest_wait
        return int(wait.total_seconds()) if wait is not None else None

    @extend_schema_field(OwingSerializer(many=True))
    def get_owing_reviews(self, progress) -> list[dict]:
        return [
            {"id": user.pk, "name": user.get_display_name(), "count": n}
            for user, n in progress.owing_reviews
        ]
