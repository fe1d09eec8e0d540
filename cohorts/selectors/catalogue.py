"""The catalogue: published courses with their cohorts still running or to come, seat
counts, the enrolment window and the viewer's own status in each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import CoursePage
from cms.selectors import ModuleOutline, modules_outline
from cohorts import schedule
from cohorts.models import (
    LIVE_STATUSES,
    SEAT_HOLDING,
    Cohort,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
)
from lms.errors import NotFound
from lms.models import User


@dataclass(frozen=True)
class CohortListing:
    cohort: Cohort
    seats_taken: int
    waitlist_length: int
    window: str  # "upcoming", "open" or "closed"
    phase: str  # "upcoming", "running" or "ended"
    my_status: str | None

    @property
    def seats_left(self) -> int:
        return max(self.cohort.capacity - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0

    @property
    def can_enrol(self) -> bool:
        return self.window == "open" and self.my_status is None


@dataclass(frozen=True)
class CourseListing:
    course: CoursePage
    cohorts: list[CohortListing]


def _cohorts_with_counts() -> QuerySet[Cohort]:
    # The price comes along (payments' CohortPrice) so the catalogue shows it for free.
    return Cohort.objects.select_related("course", "price").annotate(
        seats_taken=Count("enrolments", filter=Q(enrolments__status__in=SEAT_HOLDING)),
        waitlist_length=Count(
            "enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)
        ),
    )


def _listing(cohort: Cohort, now: dt.datetime, my_status: str | None) -> CohortListing:
    if now < cohort.enrolment_opens_at:
        window = "upcoming"
    elif now < cohort.enrolment_closes_at and not cohort.is_cancelled:
        window = "open"
    else:
        window = "closed"
    return CohortListing(
        cohort=cohort,
        seats_taken=cohort.seats_taken,
        waitlist_length=cohort.waitlist_length,
        window=window,
        phase=cohort_phase(cohort=cohort, now=now),
        my_status=my_status,
    )


def cohort_phase(*, cohort: schedule.ScheduledCohort, now: dt.datetime) -> str:
    """Upcoming, running or ended: of a cohort's term, or (given a member's
    ``schedule.basis``) of a self-paced member's own calendar."""
    if now < schedule.term_starts_at(cohort):
        return "upcoming"
    if now < schedule.term_ends_at(cohort):
        return "running"
    return "ended"


def cohort_status_label(*, cohort: Cohort, now: dt.datetime | None = None) -> str:
    """What the cohort is doing now, in words, for staff lists: the stored status only
    says whether it was cancelled; the phase follows from its dates in its own zone."""
    now = now or timezone.now()
    if cohort.is_cancelled:
        return _("Cancelled")
    phase = cohort_phase(cohort=cohort, now=now)
    if phase == "ended":
        return _("Ended")
    if phase == "running":
        return _("Running")
    if cohort.enrolment_opens_at <= now < cohort.enrolment_closes_at:
        return _("Enrolment open")
    return _("Upcoming")


def _my_statuses(user: User, cohort_ids: list[int]) -> dict[int, str]:
    if not user.is_authenticated or not cohort_ids:
        return {}
    return dict(
        Enrolment.objects.filter(
            user=user, cohort_id__in=cohort_ids, status__in=LIVE_STATUSES
        ).values_list("cohort_id", "status")
    )


def _current_listings(user: User, now: dt.datetime, **filters) -> list[CohortListing]:
    """Cohorts still running or to come, with seat counts and the user's status.

    The date filter leaves a day of slack for timezones; the exact end of each term
    (local midnight after its last day) is applied here. 2 queries.
    """
    cohorts = list(
        _cohorts_with_counts()
        .filter(ends_on__gte=(now - dt.timedelta(days=1)).date(), **filters)
        .order_by("starts_on", "pk")
    )
    mine = _my_statuses(user, [c.pk for c in cohorts])
    listings = (_listing(c, now, mine.get(c.pk)) for c in cohorts)
    return [x for x in listings if x.phase != "ended"]


def _split_library(listings: list[CohortListing]) -> tuple[list[CohortListing], list]:
    """(fixed-term cohorts, the self-paced library cohort): the library cohort is no
    cohort one enrols in, so it stays out of the lists of cohorts to come."""
    cohorts = [x for x in listings if not x.cohort.is_self_paced]
    return cohorts, [x for x in listings if x.cohort.is_self_paced]


def catalogue_list(*, user: User, now: dt.datetime | None = None) -> list[CourseListing]:
    """Live courses with their cohorts that are still running or to come. 3 queries."""
    now = now or timezone.now()
    courses = list(CoursePage.objects.live().public().order_by("path"))
    by_course: dict[int, list[CohortListing]] = {}
    listings, _library = _split_library(
        _current_listings(user, now, course__in=courses, status=CohortStatus.SCHEDULED)
    )
    for listing in listings:
        by_course.setdefault(listing.cohort.course_id, []).append(listing)
    return [CourseListing(course=c, cohorts=by_course.get(c.pk, [])) for c in courses]


@dataclass(frozen=True)
class CourseOutline:
    modules: list[ModuleOutline]
    cohorts: list[CohortListing]
    # The course's self-paced library cohort, when it is in the membership library.
    library: CohortListing | None = None


def course_outline(
    *, course: CoursePage, user: User, now: dt.datetime | None = None
) -> CourseOutline:
    """The public face of a course: module titles and summaries, and its cohorts."""
    now = now or timezone.now()
    cohorts, library = _split_library(
        _current_listings(user, now, course=course, status=CohortStatus.SCHEDULED)
    )
    return CourseOutline(
        modules=modules_outline(course=course),
        cohorts=cohorts,
        library=library[0] if library else None,
    )


def cohort_list(*, user: User, now: dt.datetime | None = None) -> list[CohortListing]:
    """Every cohort of a published course that is running or to come, for the API (the
    self-paced library cohorts are not among them: nobody enrols in those)."""
    return _split_library(_current_listings(user, now or timezone.now(), course__live=True))[0]


def cohorts_with_free_seats_and_waitlist() -> QuerySet[Cohort]:
    return _cohorts_with_counts().filter(
        waitlist_length__gt=0, seats_taken__lt=F("capacity"), status=CohortStatus.SCHEDULED
    )


def cohort_listing_get(*, cohort_id: int, user: User, now: dt.datetime | None = None):
    now = now or timezone.now()
    cohort = _cohorts_with_counts().filter(pk=cohort_id, course__live=True).first()
    if cohort is None:
        raise NotFound(_("There is no cohort with that id."))
    return _listing(cohort, now, _my_statuses(user, [cohort.pk]).get(cohort.pk))


def running_cohorts(*, now: dt.datetime) -> QuerySet[Cohort]:
    """Cohorts not cancelled whose term is around today (a day of slack either side for
    timezones): the ones whose students may be told something by beat."""
    today = now.date()
    return (
        Cohort.objects.filter(
            starts_on__lte=today + dt.timedelta(days=1),
            ends_on__gte=today - dt.timedelta(days=1),
        )
        .exclude(status=CohortStatus.CANCELLED)
        .select_related("course")
    )
