"""The rules a badge class can have: one small class per kind of criterion.

A kind says which settings it needs (``form_fields``), checks them against the badge's
course (``clean``), and measures a student's progress (``progress``) from shared
``Facts``. Facts are loaded once per evaluation, for every student in it, and each
loader runs at most one query: evaluating one event or a whole cohort costs a fixed
number of queries however many badge classes and awards there are.

Adding a kind is one small class here, as ``SessionsAttended`` shows: a ``Facts``
property that loads what it measures for every student at once (one query), a
``RuleKind`` subclass with its form fields and ``progress``, decorated with
``@register``; and the owning app's event added to the list in
``badges.receivers.connect``. The admin form, evaluation, tasks, pages and API pick the
new kind up from the registry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lms.errors import ValidationFailed


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def met(self) -> bool:
        return self.total > 0 and self.done >= self.total

    @property
    def percent(self) -> int:
        return 0 if not self.total else min(100, round(100 * self.done / self.total))


class Facts:
    """What the rules measure, for some enrolments of one cohort. Each property is one
    query, run only when a rule asks for it."""

    def __init__(self, cohort, enrolments: Iterable):
        self.cohort = cohort
        self.enrolments = list(enrolments)
        self.user_ids = [e.user_id for e in self.enrolments]

    @cached_property
    def modules(self) -> dict[int, str]:
        """Live modules of the course: id → tree path."""
        from cms.models import ModulePage

        course = self.cohort.course
        return dict(
            ModulePage.objects.live()
            .filter(path__startswith=course.path, depth=course.depth + 1)
            .values_list("pk", "path")
        )

    @cached_property
    def lessons_by_module(self) -> dict[int, set[int]]:
        """Live lessons of the course per module (only under live modules)."""
        from cms.models import LessonPage

        course = self.cohort.course
        module_of_path = {path: pk for pk, path in self.modules.items()}
        result: dict[int, set[int]] = {pk: set() for pk in self.modules}
        for pk, path in (
            LessonPage.objects.live()
            .filter(path__startswith=course.path, depth=course.depth + 2)
            .values_list("pk", "path")
        ):
            module_id = module_of_path.get(path[: -LessonPage.steplen])
            if module_id is not None:
                result[module_id].add(pk)
        return result

    @cached_property
    def completed_lessons(self) -> dict[int, set[int]]:
        """Enrolment id → ids of lessons marked complete."""
        from cohorts.models import LessonCompletion

        result: dict[int, set[int]] = defaultdict(set)
        for enrolment_id, lesson_id in LessonCompletion.objects.filter(
            enrolment__in=[e.pk for e in self.enrolments]
        ).values_list("enrolment_id", "lesson_id"):
            result[enrolment_id].add(lesson_id)
        return result

    @cached_property
    def assignments(self) -> list[int]:
        """Live assignments of the course."""
        from cms.models import AssignmentPage

        course = self.cohort.course
        return list(
            AssignmentPage.objects.live()
            .filter(path__startswith=course.path)
            .values_list("pk", flat=True)
        )

    @cached_property
    def released_grades(self) -> dict[int, dict[int, Decimal]]:
        """Student id → {assignment id: final percent} of released grades."""
        from reviews.models import Grade

        result: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for author_id, assignment_id, percent in Grade.objects.filter(
            released_at__isnull=False,
            submission__cohort_assignment__cohort=self.cohort,
            submission__author__in=self.user_ids,
        ).values_list(
            "submission__author_id", "submission__cohort_assignment__assignment_id", "final_percent"
        ):
            result[author_id][assignment_id] = percent
        return result

    @cached_property
    def peer_reviews_given(self) -> dict[int, list[int | None]]:
        """Student id → the helpfulness ratings (None: not rated) of the peer reviews
        they submitted in this cohort."""
        from reviews.models import Review, ReviewKind, ReviewStatus

        result: dict[int, list[int | None]] = defaultdict(list)
        for reviewer_id, helpfulness in Review.objects.filter(
            kind=ReviewKind.PEER,
            status=ReviewStatus.SUBMITTED,
            submission__cohort_assignment__cohort=self.cohort,
            reviewer__in=self.user_ids,
        ).values_list("reviewer_id", "helpfulness"):
            result[reviewer_id].append(helpfulness)
        return result

    @cached_property
    def sessions_attended(self) -> dict[int, int]:
        """Student id → live sessions of this cohort they attended."""
        from django.db.models import Count

        from live.models import Attendance

        return dict(
            Attendance.objects.filter(
                session__cohort=self.cohort, user__in=self.user_ids, attended=True
            )
            .values_list("user_id")
            .annotate(n=Count("pk"))
            .values_list("user_id", "n")
        )

    @cached_property
    def membership_years(self) -> dict[int, int]:
        """Student id → full years of membership celebrated (their longest membership)."""
        from django.db.models import Max

        from memberships.models import Membership

        return dict(
            Membership.objects.filter(user__in=self.user_ids)
            .values_list("user_id")
            .annotate(years=Max("anniversaries_celebrated"))
            .values_list("user_id", "years")
        )


class RuleKind:
    """One kind of criterion. ``automatic`` kinds are checked on every event."""

    kind: str = ""
    label: str | Promise = ""
    automatic = True

    def form_fields(self) -> dict[str, forms.Field]:
        return {}

    def clean(self, config: dict, *, course) -> dict:
        """The settings as stored; raise ValidationFailed naming the field to fix."""
        return {}

    def progress(self, config: dict, enrolment, facts: Facts) -> Progress:
        raise NotImplementedError

    def describe(self, config: dict) -> str:
        return str(self.label)


_REGISTRY: dict[str, RuleKind] = {}


def register(kind: type[RuleKind]) -> type[RuleKind]:
    """Class decorator: make a kind available to badge classes."""
    _REGISTRY[kind.kind] = kind()
    return kind


def get_kind(name: str) -> RuleKind:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValidationFailed(
            _("Unknown kind of rule '%(kind)s'.") % {"kind": name}, field="rule_kind"
        ) from None


def kinds() -> list[RuleKind]:
    return list(_REGISTRY.values())


def kind_choices() -> list[tuple[str, str | Promise]]:
    return [(k.kind, k.label) for k in _REGISTRY.values()]


def _page_in_course(model, page_id, *, course, field: str, what: str):
    page = model.objects.filter(pk=page_id, path__startswith=course.path).first()
    if page is None:
        raise ValidationFailed(
            _("Choose %(what)s of this badge's course.") % {"what": what}, field=field
        )
    return page


def _int(value, *, field: str, minimum: int, maximum: int, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(message, field=field) from None
    if not minimum <= number <= maximum:
        raise ValidationFailed(message, field=field)
    return number


@register
class ModuleLessonsCompleted(RuleKind):
    kind = "module_lessons"
    label = gettext_lazy("Every lesson of a module completed")

    def form_fields(self):
        from cms.models import ModulePage

        return {
            "module": forms.ModelChoiceField(
                ModulePage.objects.all(), required=False, label=gettext_lazy("Module")
            )
        }

    def clean(self, config, *, course):
        from cms.models import ModulePage

        module = config.get("module")
        if not module:
            raise ValidationFailed(_("Choose the module."), field="module")
        page = _page_in_course(
            ModulePage,
            getattr(module, "pk", module),
            course=course,
            field="module",
            what=_("a module"),
        )
        return {"module": page.pk}

    def progress(self, config, enrolment, facts):
        lessons = facts.lessons_by_module.get(config["module"], set())
        done = len(lessons & facts.completed_lessons.get(enrolment.pk, set()))
        return Progress(done, len(lessons))


@register
class AllModulesCompleted(RuleKind):
    kind = "all_modules"
    label = gettext_lazy("Every lesson of the course completed")

    def progress(self, config, enrolment, facts):
        lessons = (
            set().union(*facts.lessons_by_module.values()) if facts.lessons_by_module else set()
        )
        done = len(lessons & facts.completed_lessons.get(enrolment.pk, set()))
        return Progress(done, len(lessons))


@register
class AssignmentsPassed(RuleKind):
    kind = "assignments_passed"
    label = gettext_lazy("Assignments passed (all, or one) at or above a grade")

    def form_fields(self):
        from cms.models import AssignmentPage

        return {
            "assignment": forms.ModelChoiceField(
                AssignmentPage.objects.all(),
                required=False,
                label=gettext_lazy("Assignment"),
                help_text=gettext_lazy("Empty: every assignment of the course."),
            ),
            "min_percent": forms.DecimalField(
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=1,
                label=gettext_lazy("Lowest passing grade (%)"),
            ),
        }

    def clean(self, config, *, course):
        from cms.models import AssignmentPage

        assignment = config.get("assignment")
        assignment_id = None
        if assignment:
            assignment_id = _page_in_course(
                AssignmentPage,
                getattr(assignment, "pk", assignment),
                course=course,
                field="assignment",
                what=_("an assignment"),
            ).pk
        raw = config.get("min_percent")
        try:
            percent = Decimal(str(raw)) if raw not in (None, "") else None
        except InvalidOperation:
            percent = None
        if percent is None or not Decimal(0) <= percent <= Decimal(100):
            raise ValidationFailed(
                _("Give the lowest passing grade as a percentage from 0 to 100."),
                field="min_percent",
            )
        return {"assignment": assignment_id, "min_percent": str(percent)}

    def progress(self, config, enrolment, facts):
        wanted = [config["assignment"]] if config.get("assignment") else facts.assignments
        grades = facts.released_grades.get(enrolment.user_id, {})
        threshold = Decimal(config["min_percent"])
        done = sum(1 for a in wanted if a in grades and grades[a] >= threshold)
        return Progress(done, len(wanted))


@register
class PeerReviewsGiven(RuleKind):
    kind = "peer_reviews"
    label = gettext_lazy("Peer reviews given")

    def form_fields(self):
        return {
            "count": forms.IntegerField(
                required=False, min_value=1, max_value=1000, label=gettext_lazy("Number of reviews")
            ),
            "min_helpfulness": forms.IntegerField(
                required=False,
                min_value=1,
                max_value=5,
                label=gettext_lazy("Rated at least this helpful (1 to 5)"),
                help_text=gettext_lazy("Empty: every submitted review counts."),
            ),
        }

    def clean(self, config, *, course):
        count = _int(
            config.get("count"),
            field="count",
            minimum=1,
            maximum=1000,
            message=_("Give the number of reviews, from 1 to 1000."),
        )
        helpful = config.get("min_helpfulness")
        if helpful not in (None, ""):
            helpful = _int(
                helpful,
                field="min_helpfulness",
                minimum=1,
                maximum=5,
                message=_("Helpfulness is rated from 1 to 5."),
            )
        else:
            helpful = None
        return {"count": count, "min_helpfulness": helpful}

    def progress(self, config, enrolment, facts):
        ratings = facts.peer_reviews_given.get(enrolment.user_id, [])
        minimum = config.get("min_helpfulness")
        if minimum:
            done = sum(1 for r in ratings if r is not None and r >= minimum)
        else:
            done = len(ratings)
        return Progress(min(done, config["count"]), config["count"])


@register
class SessionsAttended(RuleKind):
    kind = "sessions_attended"
    label = gettext_lazy("Live sessions attended")

    def form_fields(self):
        return {
            "count": forms.IntegerField(
                required=False,
                min_value=1,
                max_value=200,
                label=gettext_lazy("Number of live sessions"),
            )
        }

    def clean(self, config, *, course):
        return {
            "count": _int(
                config.get("count"),
                field="count",
                minimum=1,
                maximum=200,
                message=_("Say how many live sessions a student must attend (1 to 200)."),
            )
        }

    def progress(self, config, enrolment, facts):
        return Progress(facts.sessions_attended.get(enrolment.user_id, 0), config["count"])

    def describe(self, config):
        return _("Attend %(n)s live sessions") % {"n": config["count"]}


@register
class CohortCompleted(RuleKind):
    kind = "cohort_completed"
    label = gettext_lazy("Cohort completed")

    def progress(self, config, enrolment, facts):
        from cohorts.models import EnrolmentStatus

        return Progress(int(enrolment.status == EnrolmentStatus.COMPLETED), 1)


@register
class AwardedByInstructor(RuleKind):
    kind = "manual"
    label = gettext_lazy("Awarded by an instructor")
    automatic = False

    def progress(self, config, enrolment, facts):
        return Progress(0, 0)


@register
class MembershipAnniversary(RuleKind):
    kind = "membership_years"
    label = gettext_lazy("Years of membership")

    def form_fields(self):
        return {
            "years": forms.IntegerField(
                required=False, min_value=1, max_value=50, label=gettext_lazy("Years a member")
            )
        }

    def clean(self, config, *, course):
        return {
            "years": _int(
                config.get("years"),
                field="years",
                minimum=1,
                maximum=50,
                message=_("Say after how many years of membership (1 to 50)."),
            )
        }

    def progress(self, config, enrolment, facts):
        return Progress(facts.membership_years.get(enrolment.user_id, 0), config["years"])

    def describe(self, config):
        years = config["years"]
        return ngettext("A member for %(n)s year", "A member for %(n)s years", years) % {"n": years}
