"""The library: self-paced courses served to members through one library cohort per
course (pace self_paced), each member on their own calendar.

The memberships app above cohorts calls these; a member's seat is not sold here: access
is granted and revoked as their membership starts and lapses, through the enrolment
machine (history, ``enrolment_status_changed`` on commit) like every other seat.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.models import CoursePage
from cohorts import schedule, signals
from cohorts.models import (
    LIVE_STATUSES,
    Cohort,
    CohortPace,
    Enrolment,
    EnrolmentStatus,
    SelfPacedStart,
)
from cohorts.services._common import _with_history
from cohorts.services.enrolments import enrolment_restore, enrolment_suspend, enrolment_transition
from cohorts.services.terms import cohort_create
from lms.errors import ValidationFailed
from lms.models import User
from lms.timeutils import is_valid_timezone, local_moment, local_today

# A library cohort never ends for its members; its term only has to outlast them.
LIBRARY_TERM = dt.timedelta(days=365 * 100 + 24)
LIBRARY_CAPACITY = 2_000_000_000
FALLBACK_TIMEZONE = "Europe/Amsterdam"


def library_timezone() -> str:
    """The library's own zone, used for members whose zone is unknown: the site's
    TIME_ZONE when that is a place (UTC is where times are stored, not where members
    live), else Europe/Amsterdam."""
    name = getattr(settings, "TIME_ZONE", "") or ""
    return name if name != "UTC" and is_valid_timezone(name) else FALLBACK_TIMEZONE


def library_cohort_get(*, course: CoursePage) -> Cohort | None:
    return Cohort.objects.filter(course=course, pace=CohortPace.SELF_PACED).first()


def library_cohort_get_or_create(*, course: CoursePage, now: dt.datetime | None = None) -> Cohort:
    """The self-paced cohort of a course, made the first time it is asked for. One per
    course (a unique constraint); two requests racing to make it get the same one."""
    existing = library_cohort_get(course=course)
    if existing is not None:
        return existing
    now = now or timezone.now()
    tz_name = library_timezone()
    starts_on = local_today(tz_name, now)
    ends_on = starts_on + LIBRARY_TERM
    with translation.override(settings.LANGUAGE_CODE):
        name = _("Membership library")
    try:
        with transaction.atomic():
            return cohort_create(
                course=course,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                timezone=tz_name,
                enrolment_opens_at=now,
                # Open for the whole term: the end of its last day.
                enrolment_closes_at=local_moment(
                    ends_on + dt.timedelta(days=1), dt.time(0, 0), tz_name
                ),
                capacity=LIBRARY_CAPACITY,
                pace=CohortPace.SELF_PACED,
                self_paced_start=SelfPacedStart.JOIN,
            )
    except (IntegrityError, ValidationFailed):
        # Made by another request meanwhile (the constraint, or the validation that saw
        # it committed): that one is the library cohort.
        made = library_cohort_get(course=course)
        if made is None:
            raise
        return made


def _library_only(cohort: Cohort) -> None:
    if not cohort.is_self_paced:
        raise ValidationFailed(
            _("Library access is given in self-paced cohorts only; this cohort has a fixed term."),
            code="not_library",
            field="cohort",
        )


def _start_fields(enrolment: Enrolment, cohort: Cohort, now: dt.datetime, tz_name: str | None):
    zone = tz_name or schedule.member_timezone(cohort, enrolment)
    enrolment.timezone = zone
    enrolment.starts_on = local_today(zone, now)


@transaction.atomic
def library_access_grant(
    *, user: User, cohort: Cohort, now: dt.datetime | None = None, reason: str
) -> Enrolment:
    """Give a member access to a self-paced course: an active enrolment (no payment,
    no seat policy), or their suspended one back with all its progress. Idempotent.

    In a "join" cohort the member's calendar starts now, the first time only: a member
    who comes back continues where they were."""
    now = now or timezone.now()
    _library_only(cohort)
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(cohort=cohort, user=user, status__in=LIVE_STATUSES)
        .order_by("-pk")
        .first()
    )
    if enrolment is None:
        return _library_enrolment_create(user=user, cohort=cohort, now=now, reason=reason)
    enrolment.user = user  # the member's zone, without a query
    enrolment.cohort = cohort
    if enrolment.status == EnrolmentStatus.SUSPENDED:
        enrolment = enrolment_restore(enrolment=enrolment, reason=reason, now=now)
    elif enrolment.status in (EnrolmentStatus.PENDING_PAYMENT, EnrolmentStatus.WAITLISTED):
        enrolment = enrolment_transition(
            enrolment=enrolment, to=EnrolmentStatus.ACTIVE, reason=reason, now=now
        )
    if enrolment.starts_on is None and cohort.self_paced_start == SelfPacedStart.JOIN:
        _start_fields(enrolment, cohort, now, None)
        _with_history(enrolment, None, reason)
        enrolment.save(update_fields=["starts_on", "timezone", "updated_at"])
    return enrolment


def _library_enrolment_create(
    *, user: User, cohort: Cohort, now: dt.datetime, reason: str
) -> Enrolment:
    enrolment = Enrolment(cohort=cohort, user=user, status=EnrolmentStatus.ACTIVE, activated_at=now)
    if cohort.self_paced_start == SelfPacedStart.JOIN:
        _start_fields(enrolment, cohort, now, None)
    _with_history(enrolment, None, reason)
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        # A grant for the same member raced this one and won: that enrolment stands.
        return Enrolment.objects.get(cohort=cohort, user=user, status__in=LIVE_STATUSES)
    ids = {"cohort_id": cohort.pk, "user_id": user.pk, "enrolment_id": enrolment.pk}
    signals.send_on_commit(
        signals.enrolment_status_changed,
        sender=Enrolment,
        from_status="",
        to_status=EnrolmentStatus.ACTIVE,
        **ids,
    )
    return enrolment


@transaction.atomic
def library_access_revoke(
    *, user: User, cohort: Cohort, now: dt.datetime | None = None, reason: str
) -> Enrolment | None:
    """Take a member's access away (their membership lapsed): the enrolment is
    suspended, its progress, completions and submissions kept for when they come back.
    Idempotent; None when the member never had access."""
    _library_only(cohort)
    enrolment = (
        Enrolment.objects.filter(cohort=cohort, user=user, status__in=LIVE_STATUSES)
        .order_by("-pk")
        .first()
    )
    if enrolment is None:
        return None
    return enrolment_suspend(enrolment=enrolment, reason=reason, now=now)


def self_paced_start(
    *, enrolment: Enrolment, now: dt.datetime | None = None, timezone: str | None = None
) -> Enrolment:
    """Start a self-paced member's calendar today (in ``timezone``, else theirs), once:
    a start already set never moves. Run when a member of a "first open" cohort first
    opens the course; one UPDATE, so a page that starts it costs one query more, once.
    The stamp is a fact about the enrolment, not a change of its status, so it writes
    no history row."""
    from django.utils import timezone as django_timezone

    if timezone is not None and not is_valid_timezone(timezone):
        raise ValidationFailed(
            _("'%(tz)s' is not a timezone; use a name such as Europe/Amsterdam.")
            % {"tz": timezone},
            field="timezone",
        )
    if enrolment.starts_on is not None:
        return enrolment
    cohort = enrolment.cohort
    _library_only(cohort)
    now = now or django_timezone.now()
    _start_fields(enrolment, cohort, now, timezone)
    started = Enrolment.objects.filter(pk=enrolment.pk, starts_on__isnull=True).update(
        starts_on=enrolment.starts_on, timezone=enrolment.timezone, updated_at=now
    )
    if not started:  # another request started it first: theirs stands
        enrolment.refresh_from_db(fields=["starts_on", "timezone"])
    return enrolment
