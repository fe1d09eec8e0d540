"""Who the viewer is in a cohort's community, and what that lets them do.

Members are the cohort's students with curriculum access (active or completed), its
instructors, staff who see every roster, and the mentors and moderators staff appointed
for the cohort or its course. Anyone else gets NotFound, as for the cohort itself.

What closes when the term ends (README, Community): students become alumni and keep
reading everything, their directory entry and their follows, but no longer post, reply
or react; hosts and mentors still can (a last announcement, an answer for an alumnus).
A cancelled cohort's community is read-only for everyone but staff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts import schedule
from cohorts.models import Cohort
from cohorts.selectors import cohort_access
from community.models import Role, RoleKind
from lms.errors import DomainError, NotAllowed, NotFound
from lms.models import User


@dataclass(frozen=True)
class Member:
    user: User
    cohort: Cohort
    # "student", "instructor", "staff", or "guest" (only a mentor/moderator appointment)
    base: str
    mentor: bool = False
    moderator: bool = False
    term_ended: bool = False

    @property
    def is_host(self) -> bool:
        """Hosts welcome, announce and moderate: instructors, moderators and staff."""
        return self.base in ("instructor", "staff") or self.moderator

    @property
    def may_moderate(self) -> bool:
        return self.is_host

    @property
    def may_endorse(self) -> bool:
        return self.is_host or self.mentor

    @property
    def may_pin(self) -> bool:
        return self.is_host or self.mentor

    @property
    def is_alumnus(self) -> bool:
        return self.base == "student" and self.term_ended and not (self.mentor or self.moderator)

    @property
    def role_label(self) -> str:
        if self.base == "instructor":
            return _("Instructor")
        if self.moderator:
            return _("Moderator")
        if self.base == "staff":
            return _("Staff")
        if self.mentor:
            return _("Mentor")
        if self.is_alumnus:
            return _("Alumnus")
        return _("Student")

    # The checks every way in (pages, API, services) makes before acting as a host.
    def check_moderator(self) -> None:
        if not self.may_moderate:
            raise NotAllowed(
                _("Only the cohort's instructors and moderators can do this."),
                code="not_moderator",
            )

    def check_endorser(self) -> None:
        if not self.may_endorse:
            raise NotAllowed(
                _("Only instructors and mentors can endorse an answer."), code="not_mentor"
            )

    def check_pinner(self) -> None:
        if not self.may_pin:
            raise NotAllowed(
                _("Only instructors, moderators and mentors can pin a thread."), code="not_mentor"
            )

    def write_refusal(self) -> DomainError | None:
        """Why this member may not write (post, reply, react) now, or None."""
        if self.cohort.is_cancelled and self.base != "staff":
            return NotAllowed(
                _("This cohort was cancelled; its community can be read but not written to."),
                code="cohort_cancelled",
            )
        if self.is_alumnus:
            return NotAllowed(
                _(
                    "The term of this cohort has ended. As an alumnus you keep reading its "
                    "community, but posting is closed."
                ),
                code="term_ended",
            )
        return None


def community_member(*, user: User, cohort: Cohort, now: dt.datetime | None = None) -> Member:
    """The viewer's place in the cohort's community, or NotFound for a stranger."""
    now = now or timezone.now()
    if not user.is_authenticated:
        raise NotFound(_("There is no cohort with that id."))
    roles = (
        set(
            Role.objects.filter(user=user)
            .filter(Q(cohort=cohort) | Q(course_id=cohort.course_id))
            .values_list("role", flat=True)
        )
        if user.is_active
        else set()
    )
    try:
        base = cohort_access(user=user, cohort=cohort).role
    except (NotFound, NotAllowed):
        if not roles:
            raise NotFound(_("There is no cohort with that id.")) from None
        base = "guest"
    return Member(
        user=user,
        cohort=cohort,
        base=base,
        mentor=RoleKind.MENTOR in roles,
        moderator=RoleKind.MODERATOR in roles,
        term_ended=now >= schedule.term_ends_at(cohort),
    )


def member_cohort_ids(*, user: User) -> list[int]:
    """The cohorts whose community the user belongs to (for the header and the index)."""
    from cohorts.models import CURRICULUM_ACCESS, Enrolment

    if not user.is_authenticated:
        return []
    ids = set(
        Enrolment.objects.filter(user=user, status__in=CURRICULUM_ACCESS).values_list(
            "cohort_id", flat=True
        )
    )
    ids |= set(Cohort.objects.filter(instructors=user).values_list("pk", flat=True))
    roles = Role.objects.filter(user=user).values_list("cohort_id", "course_id")
    course_ids = {course for cohort, course in roles if course}
    ids |= {cohort for cohort, course in roles if cohort}
    if course_ids:
        ids |= set(Cohort.objects.filter(course_id__in=course_ids).values_list("pk", flat=True))
    return sorted(ids)
