"""Who is in which cohort: the user's own seats and waitlist places, the cohorts they
teach, and a cohort's active students (whom notices go to)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cohorts.models import LIVE_STATUSES, Cohort, Enrolment, EnrolmentStatus
from cohorts.selectors.access import cohort_get
from lms.errors import NotFound
from lms.models import User


def my_enrolments(*, user: User) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(user=user, status__in=LIVE_STATUSES)
        .select_related("cohort__course")
        .order_by("cohort__starts_on", "pk")
    )


def my_enrolment_get(*, user: User, cohort_id: int) -> Enrolment:
    """The user's live enrolment (seat, waitlist place or completed) in a cohort."""
    enrolment = (
        Enrolment.objects.filter(user=user, cohort_id=cohort_id, status__in=LIVE_STATUSES)
        .select_related("cohort__course")
        .first()
        if user.is_authenticated
        else None
    )
    if enrolment is None:
        cohort_get(cohort_id=cohort_id)  # an unknown cohort is told as such
        raise NotFound(_("You are not enrolled or waitlisted in this cohort."), code="not_enrolled")
    return enrolment


def taught_cohorts(*, user: User) -> list[Cohort]:
    if not user.is_authenticated:
        return []
    return list(
        Cohort.objects.filter(instructors=user).select_related("course").order_by("starts_on")
    )


def waitlist_position(*, enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = Enrolment.objects.filter(
        cohort_id=enrolment.cohort_id, status=EnrolmentStatus.WAITLISTED
    ).filter(
        Q(waitlisted_at__lt=enrolment.waitlisted_at)
        | Q(waitlisted_at=enrolment.waitlisted_at, pk__lt=enrolment.pk)
    )
    return ahead.count() + 1


def active_students(*, cohort_id: int) -> QuerySet[User]:
    """The students with an active seat in the cohort (not waitlisted, not paused)."""
    return User.objects.filter(
        enrolments__cohort_id=cohort_id, enrolments__status=EnrolmentStatus.ACTIVE
    )
