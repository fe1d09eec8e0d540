"""The access policy: who the viewer is in a cohort, and which cohort they read a
curriculum page through. This is the part other apps ask ("may this user read..."),
so it stays small and depends on nothing else in the selectors."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from wagtail.models import Page

from cohorts.models import CURRICULUM_ACCESS, LIVE_STATUSES, Cohort, Enrolment
from lms.errors import NotAllowed, NotFound
from lms.models import User

# Characters per level of a page's tree path: a course is the first three levels
# (root / home / course), a lesson's module is its path less one level.
STEPLEN = Page.steplen


def cohort_get(*, cohort_id: int) -> Cohort:
    cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
    if cohort is None:
        raise NotFound(_("There is no cohort with that id."))
    return cohort


@dataclass(frozen=True)
class CohortAccess:
    """Who the viewer is in a cohort. ``role`` is "student", "instructor" or "staff"."""

    role: str
    enrolment: Enrolment | None = None

    @property
    def reads_locked(self) -> bool:
        # Instructors and staff prepare ahead; students follow the schedule.
        return self.role in ("instructor", "staff")


def user_can_view_all_rosters(user: User) -> bool:
    """Staff: the staff role in every cohort (rosters, curriculum ahead of schedule, the
    students' work). A named permission, so that ``is_staff`` alone grants nothing;
    active superusers have every permission."""
    return user.has_perm("cohorts.view_all_rosters")


def cohort_access(*, user: User, cohort: Cohort) -> CohortAccess:
    """The viewer's role in the cohort, or NotFound: a cohort you are not part of does
    not exist for you (no hint to strangers)."""
    if user.is_authenticated:
        enrolment = (
            Enrolment.objects.filter(user=user, cohort=cohort, status__in=LIVE_STATUSES)
            .order_by("-pk")
            .first()
        )
        if enrolment is not None:
            # Both are at hand: a self-paced schedule reads them (the member's zone)
            # without a query.
            enrolment.user, enrolment.cohort = user, cohort
        if enrolment is not None and enrolment.gives_access:
            return CohortAccess(role="student", enrolment=enrolment)
        if cohort.instructors.filter(pk=user.pk).exists():
            return CohortAccess(role="instructor")
        if user_can_view_all_rosters(user):
            return CohortAccess(role="staff")
        if enrolment is not None:
            raise NotAllowed(
                _("Your seat in this cohort is not active yet; the curriculum opens once it is."),
                code="enrolment_not_active",
            )
    raise NotFound(_("There is no cohort with that id."))


def user_can_edit_page(*, user: User, page: Page) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    # Pages are edited in the admin, so nobody without admin access edits one. Asking
    # first also spares a workflow query per page, which search would pay per result.
    if not user.has_perm("wagtailadmin.access_admin"):
        return False
    return page.permissions_for_user(user).can_edit()


def cohort_for_course_page(*, user: User, page: Page) -> Cohort | None:
    """The cohort through which this user reads a curriculum page: their running (or
    most recent) cohort of that course, or one they teach."""
    if not user.is_authenticated:
        return None
    course_path = page.path[: STEPLEN * 3]  # root / home / course
    enrolment = (
        Enrolment.objects.filter(
            user=user, status__in=CURRICULUM_ACCESS, cohort__course__path=course_path
        )
        .select_related("cohort")
        .order_by("-cohort__starts_on")
        .first()
    )
    if enrolment is not None:
        return enrolment.cohort
    return (
        Cohort.objects.filter(instructors=user, course__path=course_path)
        .order_by("-starts_on")
        .first()
    )
