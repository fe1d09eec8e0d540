"""The curriculum as Wagtail pages: site home (the catalogue) → course → module → lesson.

Lesson content is only ever rendered here for people who may edit it (and in previews);
students read it through the cohort views, which apply the cohort's unlock schedule.
Both rules belong to the apps above cms, which plug into these pages through hooks:

- ``construct_page_context`` (ours): ``fn(page, request, context)`` adds to the context
  of the home and course pages (cohorts adds the catalogue and a course's cohorts);
- Wagtail's ``on_serve_page``: cohorts sends learners of a module, lesson or
  assignment page to their cohort's view of it and others to its public teaser.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import LessonStreamBlock, RubricStreamBlock


def _context_from_hooks(page: Page, request, context: dict) -> dict:
    for fn in hooks.get_hooks("construct_page_context"):
        fn(page, request, context)
    return context


class HomePage(Page):
    """The site root: introduces the organisation and lists the course catalogue."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.CoursePage", "cms.HelpIndexPage", "cms.NewsIndexPage"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        # The catalogue ("courses") comes from the construct_page_context hook.
        context = super().get_context(request, *args, **kwargs)
        return _context_from_hooks(self, request, context)


class CoursePage(Page):
    summary = models.TextField(
        _("summary"), max_length=500, help_text=_("One or two sentences for the catalogue.")
    )
    description = RichTextField(
        _("description"), blank=True, features=["h2", "h3", "bold", "italic", "link", "ol", "ul"]
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The community of every cohort of the course (the community app reads these).
    community_welcome = models.TextField(
        _("welcome message"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Sent by the host to each new member of a cohort, with a prompt to introduce "
            "themselves. Leave empty for the standard welcome."
        ),
    )
    community_guidelines = RichTextField(
        _("community guidelines"),
        blank=True,
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        help_text=_("Members accept these before their first post."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("image"),
    ]
    community_panels = [
        FieldPanel("community_welcome"),
        FieldPanel("community_guidelines"),
        InlinePanel("community_spaces", label=_("Extra spaces for every cohort")),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(community_panels, heading=_("Community")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings"), classname="settings"),
        ]
    )
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
    ]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ModulePage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def get_context(self, request, *args, **kwargs):
        # Modules and cohorts ("outline") come from the construct_page_context hook.
        context = super().get_context(request, *args, **kwargs)
        return _context_from_hooks(self, request, context)


class SpacePosting(models.TextChoices):
    MEMBERS = "members", _("Every member starts threads")
    HOSTS = "hosts", _("Only instructors and moderators start threads")


class CourseSpace(Orderable):
    """A discussion space the course designer adds; every cohort of the course gets it."""

    course = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="community_spaces")
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    posting = models.CharField(
        _("who may start threads"),
        max_length=16,
        choices=SpacePosting.choices,
        default=SpacePosting.MEMBERS,
    )
    is_qa = models.BooleanField(
        _("questions and answers"),
        default=False,
        help_text=_("Each thread is a question; answers can be accepted and endorsed."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("posting"),
        FieldPanel("is_qa"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("course space")
        verbose_name_plural = _("course spaces")

    def __str__(self) -> str:
        return self.name


class UnlockUnit(models.TextChoices):
    WEEK = "week", _("Week of the cohort")
    DAY = "day", _("Days after the cohort starts")


def unlock_label(unit: str, offset: int) -> str:
    """ "Week 3" or "Day 10": how a module's place in the schedule reads."""
    if unit == UnlockUnit.WEEK:
        return gettext("Week %(n)s") % {"n": offset}
    return gettext("Day %(n)s") % {"n": offset}


class ModulePage(Page):
    """One unit of the course, usually a week. Title and summary are public; the
    lessons below it open at the cohort's unlock moment."""

    summary = models.TextField(
        _("summary"),
        max_length=600,
        help_text=_("Shown to students even while the module is still locked."),
    )
    unlock_unit = models.CharField(
        _("unlocks by"), max_length=8, choices=UnlockUnit.choices, default=UnlockUnit.WEEK
    )
    unlock_offset = models.PositiveSmallIntegerField(
        _("unlock offset"),
        default=1,
        help_text=_(
            "Week number (1 = the first week) or number of days after the cohort start "
            "(0 = the start day). Weeks open on the cohort's unlock weekday and time."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("unlock_unit"), FieldPanel("unlock_offset")])],
            heading=_("Unlock schedule"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]

    parent_page_types = ["cms.CoursePage"]
    subpage_types = ["cms.LessonPage", "cms.AssignmentPage"]

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def clean(self) -> None:
        super().clean()
        if self.unlock_unit == UnlockUnit.WEEK and self.unlock_offset < 1:
            raise ValidationError(
                {"unlock_offset": _("Weeks are counted from 1: week 1 opens at the start.")}
            )

    @property
    def unlock_label(self) -> str:
        return unlock_label(self.unlock_unit, self.unlock_offset)


class LessonPage(Page):
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), null=True, blank=True
    )
    body = StreamField(LessonStreamBlock(), verbose_name=_("content"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("estimated_minutes"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    parent_page_types = ["cms.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")


class InstructorGrading(models.TextChoices):
    ESCALATIONS = "escalations", _("Only escalations (flagged, short of reviews, disputed)")
    ALL = "all", _("Every submission")


class LatePolicy(models.TextChoices):
    PENALTY = "penalty", _("Accept with a penalty per day, up to a cut-off")
    REFUSE = "refuse", _("Do not accept late work")


class AssignmentPage(Page):
    """Work students hand in for a module, reviewed by peers and graded against a rubric.

    Deadlines are offsets from the module's unlock, on the cohort's local calendar, so
    one assignment serves every cohort of the course. Reviews keep a snapshot of the
    rubric they were given against; editing the rubric here never changes them.
    """

    instructions = RichTextField(
        _("instructions"), features=["h2", "h3", "bold", "italic", "link", "ol", "ul"]
    )
    accepts_text = models.BooleanField(_("text"), default=True)
    accepts_file = models.BooleanField(_("file upload"), default=False)
    accepts_link = models.BooleanField(_("link"), default=False)
    rubric = StreamField(RubricStreamBlock(), verbose_name=_("rubric"))
    due_days = models.PositiveSmallIntegerField(
        _("due after (days)"),
        default=6,
        help_text=_("Days after the module unlocks, on the cohort's calendar."),
    )
    due_time = models.TimeField(
        _("due at (local time)"), default=dt.time(23, 59), help_text=_("In the cohort's timezone.")
    )
    peer_reviews = models.PositiveSmallIntegerField(
        _("peer reviews"),
        default=3,
        validators=[MaxValueValidator(10)],
        help_text=_(
            "How many peers review each submission, and how many reviews each student "
            "gives. 0 turns peer review off."
        ),
    )
    self_assessment = models.BooleanField(
        _("self-assessment"), default=False, help_text=_("Authors also score their own work.")
    )
    review_days = models.PositiveSmallIntegerField(
        _("review period (days)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("Peer review closes this many days after the deadline."),
    )
    review_turnaround_hours = models.PositiveSmallIntegerField(
        _("time per review (hours)"),
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A reviewer who has not finished after this many hours loses the review; it "
            "goes to another student so that no author waits on an absent peer."
        ),
    )
    instructor_grading = models.CharField(
        _("instructors grade"),
        max_length=16,
        choices=InstructorGrading.choices,
        default=InstructorGrading.ESCALATIONS,
    )
    disagreement_percent = models.PositiveSmallIntegerField(
        _("peer disagreement limit (%)"),
        default=30,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "When peer scores differ by more than this share of the maximum, an "
            "instructor grades the submission."
        ),
    )
    late_policy = models.CharField(
        _("late work"), max_length=16, choices=LatePolicy.choices, default=LatePolicy.PENALTY
    )
    late_penalty_percent = models.PositiveSmallIntegerField(
        _("penalty per late day (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    late_cutoff_days = models.PositiveSmallIntegerField(
        _("late work accepted for (days)"), default=3
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("instructions"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("accepts_text"),
                        FieldPanel("accepts_file"),
                        FieldPanel("accepts_link"),
                    ]
                )
            ],
            heading=_("Students hand in"),
        ),
        FieldPanel("rubric"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("due_days"), FieldPanel("due_time")]),
                FieldRowPanel([FieldPanel("late_policy"), FieldPanel("late_penalty_percent")]),
                FieldPanel("late_cutoff_days"),
            ],
            heading=_("Deadline and late work"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("peer_reviews"), FieldPanel("self_assessment")]),
                FieldRowPanel([FieldPanel("review_days"), FieldPanel("review_turnaround_hours")]),
                FieldRowPanel(
                    [FieldPanel("instructor_grading"), FieldPanel("disagreement_percent")]
                ),
            ],
            heading=_("Review and grading"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("instructions")]

    parent_page_types = ["cms.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def clean(self) -> None:
        super().clean()
        if not (self.accepts_text or self.accepts_file or self.accepts_link):
            raise ValidationError(
                {"accepts_text": _("Accept at least one kind of submission: text, file or link.")}
            )
        if self.review_turnaround_hours > self.review_days * 24:
            raise ValidationError(
                {
                    "review_turnaround_hours": _(
                        "The time per review cannot be longer than the review period."
                    )
                }
            )
