"""Reads for badges. Each page-level selector costs a fixed number of queries whatever
the number of badge classes and awards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from badges import rules
from badges.models import Award, BadgeClass
from cohorts.models import CURRICULUM_ACCESS, Cohort, CohortStatus, Enrolment
from lms.errors import NotFound
from lms.models import User


def _uuid(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError):
        return None


def enrolment_batch(*, cohort: Cohort, after_id: int, size: int) -> list[int]:
    """Ids of the next ``size`` enrolments with access to the curriculum, by id."""
    return list(
        Enrolment.objects.filter(cohort=cohort, status__in=CURRICULUM_ACCESS, pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )


def cohorts_to_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Cohorts whose students may still earn badges: started, and not ended more than
    two weeks ago (grades and completions land after the last day)."""
    today = (now or timezone.now()).date()
    return list(
        Cohort.objects.filter(
            status=CohortStatus.SCHEDULED,
            starts_on__lte=today,
            ends_on__gte=today - dt.timedelta(days=14),
            course__badge_classes__live=True,
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def badge_class_get_published(*, badge_uuid) -> BadgeClass:
    """A published badge class by its public id. 1 query."""
    value = _uuid(badge_uuid)
    badge = (
        BadgeClass.objects.select_related("course").filter(uuid=value, live=True).first()
        if value
        else None
    )
    if badge is None:
        raise NotFound(_("There is no badge with that id."))
    return badge


def user_can_view_badge_stats(user: User) -> bool:
    """Staff: per badge and cohort, how many earned it. Active superusers have every
    permission; ``is_staff`` alone grants nothing."""
    return user.has_perm("badges.view_badge_stats")


def user_can_manage_awards(user: User) -> bool:
    """Staff: award, revoke and see every award in every cohort, not only the cohorts
    one teaches."""
    return user.has_perm("badges.manage_awards")


def user_may_see_award(*, user: User, award: Award) -> bool:
    if award.is_public:
        return True
    if not user.is_authenticated:
        return False
    if user.pk == award.recipient_id:
        return True
    # The instructor check first: a page's query count should not grow with it.
    return award.cohort.instructors.filter(pk=user.pk).exists() or user_can_manage_awards(user)


def award_get_visible(*, award_uuid, user: User) -> Award:
    """An award as the viewer may see it: a private award is "not found" for anyone but
    the student, the cohort's instructors and staff. Revoked awards are returned (the
    caller answers 410 for them). 1 or 2 queries."""
    value = _uuid(award_uuid)
    award = (
        Award.objects.select_related("badge_class__course", "recipient", "cohort")
        .filter(uuid=value)
        .first()
        if value
        else None
    )
    if award is None or not user_may_see_award(user=user, award=award):
        raise NotFound(_("There is no badge with that id."))
    return award


def award_get_for_staff(*, award_id: int, user: User) -> Award:
    """An award the user may revoke (instructor of its cohort or staff). 2 queries."""
    from lms.api import MAX_ID

    award = (
        Award.objects.select_related("badge_class", "recipient", "cohort")
        .filter(pk=award_id)
        .first()
        if 0 < award_id <= MAX_ID
        else None
    )
    if award is None or not (
        award.cohort.instructors.filter(pk=user.pk).exists() or user_can_manage_awards(user)
    ):
        raise NotFound(_("There is no award with that id."))
    return award


@dataclass
class BadgeProgress:
    badge: BadgeClass
    cohort: Cohort
    award: Award | None
    progress: rules.Progress | None

    @property
    def earned(self) -> bool:
        return self.award is not None


@dataclass
class CohortBadges:
    cohort: Cohort
    earned: list[BadgeProgress] = field(default_factory=list)
    to_earn: list[BadgeProgress] = field(default_factory=list)


def my_badges(*, user: User) -> list[CohortBadges]:
    """The student's badges per cohort: earned, and progress towards the others.
    3 queries, plus at most one per kind of fact for each cohort the student is in."""
    enrolments = list(
        Enrolment.objects.filter(user=user, status__in=CURRICULUM_ACCESS)
        .select_related("cohort__course")
        .order_by("-cohort__starts_on", "pk")
    )
    if not enrolments:
        return []
    course_ids = {e.cohort.course_id for e in enrolments}
    badges = list(BadgeClass.objects.filter(course_id__in=course_ids, live=True))
    awards = {
        a.badge_class_id: a for a in Award.objects.filter(recipient=user, revoked_at__isnull=True)
    }
    result = []
    for enrolment in enrolments:
        block = CohortBadges(cohort=enrolment.cohort)
        facts = rules.Facts(enrolment.cohort, [enrolment])
        for badge in badges:
            if badge.course_id != enrolment.cohort.course_id:
                continue
            award = awards.get(badge.pk)
            if award is not None:
                if award.cohort_id == enrolment.cohort_id:
                    award.badge_class = badge
                    block.earned.append(BadgeProgress(badge, enrolment.cohort, award, None))
                continue
            kind = rules.get_kind(badge.rule_kind)
            progress = (
                kind.progress(badge.rule_config, enrolment, facts) if kind.automatic else None
            )
            block.to_earn.append(BadgeProgress(badge, enrolment.cohort, None, progress))
        block.to_earn.sort(key=lambda p: -(p.progress.percent if p.progress else -1))
        result.append(block)
    return result


def cohort_awards_of(*, cohort: Cohort, user: User) -> list[Award]:
    """The student's live awards in one cohort, for the dashboard. 1 query."""
    return list(
        Award.objects.filter(cohort=cohort, recipient=user, revoked_at__isnull=True)
        .select_related("badge_class")
        .order_by("awarded_at", "pk")
    )


def cohort_awards(*, cohort: Cohort) -> QuerySet[Award]:
    """Every award of a cohort, newest first (the instructors' list)."""
    return Award.objects.filter(cohort=cohort).select_related("badge_class", "recipient")


def badge_class_counts(*, course_id: int | None = None) -> list[dict]:
    """Per badge class and cohort, how many students hold it (revoked awards not
    counted). 1 query."""
    rows = Award.objects.filter(revoked_at__isnull=True)
    if course_id is not None:
        rows = rows.filter(badge_class__course_id=course_id)
    return [
        dict(row)
        for row in rows.values(
            "badge_class_id",
            "badge_class__name",
            "cohort_id",
            "cohort__name",
        )
        .annotate(earned=Count("pk"))
        .order_by("badge_class__name", "badge_class_id", "cohort_id")
    ]


def badge_classes_for(*, cohort: Cohort) -> list[BadgeClass]:
    """Published badge classes of the cohort's course."""
    return list(BadgeClass.objects.filter(course_id=cohort.course_id, live=True))


@dataclass
class CohortBadgeBoard:
    cohort: Cohort
    badges: list[BadgeClass]
    earned: dict[int, int]
    awards: list[Award]
    students: list[User]

    @property
    def manual_badges(self) -> list[BadgeClass]:
        return [b for b in self.badges if b.is_manual]

    @property
    def rows(self) -> list[tuple[BadgeClass, int]]:
        return [(b, self.earned.get(b.pk, 0)) for b in self.badges]


def cohort_badge_board(*, cohort_id: int, user: User) -> CohortBadgeBoard:
    """The instructors' view of a cohort's badges: how many earned each, every award,
    and who can be given a badge. 6 queries."""
    from cohorts.selectors import cohort_get
    from lms.api import MAX_ID

    if not 0 < cohort_id <= MAX_ID:
        raise NotFound(_("You teach no cohort with that id."))
    cohort = cohort_get(cohort_id=cohort_id)
    if not (cohort.instructors.filter(pk=user.pk).exists() or user_can_manage_awards(user)):
        raise NotFound(_("You teach no cohort with that id."))
    badges = badge_classes_for(cohort=cohort)
    earned = dict(
        Award.objects.filter(cohort=cohort, revoked_at__isnull=True)
        .values("badge_class_id")
        .annotate(n=Count("pk"))
        .values_list("badge_class_id", "n")
    )
    students = [
        e.user
        for e in Enrolment.objects.filter(cohort=cohort, status__in=CURRICULUM_ACCESS)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    ]
    return CohortBadgeBoard(
        cohort=cohort,
        badges=badges,
        earned=earned,
        awards=list(cohort_awards(cohort=cohort)[:500]),
        students=students,
    )
