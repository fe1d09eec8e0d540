"""Who is in a cohort's community: the people a member may see, mention and find."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment
from community.access import Member
from community.models import GuidelinesAcceptance, MemberProfile, Role
from lms.models import User


def cohort_members(*, cohort: Cohort) -> QuerySet[User]:
    """Students with access (active or completed), instructors, and the mentors and
    moderators of the cohort or its course: one query, no duplicates. Staff who only
    oversee every cohort are not members: they are not mentioned or listed."""
    enrolled = Enrolment.objects.filter(
        user_id=OuterRef("pk"), cohort=cohort, status__in=CURRICULUM_ACCESS
    )
    teaches = Cohort.instructors.through.objects.filter(user_id=OuterRef("pk"), cohort_id=cohort.pk)
    appointed = Role.objects.filter(user_id=OuterRef("pk")).filter(
        Q(cohort_id=cohort.pk) | Q(course_id=cohort.course_id)
    )
    return User.objects.filter(is_active=True).filter(
        Exists(enrolled) | Exists(teaches) | Exists(appointed)
    )


def profile_get(*, user: User) -> MemberProfile | None:
    return MemberProfile.objects.filter(user=user).first()


def guidelines_pending(*, member: Member) -> bool:
    """Whether the member must accept the course's community guidelines before their
    first post (hosts never; nobody when the course has none)."""
    course = member.cohort.course
    if member.is_host or not course.community_guidelines.strip():
        return False
    return not GuidelinesAcceptance.objects.filter(user=member.user, course_id=course.pk).exists()
