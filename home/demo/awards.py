"""The demo's badges: the course's badge classes, earned by their rules or given by
the instructor."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageDraw

from badges import services as badge_services
from cms.models import ModulePage


def badge_image(color: tuple[int, int, int], letter: str):
    canvas = PILImage.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((8, 8, 248, 248), fill=color, outline=(255, 255, 255), width=10)
    draw.text((128, 128), letter, fill=(255, 255, 255), anchor="mm", font_size=120)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return SimpleUploadedFile("badge.png", buffer.getvalue(), content_type="image/png")


def badges(course, running, student, instructor, now):
    """Badge classes of the course; the demo student has earned three (two by their
    rules, one from the instructor) and is one lesson short of "Week 2 done"."""
    modules = list(ModulePage.objects.live().child_of(course).order_by("path"))
    specs = [
        (
            "Week 1 done",
            "1",
            (36, 76, 120),
            "module_lessons",
            {"module": modules[0].pk},
            "Completed every lesson of week 1, Know your reader.",
        ),
        (
            "Week 2 done",
            "2",
            (36, 110, 90),
            "module_lessons",
            {"module": modules[1].pk},
            "Completed every lesson of week 2, Structure for scanning.",
        ),
        (
            "First peer review",
            "R",
            (150, 80, 30),
            "peer_reviews",
            {"count": 1},
            "Gave a fellow student written feedback against the rubric.",
        ),
        (
            "Helpful reviewer",
            "H",
            (120, 40, 90),
            "peer_reviews",
            {"count": 3, "min_helpfulness": 4},
            "Wrote three peer reviews their authors rated 4 or 5 for helpfulness.",
        ),
        (
            "Web writer",
            "W",
            (200, 150, 30),
            "all_modules",
            {},
            "Completed every lesson of Writing for the web.",
        ),
        (
            "Course graduate",
            "G",
            (60, 60, 60),
            "cohort_completed",
            {},
            "Took part in the cohort to the end of its term.",
        ),
        (
            "Thoughtful question",
            "?",
            (90, 60, 160),
            "manual",
            {},
            "Asked a question in a live session that moved the whole group forward.",
        ),
    ]
    badges = {}
    for name, letter, color, kind, config, criteria in specs:
        badges[name] = badge_services.badge_class_create(
            course=course,
            name=name,
            description=criteria,
            image=badge_image(color, letter),
            criteria_narrative=criteria,
            rule_kind=kind,
            rule_config=config,
        )
    badge_services.awards_evaluate(cohort=running, now=now - dt.timedelta(days=2))
    badge_services.award_grant(
        badge_class=badges["Thoughtful question"],
        recipient=student,
        cohort=running,
        by=instructor,
        note="Your question about readers on phones changed how we planned week 2.",
        now=now - dt.timedelta(days=1),
    )
