"""The demo's site and course: the home page, one 8-week course of three lessons a
week (with an image and a download), and the assignments of weeks 1 to 3."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from cms.models import AssignmentPage, CoursePage, HomePage, LatePolicy, LessonPage, ModulePage

MODULES = [
    ("Know your reader", "Who reads your pages, what they came for, and how they read."),
    ("Structure for scanning", "Headings, lists and short paragraphs that carry the eye."),
    ("Headlines that work", "Front-load meaning; write titles people click and trust."),
    ("Plain language", "Short words, active verbs, one idea per sentence."),
    ("Accessible writing", "Link text, alt text and reading order for everyone."),
    ("Findable content", "Search basics without stuffing keywords."),
    ("Editing and feedback", "Edit in passes and give feedback that helps."),
    ("Publish and measure", "Ship it, read the numbers, and improve the page."),
]
LESSONS = ["Why it matters", "Techniques", "Practice"]

# (title, what reviewers look for, [(level, points, what earns it)])
RUBRIC = [
    (
        "Focus on the reader",
        "Does the work start from a real reader and what they came to do?",
        [
            ("Missing", 0, "No reader in sight."),
            ("Vague", 1, "A demographic rather than a person with a task."),
            ("Clear", 2, "A recognisable reader with a goal."),
            ("Vivid", 3, "A reader you could meet, with a goal and a context."),
        ],
    ),
    (
        "Evidence",
        "Is what it says about the reader backed by something seen or measured?",
        [
            ("None", 0, "Guesses only."),
            ("Thin", 1, "One anecdote."),
            ("Solid", 2, "Several observations or numbers."),
            ("Convincing", 3, "Observations and numbers that agree."),
        ],
    ),
    (
        "Clarity",
        "Can a busy colleague take it in at a glance?",
        [
            ("Hard going", 0, "Long, dense paragraphs."),
            ("Uneven", 1, "Clear in places."),
            ("Clear", 2, "Short paragraphs, plain words."),
            ("Effortless", 3, "Scannable and precise throughout."),
        ],
    ),
]
# module number → what the assignment asks and its terms
ASSIGNMENTS = {
    1: (
        "Reader profile",
        "<p>Describe one real reader of a page you publish: who they are, what they "
        "came to do and what they already know. Back it up with what you saw or "
        "measured. 300 to 500 words, due at the end of week 2.</p>",
        # Two weeks to write it; three days per review so week 3 is review week.
        {"due_days": 13, "review_turnaround_hours": 72},
    ),
    2: (
        "Rewrite a page for scanning",
        "<p>Take a page you own and rewrite it for scanning: headings that tell the "
        "story on their own, short paragraphs, lists where there are lists. Hand in "
        "the new text with one sentence on what you changed and why.</p>",
        {"due_days": 10},
    ),
    3: (
        "Three headlines",
        "<p>Write three headlines for the same article: one that informs, one that "
        "invites, one that promises. Say which you would publish. Late work is not "
        "accepted: the headlines are discussed in the live session.</p>",
        {"late_policy": LatePolicy.REFUSE},
    ),
}


def site() -> HomePage:
    root = Page.get_first_root_node()
    home = root.add_child(
        instance=HomePage(
            title="Cohort LMS Academy",
            slug="academy",
            intro="<p>Courses taken together: a group starts on the same day, "
            "works through a new module every week and finishes as a cohort.</p>",
        )
    )
    Site.objects.all().delete()
    Site.objects.create(
        hostname="localhost",
        port=80,
        root_page=home,
        is_default_site=True,
        site_name="Cohort LMS Academy",
    )
    # Wagtail's placeholder welcome page has no place in the demo.
    Page.objects.filter(depth=2).exclude(pk=home.pk).delete()
    return home


def media():
    from PIL import Image as PILImage
    from PIL import ImageDraw

    canvas = PILImage.new("RGB", (960, 540), (36, 76, 120))
    draw = ImageDraw.Draw(canvas)
    for i, width in enumerate((700, 520, 610, 380)):
        draw.rectangle((80, 120 + i * 90, 80 + width, 160 + i * 90), fill=(240, 200, 80))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    image = Image(title="How people scan a page (F-pattern)")
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name="f-pattern.png")
    image.save()
    document = Document(title="Editing checklist")
    document.file.save(
        "editing-checklist.txt",
        ContentFile(
            b"Editing checklist\n\n1. Is the most important thing first?\n"
            b"2. Can every heading stand on its own?\n3. One idea per paragraph?\n"
            b"4. Does every link say where it goes?\n"
        ),
        save=True,
    )
    return image, document


def lesson_body(module_title: str, lesson_title: str, m: int, n: int, image, doc):
    body = [
        ("heading", {"text": lesson_title, "level": "h2"}),
        (
            "paragraph",
            f"<p>In <b>{module_title.lower()}</b> we look at what makes web text "
            "work for busy readers. Most visitors scan before they read: they look "
            "at headings, the first words of paragraphs and links, and decide in "
            "seconds whether to stay.</p><p>This lesson gives you the principle, "
            "an example and a short exercise to try on one of your own pages.</p>",
        ),
        (
            "callout",
            {
                "kind": "tip",
                "title": "Try this",
                "text": RichText(
                    "<p>Pick one page you own and read only its headings. "
                    "Do they tell the story on their own?</p>"
                ),
            },
        ),
    ]
    if n == 2:
        body.append(
            (
                "code",
                {
                    "language": "html",
                    "code": '<a href="/pricing">See prices and plans</a>\n'
                    '<!-- not: <a href="/pricing">click here</a> -->',
                },
            )
        )
    if m == 2 and n == 1:
        body.append(
            (
                "image",
                {
                    "image": image,
                    "alt_text": "",
                    "caption": "Eyes sweep across the top, then down the left side.",
                },
            )
        )
    if m == 7 and n == 2:
        body.append(("download", {"document": doc, "description": "Print it."}))
    return body


def course(home: HomePage) -> CoursePage:
    image, doc = media()
    course = home.add_child(
        instance=CoursePage(
            title="Writing for the Web",
            slug="writing-for-the-web",
            summary="Eight weeks to clear, scannable, findable web pages, "
            "with weekly assignments and peer feedback.",
            description="<p>For communication teams, editors and anyone who "
            "publishes for an organisation. About three hours a week.</p>",
            image=image,
        )
    )
    for m, (title, summary) in enumerate(MODULES, start=1):
        module = course.add_child(
            instance=ModulePage(
                title=title,
                slug=f"week-{m}",
                summary=summary,
                unlock_unit="week",
                unlock_offset=m,
            )
        )
        for n, lesson_title in enumerate(LESSONS, start=1):
            module.add_child(
                instance=LessonPage(
                    title=f"{lesson_title}: {title.lower()}",
                    slug=f"lesson-{n}",
                    estimated_minutes=15 + 10 * n,
                    body=lesson_body(title, lesson_title, m, n, image, doc),
                )
            )
    return course


def assignments(course: CoursePage) -> dict[int, AssignmentPage]:
    rubric = [
        (
            "criterion",
            {
                "title": title,
                "description": description,
                "levels": [
                    {"label": label, "points": points, "description": earns}
                    for label, points, earns in levels
                ],
            },
        )
        for title, description, levels in RUBRIC
    ]
    modules = list(ModulePage.objects.child_of(course).order_by("path"))
    return {
        m: modules[m - 1].add_child(
            instance=AssignmentPage(
                title=title,
                slug="assignment",
                instructions=instructions,
                rubric=rubric,
                **terms,
            )
        )
        for m, (title, instructions, terms) in ASSIGNMENTS.items()
    }
