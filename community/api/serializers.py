"""Input and output shapes of the community API."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.api.base import StrictBooleanField, TextField
from community.models import ReactionKind, ReportReason, ReportStatus, SpaceKind
from community.services.members import MAX_LINKS
from community.services.moderation import MAX_MUTE_DAYS
from community.services.posting import MAX_BODY, MAX_TITLE
from lms.api import MAX_ID

MAX_REASON = 300
MAX_NOTE = 500

# --- Output -----------------------------------------------------------------------------


class CommunityPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="get_display_name")


def _author_name(user) -> str:
    return user.get_display_name() if user is not None else _("A former member")


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        source="base",
        choices=["student", "instructor", "staff", "guest"],
        help_text="`guest`: in the community only as an appointed mentor or moderator.",
    )
    role_label = serializers.CharField()
    is_host = serializers.BooleanField(help_text="Instructors, moderators and staff.")
    may_moderate = serializers.BooleanField()
    may_endorse = serializers.BooleanField()
    may_pin = serializers.BooleanField()
    mentor = serializers.BooleanField()
    moderator = serializers.BooleanField()
    is_alumnus = serializers.BooleanField()
    may_write = serializers.SerializerMethodField()
    write_refusal = serializers.SerializerMethodField(
        help_text="Why you may not post, reply or react here now; empty if you may."
    )

    def get_may_write(self, member) -> bool:
        return member.write_refusal() is None

    def get_write_refusal(self, member) -> str:
        refusal = member.write_refusal()
        return refusal.message if refusal is not None else ""


class _ArchivedField(serializers.BooleanField):
    def get_attribute(self, row):
        return row.space.archived_at is not None


# What a locked space shows; everything else is left out of it.
LOCKED_SPACE_FIELDS = ("id", "kind", "title", "locked", "unlocks_at")


class SpaceSerializer(serializers.Serializer):
    """A space of the cohort. While it is locked only `id`, `kind`, `title`, `locked`
    and `unlocks_at` are present."""

    id = serializers.IntegerField(source="space.pk")
    kind = serializers.ChoiceField(source="space.kind", choices=SpaceKind.choices)
    title = serializers.CharField()
    locked = serializers.BooleanField()
    unlocks_at = serializers.DateTimeField(
        allow_null=True, help_text="A module space: when it opens. Null for other spaces."
    )
    description = serializers.CharField(source="space.description", required=False)
    is_qa = serializers.BooleanField(
        source="space.is_qa", required=False, help_text="Threads here are questions."
    )
    hosts_only = serializers.BooleanField(
        source="space.hosts_only",
        required=False,
        help_text="Only instructors and moderators start threads; everyone may reply.",
    )
    archived = _ArchivedField(
        required=False, help_text="Closed by the course designer: read, not written to."
    )
    last_activity_at = serializers.DateTimeField(
        source="space.last_activity_at", allow_null=True, required=False
    )
    unread = serializers.IntegerField(required=False, help_text="Threads with news for you.")

    def to_representation(self, row):
        data = super().to_representation(row)
        if row.locked:
            return {key: data[key] for key in LOCKED_SPACE_FIELDS}
        return data


class CommunityHomeSerializer(serializers.Serializer):
    cohort_id = serializers.IntegerField(source="cohort.pk")
    cohort_name = serializers.CharField(source="cohort.name")
    member = MemberRoleSerializer(help_text="Who you are in this community.")
    spaces = SpaceSerializer(many=True)
    needs_hello = serializers.BooleanField(
        help_text="A student who has not introduced themselves in Introductions yet."
    )
    guidelines = serializers.CharField(help_text="The course's community guidelines.")
    guidelines_pending = serializers.BooleanField(
        help_text="Send `accept_guidelines: true` with your first post (or accept them "
        "first): you have not accepted the guidelines yet."
    )
    unanswered = serializers.IntegerField(
        allow_null=True,
        help_text="Hosts and mentors: questions nobody has answered yet. Null for others.",
    )
    open_reports = serializers.IntegerField(
        allow_null=True, help_text="Hosts: reports waiting for a moderator. Null for others."
    )


class SpaceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=SpaceKind.choices)
    title = serializers.CharField()


class ThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="thread.pk")
    space_id = serializers.IntegerField(source="thread.space_id")
    title = serializers.CharField(
        source="thread.title", help_text="Empty once its author removed the opening post."
    )
    author = CommunityPersonSerializer(
        source="thread.author", allow_null=True, help_text="Null: a former member."
    )
    author_name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="thread.created_at")
    last_activity_at = serializers.DateTimeField(source="thread.last_activity_at")
    reply_count = serializers.IntegerField(source="thread.reply_count")
    is_question = serializers.BooleanField(source="thread.is_question")
    answered = serializers.SerializerMethodField(
        help_text="A question someone other than the asker replied to."
    )
    accepted = serializers.SerializerMethodField(
        help_text="A question whose asker accepted an answer."
    )
    pinned = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField(help_text="A moderator locked it: no new replies.")
    removed = serializers.SerializerMethodField(
        help_text="Its author removed the opening post; the replies stay."
    )
    hidden = serializers.SerializerMethodField(
        help_text="A moderator hid it (shown to moderators only)."
    )
    unread = serializers.BooleanField(help_text="Activity since you last read it.")
    waiting_seconds = serializers.SerializerMethodField(
        help_text="Hosts and mentors, in a Q&A space: how long an unanswered question "
        "has waited. Null otherwise."
    )

    def get_author_name(self, row) -> str:
        return _author_name(row.thread.author)

    def get_answered(self, row) -> bool:
        return row.thread.answered_at is not None

    def get_accepted(self, row) -> bool:
        return row.thread.accepted_post_id is not None

    def get_pinned(self, row) -> bool:
        return row.thread.pinned_at is not None

    def get_locked(self, row) -> bool:
        return row.thread.locked_at is not None

    def get_removed(self, row) -> bool:
        return row.thread.removed_at is not None

    def get_hidden(self, row) -> bool:
        return row.thread.hidden_at is not None

    def get_waiting_seconds(self, row) -> int | None:
        return int(row.waiting.total_seconds()) if row.waiting is not None else None


class ThreadListSerializer(serializers.Serializer):
    space = SpaceSerializer(source="row")
    may_start = serializers.BooleanField(help_text="Whether you may start a thread here.")
    count = serializers.IntegerField(source="threads.paginator.count")
    page = serializers.IntegerField(source="threads.number")
    pages = serializers.IntegerField(source="threads.paginator.num_pages")
    results = ThreadSerializer(source="threads.object_list", many=True)


class ReactionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    emoji = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    mine = serializers.BooleanField(help_text="You reacted so.")


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="post.pk")
    thread_id = serializers.IntegerField(source="post.thread_id")
    parent_id = serializers.IntegerField(
        source="post.parent_id",
        allow_null=True,
        help_text="The top-level reply this one answers; null for the opening post and "
        "top-level replies.",
    )
    is_opening = serializers.BooleanField(source="post.is_opening")
    author = CommunityPersonSerializer(source="post.author", allow_null=True)
    author_name = serializers.SerializerMethodField()
    author_role = serializers.CharField(
        help_text="Instructor, Moderator or Mentor, shown next to the name; else empty."
    )
    body_html = serializers.SerializerMethodField(
        help_text="Sanitised HTML. Null when removed by its author, or hidden by a "
        "moderator (moderators still get it)."
    )
    state = serializers.ChoiceField(choices=["visible", "removed", "hidden"])
    hidden_reason = serializers.SerializerMethodField(
        help_text="Moderators, on a hidden post: why it was hidden. Null otherwise."
    )
    created_at = serializers.DateTimeField(source="post.created_at")
    edited_at = serializers.DateTimeField(source="post.edited_at", allow_null=True)
    endorsed_by = CommunityPersonSerializer(
        source="post.endorsed_by",
        allow_null=True,
        help_text="The instructor or mentor who vouched for this answer.",
    )
    is_accepted = serializers.BooleanField(help_text="The asker's accepted answer.")
    mine = serializers.BooleanField(help_text="You wrote it.")
    reactions = ReactionSerializer(many=True)

    def get_author_name(self, view) -> str:
        return _author_name(view.post.author)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body_html(self, view):
        return view.post.body_html if view.visible else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_hidden_reason(self, view):
        if view.visible and view.post.hidden_at is not None:
            return view.post.hidden_reason
        return None


class ReplySerializer(PostSerializer):
    children = PostSerializer(many=True, help_text="Replies to this reply, oldest first.")


class ThreadPageSerializer(serializers.Serializer):
    space = SpaceRefSerializer(source="row.space")
    thread = serializers.SerializerMethodField()
    opening = PostSerializer()
    following = serializers.BooleanField()
    may_reply = serializers.BooleanField()
    reply_refusal = serializers.CharField(help_text="Why you may not reply; empty if you may.")
    count = serializers.IntegerField(
        source="replies.paginator.count", help_text="Top-level replies."
    )
    page = serializers.IntegerField(source="replies.number")
    pages = serializers.IntegerField(source="replies.paginator.num_pages")
    replies = ReplySerializer(source="replies.object_list", many=True)

    @extend_schema_field(ThreadSerializer)
    def get_thread(self, page):
        from community.selectors.spaces import ThreadRow

        return ThreadSerializer(ThreadRow(thread=page.thread, unread=False)).data


class RevisionSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="The thread's title then (opening posts).")
    body_html = serializers.CharField()
    written_at = serializers.DateTimeField()
    replaced_at = serializers.DateTimeField()
    replaced_by = CommunityPersonSerializer(allow_null=True)


class PostHistorySerializer(serializers.Serializer):
    post_id = serializers.IntegerField()
    revisions = RevisionSerializer(many=True, help_text="Earlier versions, oldest first.")


class ReportedPostSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    thread_id = serializers.IntegerField()
    thread_title = serializers.CharField(source="thread.title")
    space = SpaceRefSerializer(source="thread.space")
    author = CommunityPersonSerializer(allow_null=True)
    author_name = serializers.SerializerMethodField()
    body_html = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_author_name(self, post) -> str:
        return _author_name(post.author)


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    note = serializers.CharField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    created_at = serializers.DateTimeField()
    reporter = CommunityPersonSerializer(allow_null=True)


class QueuedReportSerializer(ReportSerializer):
    post = ReportedPostSerializer()


class MuteSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    until = serializers.DateTimeField()
    reason = serializers.CharField()


class PulseWeekSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    posts = serializers.IntegerField()
    active_members = serializers.IntegerField(help_text="Members who posted that week.")


class UnansweredSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    space = SpaceRefSerializer()
    author = CommunityPersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    waiting_seconds = serializers.SerializerMethodField()

    def get_waiting_seconds(self, thread) -> int:
        return int((self.context["now"] - thread.created_at).total_seconds())


class PulseSerializer(serializers.Serializer):
    weeks = PulseWeekSerializer(many=True, help_text="The weeks of the term so far.")
    unanswered = UnansweredSerializer(many=True, help_text="Longest waiting first (20 at most).")
    open_reports = serializers.IntegerField()


class MentionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.CharField(source="get_display_name")


class ProfileSerializer(serializers.Serializer):
    bio = serializers.CharField()
    interests = serializers.CharField()
    links = serializers.ListField(child=serializers.CharField())


class DirectoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_display_name")
    bio = serializers.SerializerMethodField()
    interests = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    def get_bio(self, entry) -> str:
        return entry.profile.bio if entry.profile else ""

    def get_interests(self, entry) -> str:
        return entry.profile.interests if entry.profile else ""

    def get_links(self, entry) -> list[str]:
        return list(entry.profile.links) if entry.profile else []


class DirectorySerializer(serializers.Serializer):
    listed = serializers.BooleanField(help_text="You are listed in this directory.")
    results = DirectoryEntrySerializer(source="entries", many=True)


class ImageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    url = serializers.CharField(help_text="Shown to members of this cohort only.")
    markdown = serializers.CharField(help_text="Paste into a post's text to show the image.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class SearchResultSerializer(serializers.Serializer):
    post_id = serializers.IntegerField(source="pk")
    thread_id = serializers.IntegerField()
    thread_title = serializers.CharField(source="thread.title")
    space = SpaceRefSerializer(source="thread.space")
    is_opening = serializers.BooleanField()
    author = CommunityPersonSerializer(allow_null=True)
    author_name = serializers.SerializerMethodField()
    excerpt = serializers.SerializerMethodField(help_text="The post's text, shortened.")
    created_at = serializers.DateTimeField()

    def get_author_name(self, post) -> str:
        return _author_name(post.author)

    def get_excerpt(self, post) -> str:
        from community.text import excerpt

        return excerpt(post.body_html)


# --- Input ------------------------------------------------------------------------------


def _reason(*, required: bool) -> serializers.CharField:
    if required:
        return TextField(max_length=MAX_REASON, help_text="Why, for the moderation record.")
    return TextField(max_length=MAX_REASON, required=False, allow_blank=True, default="")


def _id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class ThreadInputSerializer(serializers.Serializer):
    title = TextField(max_length=MAX_TITLE)
    body = TextField(max_length=MAX_BODY, help_text="Markdown; @username mentions.")
    accept_guidelines = StrictBooleanField(
        required=False, default=False, help_text="Accept the community guidelines with it."
    )


class ReplyInputSerializer(serializers.Serializer):
    body = TextField(max_length=MAX_BODY, help_text="Markdown; @username mentions.")
    parent_id = _id(
        required=False,
        allow_null=True,
        default=None,
        help_text="A reply of this thread to answer; a reply to a reply joins its top-level reply.",
    )
    accept_guidelines = StrictBooleanField(required=False, default=False)


class PostEditInputSerializer(serializers.Serializer):
    body = TextField(max_length=MAX_BODY)
    title = TextField(
        max_length=MAX_TITLE, required=False, help_text="Opening posts: the thread's new title."
    )


class FollowInputSerializer(serializers.Serializer):
    following = StrictBooleanField()


class AcceptedAnswerInputSerializer(serializers.Serializer):
    post_id = _id(allow_null=True, help_text="A reply of this question; null withdraws it.")


class LockInputSerializer(serializers.Serializer):
    locked = StrictBooleanField()
    reason = TextField(
        max_length=MAX_REASON,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to lock.",
    )


class PinInputSerializer(serializers.Serializer):
    pinned = StrictBooleanField()


class MoveInputSerializer(serializers.Serializer):
    space_id = _id(help_text="An open space of the same cohort.")
    reason = _reason(required=False)


class ReportInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    note = TextField(max_length=MAX_NOTE, required=False, allow_blank=True, default="")


class HideInputSerializer(serializers.Serializer):
    reason = _reason(required=True)


class ReasonInputSerializer(serializers.Serializer):
    reason = _reason(required=False)


class EndorsementInputSerializer(serializers.Serializer):
    endorsed = StrictBooleanField()


class MuteInputSerializer(serializers.Serializer):
    user_id = _id()
    days = serializers.IntegerField(min_value=1, max_value=MAX_MUTE_DAYS)
    reason = _reason(required=True)


class DirectoryListingInputSerializer(serializers.Serializer):
    listed = StrictBooleanField()


class ProfileInputSerializer(serializers.Serializer):
    bio = TextField(max_length=300, required=False, allow_blank=True, default="")
    interests = TextField(max_length=200, required=False, allow_blank=True, default="")
    links = serializers.ListField(
        child=TextField(max_length=200),
        max_length=MAX_LINKS,
        required=False,
        default=list,
        help_text="Web addresses (https://…).",
    )


class ImageInputSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG, GIF or WebP; at most 2 MB.")


class MentionQuerySerializer(serializers.Serializer):
    q = TextField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="What follows the @: the start of a username or name.",
    )


class SearchQuerySerializer(serializers.Serializer):
    q = TextField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Words that must all appear (the first eight count).",
    )
