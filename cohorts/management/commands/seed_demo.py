"""Load the demo: one 8-week course, a running cohort in week 3, an upcoming one with an
open window, a full one with a waitlist, and the demo users (password "demo").

Demo data only: it refuses to run with LMS_ENV=production.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site
from wagtail.rich_text import RichText

from cms.models import CoursePage, HomePage, LessonPage, ModulePage
from cohorts import services
from cohorts.models import Cohort, EnrolmentStatus
from lms.models import User
from lms.timeutils import local_today

DEMO_PASSWORD = "demo"  # noqa: S105 - printed for people trying the demo
TZ = "Europe/Amsterdam"

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


class Command(BaseCommand):
    help = "Load demo data (course, cohorts, users). Refuses to run in production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when demo data exists."
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates demo users with known passwords; "
                "it does not run with LMS_ENV=production."
            )
        if HomePage.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data is loaded already.")
                return
            raise CommandError("There is content already; run on an empty database.")
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("Demo loaded. Log in at /accounts/login/ as:"))
        for name, role in [
            ("student", "a student in week 3 of the running cohort"),
            ("instructor", "the instructor of the running cohort (roster)"),
            ("designer", "a course designer (Wagtail admin at /admin/)"),
            ("admin", "staff (everything)"),
        ]:
            self.stdout.write(f"  {name:<10} / {DEMO_PASSWORD}   {role}")

    # --- users ------------------------------------------------------------------------

    def _user(self, username, *, name, **flags):
        user = User.objects.create_user(
            username=username,
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
            display_name=name,
            **flags,
        )
        return user

    def _groups(self, home: Page):
        designers, _ = Group.objects.get_or_create(name="Course designers")
        designers.permissions.add(Permission.objects.get(codename="access_admin"))
        for codename in ("add_page", "change_page", "publish_page"):
            GroupPagePermission.objects.get_or_create(
                group=designers,
                page=home,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
        root_collection = Collection.get_first_root_node()
        for app, codenames in (
            ("wagtailimages", ("add_image", "change_image", "choose_image")),
            ("wagtaildocs", ("add_document", "change_document", "choose_document")),
        ):
            for codename in codenames:
                GroupCollectionPermission.objects.get_or_create(
                    group=designers,
                    collection=root_collection,
                    permission=Permission.objects.get(
                        content_type__app_label=app, codename=codename
                    ),
                )
        staff, _ = Group.objects.get_or_create(name="Staff")
        staff.permissions.add(
            Permission.objects.get(codename="access_admin"),
            *Permission.objects.filter(content_type__app_label="cohorts"),
        )
        return designers, staff

    # --- content ----------------------------------------------------------------------

    def _site(self) -> HomePage:
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

    def _media(self):
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

    def _lesson_body(self, module_title: str, lesson_title: str, m: int, n: int, image, doc):
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

    def _course(self, home: HomePage) -> CoursePage:
        image, doc = self._media()
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
                        body=self._lesson_body(title, lesson_title, m, n, image, doc),
                    )
                )
        return course

    # --- cohorts ----------------------------------------------------------------------

    def _seed(self):
        rng = random.Random(20261121)  # the same demo every time
        home = self._site()
        designers, staff_group = self._groups(home)
        course = self._course(home)

        student = self._user("student", name="Sanne de Vries")
        instructor = self._user("instructor", name="Iris Jansen")
        designer = self._user("designer", name="Daan Bakker")
        designer.groups.add(designers)
        admin = self._user("admin", name="Admin", is_staff=True, is_superuser=True)
        admin.groups.add(staff_group)

        now = timezone.now()
        today = local_today(TZ, now)
        running_start = today - dt.timedelta(days=15)  # week 3

        def eight_weeks(name, start, **options):
            return services.cohort_create(
                course=course,
                name=name,
                starts_on=start,
                ends_on=start + dt.timedelta(weeks=8, days=-1),
                timezone=TZ,
                instructors=[instructor],
                **options,
            )

        running = eight_weeks(
            "Autumn cohort",
            running_start,
            capacity=40,
            enrolment_opens_at=now - dt.timedelta(days=45),
            enrolment_closes_at=now - dt.timedelta(days=8),
            unlock_weekday=running_start.weekday(),
        )
        upcoming = eight_weeks(
            "Winter cohort",
            today + dt.timedelta(days=24),
            capacity=25,
            enrolment_opens_at=now - dt.timedelta(days=3),
            enrolment_closes_at=now + dt.timedelta(days=21),
        )
        full = eight_weeks(
            "Evening cohort (small group)",
            today + dt.timedelta(days=38),
            capacity=4,
            enrolment_opens_at=now - dt.timedelta(days=5),
            enrolment_closes_at=now + dt.timedelta(days=30),
            unlock_time=dt.time(19, 0),
        )

        classmates = [
            self._user(f"learner{i:02d}", name=name)
            for i, name in enumerate(
                [
                    "Noah Visser",
                    "Emma Smit",
                    "Lucas Meijer",
                    "Julia de Boer",
                    "Finn Mulder",
                    "Tess de Groot",
                    "Sem Bos",
                    "Mila Vos",
                    "Levi Peters",
                    "Zoë Hendriks",
                    "Jesse Dekker",
                    "Lotte van Dijk",
                ],
                start=1,
            )
        ]
        joined = now - dt.timedelta(days=30)
        lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
        modules = {m.path: m for m in ModulePage.objects.live().child_of(course)}
        unlocked_paths = {
            path
            for path, m in modules.items()
            if m.unlock_offset <= 3  # weeks 1-3 are open in week 3
        }
        open_lessons = [x for x in lessons if x.path[: -Page.steplen] in unlocked_paths]
        for person in [student, *classmates]:
            enrolment = services.enrolment_create(cohort=running, user=person, now=joined)
            if person is student:
                done = open_lessons[:5]  # weeks 1 and part of 2
            else:
                done = open_lessons[: rng.randint(0, len(open_lessons))]
            for lesson in done:
                services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)

        for person in classmates[:4]:
            services.enrolment_create(cohort=full, user=person)
        for person in classmates[4:6]:
            waiting = services.enrolment_create(cohort=full, user=person)
            assert waiting.status == EnrolmentStatus.WAITLISTED
        for person in classmates[6:9]:
            services.enrolment_create(cohort=upcoming, user=person)
        assert Cohort.objects.count() == 3
