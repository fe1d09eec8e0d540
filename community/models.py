"""The community of a cohort: spaces, threads, posts and what people do with them.

Every cohort gets its spaces without anyone setting them up (``services.spaces_sync``):
a general space, introductions, announcements, one per module of the course (open from
the module's unlock moment for that cohort) and the extra spaces the course designer
added in the CMS (``cms.CourseSpace``). A thread's opening post and its replies are all
``Post`` rows; replies nest one level (``parent`` is a top-level reply).

Authors are kept with ``SET_NULL``: a post outlives its author's account and then reads
"a former member".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cms.models import SpacePosting
from lms.statemachine import StateMachine

USER = settings.AUTH_USER_MODEL


class SpaceKind(models.TextChoices):
    GENERAL = "general", _("Cohort space")
    INTRODUCTIONS = "introductions", _("Introductions")
    ANNOUNCEMENTS = "announcements", _("Announcements")
    MODULE = "module", _("Module")
    COURSE = "course", _("Course space")


# The spaces every cohort has once, in this order, before its modules and extra spaces.
STANDARD_KINDS = (SpaceKind.GENERAL, SpaceKind.INTRODUCTIONS, SpaceKind.ANNOUNCEMENTS)


class Space(models.Model):
    cohort = models.ForeignKey(
        "cohorts.Cohort", verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="spaces"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SpaceKind.choices)
    module = models.ForeignKey(
        "cms.ModulePage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A designer's space: name, description and rules are copied from it on every sync,
    # so a cohort keeps its space (and threads) when the designer removes the source.
    course_space = models.ForeignKey(
        "cms.CourseSpace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    posting = models.CharField(
        _("who may start threads"),
        max_length=16,
        choices=SpacePosting.choices,
        default=SpacePosting.MEMBERS,
    )
    is_qa = models.BooleanField(_("questions and answers"), default=False)
    position = models.PositiveIntegerField(default=0)
    # The designer removed the space from the course: kept to read, closed to posting.
    archived_at = models.DateTimeField(null=True, blank=True)
    thread_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["cohort", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "kind"],
                condition=Q(kind__in=["general", "introductions", "announcements"]),
                name="one_standard_space_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["cohort", "module"],
                condition=Q(module__isnull=False),
                name="one_space_per_module",
            ),
            models.UniqueConstraint(
                fields=["cohort", "course_space"],
                condition=Q(course_space__isnull=False),
                name="one_space_per_course_space",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}: {self.title}"

    @property
    def title(self) -> str:
        if self.kind == SpaceKind.MODULE and self.module_id:
            return self.module.title
        if self.kind in (SpaceKind.COURSE, SpaceKind.MODULE):
            return self.name
        return str(SpaceKind(self.kind).label)

    @property
    def hosts_only(self) -> bool:
        return self.kind == SpaceKind.ANNOUNCEMENTS or self.posting == SpacePosting.HOSTS


class Thread(models.Model):
    space = models.ForeignKey(
        Space, verbose_name=_("space"), on_delete=models.CASCADE, related_name="threads"
    )
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    is_question = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created at"))
    last_activity_at = models.DateTimeField(_("last activity"))
    reply_count = models.PositiveIntegerField(default=0)
    # The first visible reply by someone other than the asker: "answered" for questions.
    answered_at = models.DateTimeField(null=True, blank=True)
    accepted_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pinned_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    # Mirrors the opening post: removed by its author or hidden by a moderator.
    removed_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(fields=["space", "pinned_at", "last_activity_at"], name="thread_listing"),
            models.Index(fields=["space", "last_activity_at"], name="thread_activity"),
            models.Index(
                fields=["space", "created_at"],
                condition=Q(is_question=True, answered_at__isnull=True),
                name="thread_unanswered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    # None for the opening post and top-level replies; a reply to a reply points to the
    # top-level reply it belongs to (one level of nesting).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    is_opening = models.BooleanField(default=False)
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    # What the author wrote (Markdown) and its sanitised HTML, rendered once on write.
    body_source = models.TextField()
    body_html = models.TextField()
    # Members mentioned, resolved when written; the fan-out tells them.
    mentioned_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("created at"))
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
    endorsed_at = models.DateTimeField(null=True, blank=True)
    endorsed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set once the notifications of this post (mentions, replies, followers) are made;
    # the sweep finishes any post whose fan-out task was lost.
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=Q(is_opening=True), name="one_opening_post"
            ),
        ]
        indexes = [
            models.Index(
                fields=["thread", "created_at"],
                condition=Q(parent__isnull=True, is_opening=False),
                name="post_top_level",
            ),
            models.Index(fields=["author", "created_at"], name="post_by_author"),
            models.Index(
                fields=["created_at"],
                condition=Q(fanned_out_at__isnull=True),
                name="post_fan_out_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thread_id}/{self.pk}"

    @property
    def is_visible(self) -> bool:
        return self.removed_at is None and self.hidden_at is None


class PostRevision(models.Model):
    """The text a post had before an edit; a post's history is its revisions in order."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200, blank=True)
    body_source = models.TextField()
    body_html = models.TextField()
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField()
    replaced_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["replaced_at", "pk"]

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.replaced_at:%Y-%m-%d %H:%M}"


class ReactionKind(models.TextChoices):
    THUMBS_UP = "thumbs_up", _("Thumbs up")
    HEART = "heart", _("Heart")
    CELEBRATE = "celebrate", _("Celebrate")
    INSIGHTFUL = "insightful", _("Insightful")
    THANKS = "thanks", _("Thank you")


REACTION_EMOJI = {
    ReactionKind.THUMBS_UP: "👍",
    ReactionKind.HEART: "❤️",
    ReactionKind.CELEBRATE: "🎉",
    ReactionKind.INSIGHTFUL: "💡",
    ReactionKind.THANKS: "🙏",
}


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="one_reaction_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.post_id}"


class Follow(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_follow")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.thread_id}"


class ThreadRead(models.Model):
    """Everything in the thread up to ``read_at`` is read by the user."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="one_thread_read")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id}"


class SpaceRead(models.Model):
    """ "Mark space read": every thread of the space active before ``read_at`` is read."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "space"], name="one_space_read")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.space_id}"


class RoleKind(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MODERATOR = "moderator", _("Moderator")


class Role(models.Model):
    """A mentor or moderator, appointed by staff for one cohort or every cohort of a course."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="community_roles")
    role = models.CharField(_("role"), max_length=16, choices=RoleKind.choices)
    cohort = models.ForeignKey(
        "cohorts.Cohort", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(
        "cms.CoursePage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    appointed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("appointed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("community role")
        verbose_name_plural = _("community roles")
        constraints = [
            models.CheckConstraint(
                condition=Q(cohort__isnull=True, course__isnull=False)
                | Q(cohort__isnull=False, course__isnull=True),
                name="role_for_a_cohort_or_a_course",
                violation_error_message=_("Choose one cohort or one course, not both."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "cohort"],
                condition=Q(cohort__isnull=False),
                name="one_role_per_cohort",
                violation_error_message=_("That person has this role there already."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "course"],
                condition=Q(course__isnull=False),
                name="one_role_per_course",
                violation_error_message=_("That person has this role there already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.cohort_id or self.course_id}"


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Harassment or abuse")
    OFF_TOPIC = "off_topic", _("Off topic")
    PERSONAL = "personal", _("Someone's personal information")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTIONED = "actioned", _("Post hidden")
    DISMISSED = "dismissed", _("Dismissed")


REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ReportStatus.OPEN: frozenset({ReportStatus.ACTIONED, ReportStatus.DISMISSED}),
    ReportStatus.ACTIONED: frozenset(),
    ReportStatus.DISMISSED: frozenset(),
}


class Report(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=16, choices=ReportReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(_("reported at"))
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(status="open"),
                name="one_open_report_per_reporter",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="report_queue"),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.post_id} ({self.status})"


REPORT_MACHINE = StateMachine(
    name="report",
    model=Report,
    transitions=REPORT_TRANSITIONS,
    labels=ReportStatus,
    refused=_("This report is already closed (“%(current)s”)."),
    stamps={ReportStatus.ACTIONED: "resolved_at", ReportStatus.DISMISSED: "resolved_at"},
)


class ModerationActionKind(models.TextChoices):
    HIDE = "hide", _("Hid a post")
    RESTORE = "restore", _("Restored a post")
    LOCK = "lock", _("Locked a thread")
    UNLOCK = "unlock", _("Unlocked a thread")
    PIN = "pin", _("Pinned a thread")
    UNPIN = "unpin", _("Unpinned a thread")
    MOVE = "move", _("Moved a thread")
    MUTE = "mute", _("Muted a member")
    UNMUTE = "unmute", _("Lifted a mute")
    DISMISS = "dismiss", _("Dismissed a report")
    ENDORSE = "endorse", _("Endorsed an answer")
    UNENDORSE = "unendorse", _("Withdrew an endorsement")


class ModerationAction(models.Model):
    """Who did what to whom, and why: written by every moderation service, never edited."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=ModerationActionKind.choices)
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["cohort", "created_at"], name="moderation_log")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} ({self.created_at:%Y-%m-%d %H:%M})"


class Mute(models.Model):
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=300)
    muted_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["cohort", "user", "until"], name="mute_lookup")]

    def __str__(self) -> str:
        return f"{self.user_id} muted in {self.cohort_id} until {self.until:%Y-%m-%d %H:%M}"


class GuidelinesAcceptance(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("cms.CoursePage", on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="guidelines_accepted_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.course_id}"


class MemberProfile(models.Model):
    """What a member shows about themselves in the directories they choose to be in."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="community_profile")
    bio = models.CharField(_("short bio"), max_length=300, blank=True)
    interests = models.CharField(_("interests"), max_length=200, blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"


class DirectoryListing(models.Model):
    """The member chose to be listed in this cohort's directory (off by default)."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="listed_once")]

    def __str__(self) -> str:
        return f"{self.user_id} listed in {self.cohort_id}"


def _image_path(instance: PostImage, filename: str) -> str:
    # Never the uploader's file name: it may name them or their machine.
    import uuid

    ext = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}.get(instance.format, "bin")
    return f"community/{instance.cohort_id}/{uuid.uuid4().hex}.{ext}"


class PostImage(models.Model):
    """An image uploaded for a post, served only to members of its cohort."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="+")
    uploader = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=_image_path, max_length=200)
    format = models.CharField(max_length=8)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"image {self.pk} of {self.cohort_id}"
