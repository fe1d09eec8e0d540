"""Spaces follow the cohort: made and kept in step without anyone setting them up."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.models import CourseSpace, ModulePage, SpacePosting
from cohorts.models import Cohort
from community.models import STANDARD_KINDS, Space, SpaceKind

# Positions: the standard spaces, then modules in course order, then designers' spaces.
MODULE_BASE = 100
COURSE_BASE = 1000


def spaces_sync(*, cohort: Cohort) -> int:
    """Create the cohort's missing spaces and copy the designer's changes (name, rules,
    order) onto existing ones; a removed designer's space is archived, never deleted.
    Idempotent and safe to run twice at once. Returns how many spaces were created."""
    created = 0
    with transaction.atomic():
        existing = list(Space.objects.filter(cohort=cohort))
        by_kind = {s.kind: s for s in existing if s.kind in STANDARD_KINDS}
        by_module = {s.module_id: s for s in existing if s.module_id}
        by_course_space = {s.course_space_id: s for s in existing if s.course_space_id}

        wanted: list[Space] = []
        for position, kind in enumerate(STANDARD_KINDS):
            if kind not in by_kind:
                wanted.append(
                    Space(
                        cohort=cohort,
                        kind=kind,
                        position=position,
                        posting=SpacePosting.HOSTS
                        if kind == SpaceKind.ANNOUNCEMENTS
                        else SpacePosting.MEMBERS,
                    )
                )
        modules = ModulePage.objects.child_of(cohort.course).live().order_by("path")
        for index, module in enumerate(modules.values("pk", "title")):
            space = by_module.get(module["pk"])
            if space is None:
                wanted.append(
                    Space(
                        cohort=cohort,
                        kind=SpaceKind.MODULE,
                        module_id=module["pk"],
                        position=MODULE_BASE + index,
                    )
                )
            elif space.position != MODULE_BASE + index:
                space.position = MODULE_BASE + index
                space.save(update_fields=["position"])
        designed = list(
            CourseSpace.objects.filter(course_id=cohort.course_id).order_by("sort_order")
        )
        for index, source in enumerate(designed):
            fields = {
                "name": source.name,
                "description": source.description,
                "posting": source.posting,
                "is_qa": source.is_qa,
                "position": COURSE_BASE + index,
                "archived_at": None,
            }
            space = by_course_space.get(source.pk)
            if space is None:
                wanted.append(
                    Space(cohort=cohort, kind=SpaceKind.COURSE, course_space=source, **fields)
                )
            elif any(getattr(space, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(space, k, v)
                space.save(update_fields=list(fields))
        gone = [
            s.pk
            for s in existing
            if s.kind == SpaceKind.COURSE and s.archived_at is None and s.course_space_id is None
        ]
        if gone:
            Space.objects.filter(pk__in=gone).update(archived_at=timezone.now())
    for space in wanted:
        # One by one, each in its own savepoint: a second sync running at the same
        # moment creates the same spaces, and the unique constraints keep one of each.
        try:
            with transaction.atomic():
                space.save()
            created += 1
        except IntegrityError:
            pass
    return created


def course_spaces_sync(*, course_id: int) -> int:
    """Every cohort of a course, after the designer published it (spaces, modules)."""
    return sum(
        spaces_sync(cohort=c)
        for c in Cohort.objects.filter(course_id=course_id).select_related("course")
    )
