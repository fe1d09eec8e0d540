"""Reads of the curriculum tree as plain, immutable outlines.

Student pages need only a few columns of every module and lesson of a course; reading
them as value rows instead of Wagtail page instances keeps a 60-lesson course at one
cheap query per level (see bench/pages.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from wagtail.models import Page

from cms.models import LessonPage, ModulePage, unlock_label

STEPLEN = Page.steplen


@dataclass(frozen=True)
class ModuleOutline:
    pk: int
    title: str
    slug: str
    path: str
    depth: int
    summary: str
    unlock_unit: str
    unlock_offset: int

    @property
    def id(self) -> int:
        return self.pk

    @property
    def unlock_label(self) -> str:
        return unlock_label(self.unlock_unit, self.unlock_offset)


@dataclass(frozen=True)
class LessonOutline:
    pk: int
    title: str
    slug: str
    path: str
    depth: int
    estimated_minutes: int | None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def module_path(self) -> str:
        return self.path[:-STEPLEN]


_MODULE_COLUMNS = (
    "pk",
    "title",
    "slug",
    "path",
    "depth",
    "summary",
    "unlock_unit",
    "unlock_offset",
)
_LESSON_COLUMNS = ("pk", "title", "slug", "path", "depth", "estimated_minutes")


def modules_outline(
    *, course: Page, module_id: int | None = None, path: str | None = None
) -> list[ModuleOutline]:
    """The live modules of a course in tree order (or the one with that id or path)."""
    rows = ModulePage.objects.filter(
        live=True, path__startswith=course.path, depth=course.depth + 1
    )
    if module_id is not None:
        rows = rows.filter(pk=module_id)
    if path is not None:
        rows = rows.filter(path=path)
    return [ModuleOutline(*row) for row in rows.order_by("path").values_list(*_MODULE_COLUMNS)]


def lessons_outline(*, under: Page | ModuleOutline, depth: int) -> list[LessonOutline]:
    """Live lessons at ``depth`` below ``under`` (a course or a module), in tree order."""
    rows = LessonPage.objects.filter(live=True, path__startswith=under.path, depth=depth)
    return [LessonOutline(*row) for row in rows.order_by("path").values_list(*_LESSON_COLUMNS)]
