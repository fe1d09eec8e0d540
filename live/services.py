"""Writes for live sessions, series, RSVPs, attendance and calendar-feed tokens.

Every function is atomic, validates with a message a person can act on and is the only
place these models are saved. Reschedules and cancellations notify the attendees (through
notifications, after the commit).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts import schedule
from cohorts.models import Cohort
from cohorts.selectors import cohort_access
from live import selectors, signals
from live.models import (
    SESSION_MACHINE,
    Attendance,
    AttendanceSource,
    FeedToken,
    LiveSession,
    Rsvp,
    RsvpAnswer,
    SessionSeries,
    SessionStatus,
)
from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from lms.models import User
from lms.timeutils import is_valid_timezone, local_moment

MAX_SESSION_HOURS = 12
MAX_SERIES_WEEKS = 52
# A session is a call, not a stadium; and a handful of people host it.
MAX_SESSION_CAPACITY = 10_000
MAX_SESSION_HOSTS = 20


# --- Validation -------------------------------------------------------------------------


def _require_organiser(*, cohort: Cohort, user: User) -> None:
    """Instructors of the cohort and staff plan sessions; students get a 403, strangers
    a 404 (cohort_access)."""
    access = cohort_access(user=user, cohort=cohort)
    if not selectors.may_organise(access=access, user=user):
        raise NotAllowed(
            _("Only the cohort's instructors and staff can plan live sessions."),
            code="not_instructor",
        )


def validate_https_url(value: str, *, field: str, required: bool = True) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(_("Give the link (an https:// address)."), field=field)
        return ""
    try:
        URLValidator(schemes=["https"])(value)
    except ValidationError as exc:
        raise ValidationFailed(
            _("The link must be a full https:// address, such as https://meet.example.org/abc."),
            code="not_https",
            field=field,
        ) from exc
    if not urlsplit(value).hostname:
        raise ValidationFailed(_("The link has no host name."), code="not_https", field=field)
    return value


def _validate_times(*, cohort: Cohort, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationFailed(_("Give the start and end with their timezone."), field="starts_at")
    if ends_at <= starts_at:
        raise ValidationFailed(_("The session must end after it starts."), field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=MAX_SESSION_HOURS):
        raise ValidationFailed(
            _("A session lasts at most %(n)s hours.") % {"n": MAX_SESSION_HOURS}, field="ends_at"
        )
    if starts_at < schedule.term_starts_at(cohort) or ends_at > schedule.term_ends_at(cohort):
        raise _outside_term(cohort)


def _outside_term(cohort: Cohort, field: str = "starts_at") -> ValidationFailed:
    return ValidationFailed(
        _("The session must fall within the cohort's term (%(start)s to %(end)s, %(tz)s).")
        % {
            "start": f"{cohort.starts_on:%Y-%m-%d}",
            "end": f"{cohort.ends_on:%Y-%m-%d}",
            "tz": cohort.timezone,
        },
        code="outside_term",
        field=field,
    )


def _validate_session(session: LiveSession, cohort: Cohort) -> None:
    session.title = (session.title or "").strip()
    if not session.title:
        raise ValidationFailed(_("Give the session a title."), field="title")
    if not is_valid_timezone(session.timezone):
        raise ValidationFailed(
            _("'%(tz)s' is not a timezone; use a name such as Europe/Amsterdam.")
            % {"tz": session.timezone},
            field="timezone",
        )
    session.join_url = validate_https_url(session.join_url, field="join_url")
    session.recording_url = validate_https_url(
        session.recording_url, field="recording_url", required=False
    )
    _validate_times(cohort=cohort, starts_at=session.starts_at, ends_at=session.ends_at)
    if session.capacity is not None and session.capacity < 1:
        raise ValidationFailed(_("Capacity is at least one, or empty."), field="capacity")
    if session.capacity is not None and session.capacity > MAX_SESSION_CAPACITY:
        raise ValidationFailed(
            _("Capacity is at most %(max)s, or empty for no limit.")
            % {"max": MAX_SESSION_CAPACITY},
            field="capacity",
        )
    if session.capacity is not None and session.pk:
        going = session.rsvps.filter(answer=RsvpAnswer.GOING).count()
        if session.capacity < going:
            raise ValidationFailed(
                _("%(n)s people said they are going; capacity cannot go below that.")
                % {"n": going},
                field="capacity",
            )


def _validate_hosts(cohort: Cohort, hosts: Iterable[User]) -> list[User]:
    hosts = list(hosts)
    if len(hosts) > MAX_SESSION_HOSTS:
        raise ValidationFailed(
            _("A session has at most %(max)s hosts.") % {"max": MAX_SESSION_HOSTS},
            field="hosts",
        )
    instructor_ids = set(cohort.instructors.values_list("pk", flat=True))
    for host in hosts:
        if host.pk not in instructor_ids and not selectors.user_can_manage_sessions(host):
            raise ValidationFailed(
                _("%(name)s is not an instructor of this cohort.")
                % {"name": host.get_display_name()},
                field="hosts",
            )
    return hosts


# --- Sessions ---------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    cohort: Cohort,
    by: User,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    join_url: str,
    description: str = "",
    timezone_name: str = "",
    hosts: Iterable[User] | None = None,
    capacity: int | None = None,
    rsvp_enabled: bool = True,
    series: SessionSeries | None = None,
) -> LiveSession:
    _require_organiser(cohort=cohort, user=by)
    session = LiveSession(
        cohort=cohort,
        series=series,
        title=title,
        description=(description or "").strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone_name or cohort.timezone,
        join_url=join_url,
        capacity=capacity,
        rsvp_enabled=rsvp_enabled,
    )
    _validate_session(session, cohort)
    host_list = _validate_hosts(cohort, hosts if hosts is not None else [by])
    session.save()
    session.hosts.set(host_list)
    return session


@transaction.atomic
def series_create(
    *,
    cohort: Cohort,
    by: User,
    title: str,
    first_day: dt.date,
    local_time: dt.time,
    duration_minutes: int,
    weeks: int,
    join_url: str,
    description: str = "",
    timezone_name: str = "",
    hosts: Iterable[User] | None = None,
    capacity: int | None = None,
    rsvp_enabled: bool = True,
) -> SessionSeries:
    """A weekly series: ``weeks`` occurrences on ``first_day``'s weekday at
    ``local_time`` in the series' zone (so 19:30 stays 19:30 across daylight-saving
    changes). Every occurrence must fall within the term, or nothing is written."""
    _require_organiser(cohort=cohort, user=by)
    tz_name = timezone_name or cohort.timezone
    if not is_valid_timezone(tz_name):
        raise ValidationFailed(
            _("'%(tz)s' is not a timezone; use a name such as Europe/Amsterdam.") % {"tz": tz_name},
            field="timezone",
        )
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise ValidationFailed(
            _("A series has 1 to %(n)s weekly sessions.") % {"n": MAX_SERIES_WEEKS}, field="weeks"
        )
    if duration_minutes < 1:
        raise ValidationFailed(_("The session must end after it starts."), field="ends_at")
    # Days far outside the term are refused before they become moments: the first day
    # of year 1 in a zone east of UTC is no moment at all (OverflowError). Each
    # occurrence's exact moment is checked against the term as it is created.
    last_day = first_day + dt.timedelta(weeks=weeks - 1)
    if first_day < cohort.starts_on - dt.timedelta(days=1) or last_day > cohort.ends_on:
        raise _outside_term(cohort, field="first_day")
    series = SessionSeries.objects.create(
        cohort=cohort,
        title=(title or "").strip() or "-",
        first_day=first_day,
        local_time=local_time,
        weeks=weeks,
        timezone=tz_name,
        created_by=by,
    )
    host_list = list(hosts) if hosts is not None else [by]
    for week in range(weeks):
        starts_at = local_moment(first_day + dt.timedelta(weeks=week), local_time, tz_name)
        session_create(
            cohort=cohort,
            by=by,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
            join_url=join_url,
            description=description,
            timezone_name=tz_name,
            hosts=host_list,
            capacity=capacity,
            rsvp_enabled=rsvp_enabled,
            series=series,
        )
    return series


EDITABLE_FIELDS = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "join_url",
    "capacity",
    "rsvp_enabled",
    "recording_url",
    "notes",
)
# A change in any of these is a reschedule: calendar apps get a higher SEQUENCE and the
# attendees an email.
RESCHEDULE_FIELDS = ("starts_at", "ends_at")


def _locked(session: LiveSession) -> LiveSession:
    return LiveSession.objects.select_for_update().select_related("cohort").get(pk=session.pk)


@transaction.atomic
def session_update(
    *, session: LiveSession, by: User, hosts: Iterable[User] | None = None, **changes: Any
) -> LiveSession:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    session = _locked(session)
    _require_organiser(cohort=session.cohort, user=by)
    if session.is_cancelled and set(changes) - {"recording_url", "notes", "description"}:
        raise Conflict(
            _("This session was cancelled; plan a new one instead."), code="session_cancelled"
        )
    rescheduled = any(
        field in changes and changes[field] != getattr(session, field)
        for field in RESCHEDULE_FIELDS
    )
    for field, value in changes.items():
        setattr(
            session, field, "" if value is None and field in ("recording_url", "notes") else value
        )
    _validate_session(session, session.cohort)
    if hosts is not None:
        session.hosts.set(_validate_hosts(session.cohort, hosts))
    # Any change that calendar apps show goes up a SEQUENCE; a reschedule also emails.
    session.sequence += 1  # the row is locked: no lost update
    session.save()
    session.refresh_from_db()
    if rescheduled:
        _notify_change(session, kind="rescheduled")
    return session


@transaction.atomic
def session_cancel(*, session: LiveSession, by: User, reason: str = "") -> LiveSession:
    session = _locked(session)
    _require_organiser(cohort=session.cohort, user=by)
    already = Conflict(_("This session is cancelled already."), code="session_cancelled")
    SESSION_MACHINE.check(session, SessionStatus.CANCELLED, refusal=already)
    if session.is_past(timezone.now()):
        raise Conflict(_("This session is over; it cannot be cancelled."), code="session_over")
    session.sequence += 1  # the row is locked: no lost update
    if reason.strip():
        session.notes = reason.strip()
    SESSION_MACHINE.move(
        session,
        SessionStatus.CANCELLED,
        by=by,
        reason=reason.strip() or "cancelled",
        update_fields=["sequence", "notes"],
        refusal=already,
    )
    session.refresh_from_db()
    _notify_change(session, kind="cancelled")
    return session


@transaction.atomic
def session_add_recording(
    *, session: LiveSession, by: User, recording_url: str, notes: str = ""
) -> LiveSession:
    return session_update(session=session, by=by, recording_url=recording_url, notes=notes)


def _notify_change(session: LiveSession, *, kind: str) -> None:
    """Written in the transaction that moves or cancels the session: everyone who may
    attend is told exactly when the change happened, whatever becomes of a worker."""
    from live.notices import session_changed_notify

    session_changed_notify(session_id=session.pk, change=kind, sequence=session.sequence)


# --- RSVP and attendance ----------------------------------------------------------------


def _require_student(session: LiveSession, user: User):
    access = cohort_access(user=user, cohort=session.cohort)
    if access.enrolment is None:
        raise NotAllowed(
            _("Only students of this cohort answer RSVPs and join as attendees."),
            code="not_student",
        )
    return access


@transaction.atomic
def rsvp_set(*, session: LiveSession, user: User, going: bool) -> Rsvp:
    """Say whether you are going. The session row is locked so two students cannot take
    the last place at once."""
    session = _locked(session)
    _require_student(session, user)
    if session.is_cancelled:
        raise Conflict(_("This session was cancelled."), code="session_cancelled")
    if not session.rsvp_enabled:
        raise Conflict(_("This session takes no RSVPs; just join."), code="rsvp_disabled")
    if session.is_past(timezone.now()):
        raise Conflict(_("This session is over."), code="session_over")
    answer = RsvpAnswer.GOING if going else RsvpAnswer.NOT_GOING
    rsvp = Rsvp.objects.filter(session=session, user=user).first()
    if rsvp is not None and rsvp.answer == answer:
        return rsvp
    if going and session.capacity is not None:
        taken = session.rsvps.filter(answer=RsvpAnswer.GOING).count()
        if taken >= session.capacity:
            raise Conflict(
                _("This session is full (%(n)s places).") % {"n": session.capacity},
                code="session_full",
            )
    if rsvp is None:
        return Rsvp.objects.create(session=session, user=user, answer=answer)
    rsvp.answer = answer
    rsvp.save(update_fields=["answer", "updated_at"])
    return rsvp


@transaction.atomic
def session_join(*, session: LiveSession, user: User, now: dt.datetime | None = None) -> str:
    """Record that a student joined and return the link to send them to. Instructors
    and staff pass through without a record."""
    now = now or timezone.now()
    access = cohort_access(user=user, cohort=session.cohort)
    if session.is_cancelled:
        raise Conflict(_("This session was cancelled."), code="session_cancelled")
    if not session.can_join(now):
        if now >= session.ends_at:
            raise Conflict(_("This session is over."), code="session_over")
        raise Conflict(
            _("You can join from %(n)s minutes before the start.")
            % {"n": int((session.starts_at - session.join_opens_at()).total_seconds() // 60)},
            code="not_open_yet",
        )
    if access.enrolment is not None:
        try:
            with transaction.atomic():
                Attendance.objects.create(
                    session=session,
                    user=user,
                    attended=True,
                    first_joined_at=now,
                    source=AttendanceSource.JOINED,
                )
        except IntegrityError:
            # Joined before (or an instructor recorded it): keep the first moment.
            Attendance.objects.filter(session=session, user=user, attended=False).update(
                attended=True, first_joined_at=now, source=AttendanceSource.JOINED
            )
        _announce_attendance(session, user.pk)
    return session.join_url


def _announce_attendance(session: LiveSession, user_id: int) -> None:
    transaction.on_commit(
        lambda: signals.attendance_recorded.send(
            sender=Attendance, cohort_id=session.cohort_id, user_id=user_id, session_id=session.pk
        )
    )


@transaction.atomic
def attendance_set(*, session: LiveSession, by: User, user_id: int, attended: bool) -> Attendance:
    _require_organiser(cohort=session.cohort, user=by)
    from cohorts.models import CURRICULUM_ACCESS, Enrolment

    if not Enrolment.objects.filter(
        cohort=session.cohort, user_id=user_id, status__in=CURRICULUM_ACCESS
    ).exists():
        raise NotFound(_("That person is not a student of this cohort."), field="user_id")
    attendance, _created = Attendance.objects.update_or_create(
        session=session,
        user_id=user_id,
        defaults={"attended": attended, "source": AttendanceSource.INSTRUCTOR},
    )
    _announce_attendance(session, user_id)
    return attendance


# --- Calendar feed tokens ---------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def feed_token_get_or_create(*, user: User) -> FeedToken:
    existing = FeedToken.objects.filter(user=user, revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return FeedToken.objects.create(user=user, token=_new_token())
    except IntegrityError:  # created by a concurrent request
        return FeedToken.objects.get(user=user, revoked_at__isnull=True)


@transaction.atomic
def feed_token_rotate(*, user: User) -> FeedToken:
    """Revoke the current address (it answers 404 from now on) and make a new one."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return FeedToken.objects.create(user=user, token=_new_token())
