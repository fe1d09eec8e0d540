"""Load the demo: one 8-week course with weekly assignments, a running cohort in week 3,
an upcoming paid one with an open window (early-bird price, instalments, codes, invoices),
a full one with a waitlist, and the demo users (password "demo").

In the running cohort, module 1's assignment has been handed in and is in peer review:
some reviews are done, the demo student owes reviews and has a grade, and the
instructor's queue holds a disagreement, a flagged review and a regrade request.
Module 2's assignment is open with some hand-ins. Everything happens through the
services, at moments in the past, as if the weeks had really gone by.

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

from assignments.models import CohortAssignment, Submission, SubmissionStatus
from assignments.selectors import assignment_slot_get
from assignments.services import submission_submit
from cms.models import AssignmentPage, CoursePage, HomePage, LatePolicy, LessonPage, ModulePage
from cohorts import services
from cohorts.models import Cohort, EnrolmentStatus
from lms.models import User
from lms.timeutils import local_today
from payments import services as payment_services
from payments.models import CohortPrice, Coupon
from reviews import services as review_services
from reviews.models import Review, ReviewKind, ReviewStatus

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
ESSAYS = [
    "My reader is a facilities manager at a school who visits our maintenance pages "
    "between two appointments, usually on a phone. She knows the building better "
    "than we do and wants the phone number and the opening hours, fast.",
    "Our typical reader is a first-year student looking for the deadline to change "
    "courses. The analytics show most of them arrive from a search for the word "
    "'deadline' and leave within twenty seconds when the date is not near the top.",
    "I interviewed three people who use our donation page. All three wanted to know "
    "where their money goes before they wanted to know how to give it. Two of them "
    "read the page on a tablet in the evening.",
    "The reader of our release notes is a developer who upgrades once a quarter and "
    "scans for breaking changes. The support tickets after each release show which "
    "changes they missed.",
]
COMMENTS = [
    "The reader comes alive in the first paragraph. One thing to improve: say what "
    "they do right after reading the page.",
    "Clear and short. The numbers would be stronger with the period they cover.",
    "I could picture this person. The last paragraph repeats the first; cut it.",
    "Good observations. Put the reader's goal in the first sentence, not the third.",
]


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
            ("student", "a student in week 3 of the running cohort, owing peer reviews"),
            ("instructor", "the instructor of the running cohort (roster, grading queue)"),
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
        # Designers define badges (the badge snippet), as the README says.
        designers.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="badges",
                codename__in=[
                    f"{action}_badgeclass"
                    for action in ("add", "change", "delete", "publish", "view")
                ],
            )
        )
        staff, _ = Group.objects.get_or_create(name="Staff")
        # The cohort admin's model permissions, and one named permission per staff
        # capability (the same as the badges migration that creates this group).
        staff.permissions.add(
            Permission.objects.get(codename="access_admin"),
            *Permission.objects.filter(content_type__app_label="cohorts"),
            *Permission.objects.filter(
                content_type__app_label="payments", codename="manage_orders"
            ),
            *Permission.objects.filter(content_type__app_label="live", codename="manage_sessions"),
            *Permission.objects.filter(
                content_type__app_label="badges",
                codename__in=["view_badge_stats", "manage_awards"],
            ),
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

        self._coursework(course, running, student, classmates, now, rng)
        self._badges(course, running, student, instructor, now)
        self._live_sessions(running, instructor, student, classmates, now, rng)

        for person in classmates[:4]:
            services.enrolment_create(cohort=full, user=person)
        for person in classmates[4:6]:
            waiting = services.enrolment_create(cohort=full, user=person)
            assert waiting.status == EnrolmentStatus.WAITLISTED
        self._payments(upcoming, student, classmates[6:9], admin, now)
        assert Cohort.objects.count() == 3

    # --- payments ---------------------------------------------------------------------

    def _payments(self, upcoming, student, buyers, admin, now):
        """The winter cohort is paid: an early-bird price, three instalments online, a
        welcome code and a scholarship. With no Stripe keys it is paid by invoice: one
        classmate has paid, one pays with a scholarship, one invoice is open, and the demo
        student has an invoice waiting too."""
        CohortPrice.objects.create(
            cohort=upcoming,
            amount=59_500,
            early_bird_amount=49_500,
            early_bird_until=now + dt.timedelta(days=10),
            instalments=3,
        )
        Coupon.objects.create(code="WELCOME10", percent_off=10)
        Coupon.objects.create(code="SCHOLARSHIP", percent_off=100, max_uses=2, cohort=upcoming)
        paid, scholar, open_invoice = buyers
        _, order = payment_services.paid_enrolment_start(cohort=upcoming, user=paid)
        payment_services.order_mark_paid(order=order, by=admin, reference="NL-BANK-20261103")
        payment_services.paid_enrolment_start(
            cohort=upcoming, user=scholar, coupon_code="SCHOLARSHIP"
        )
        payment_services.paid_enrolment_start(
            cohort=upcoming, user=open_invoice, coupon_code="WELCOME10"
        )
        payment_services.paid_enrolment_start(cohort=upcoming, user=student)

    # --- badges ----------------------------------------------------------------------

    def _badge_image(self, color: tuple[int, int, int], letter: str):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image as PILImage
        from PIL import ImageDraw

        canvas = PILImage.new("RGBA", (256, 256), (0, 0, 0, 0))
        draw = ImageDraw.Draw(canvas)
        draw.ellipse((8, 8, 248, 248), fill=color, outline=(255, 255, 255), width=10)
        draw.text((128, 128), letter, fill=(255, 255, 255), anchor="mm", font_size=120)
        buffer = io.BytesIO()
        canvas.save(buffer, format="PNG")
        return SimpleUploadedFile("badge.png", buffer.getvalue(), content_type="image/png")

    def _badges(self, course, running, student, instructor, now):
        """Badge classes of the course; the demo student has earned three (two by their
        rules, one from the instructor) and is one lesson short of "Week 2 done"."""
        from badges import services as badge_services

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
                image=self._badge_image(color, letter),
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

    # --- live sessions ----------------------------------------------------------------

    def _live_sessions(self, running, instructor, student, classmates, now, rng):
        """A weekly Thursday 19:30 Q&A for the whole term: the past ones with a
        recording, notes and who joined; the student going to the next one."""
        from live import services as live_services

        first = running.starts_on + dt.timedelta(days=(3 - running.starts_on.weekday()) % 7)
        series = live_services.series_create(
            cohort=running,
            by=instructor,
            title="Weekly Q&A",
            description="Bring your questions about this week's module.",
            first_day=first,
            local_time=dt.time(19, 30),
            duration_minutes=60,
            weeks=8,
            join_url="https://meet.jit.si/cohort-lms-demo-qa",
            capacity=40,
        )
        for session in series.sessions.order_by("starts_at"):
            if session.ends_at <= now:
                for person in [student, *classmates]:
                    if person is student or rng.random() < 0.6:
                        live_services.session_join(
                            session=session,
                            user=person,
                            now=session.starts_at + dt.timedelta(minutes=rng.randint(-5, 10)),
                        )
                live_services.session_add_recording(
                    session=session,
                    by=instructor,
                    recording_url=f"https://video.example.org/demo/qa-{session.pk}",
                    notes="Questions on headings and scanning; slides are in the module.",
                )
            elif session.starts_at > now:
                live_services.rsvp_set(session=session, user=student, going=True)
                for person in classmates[:5]:
                    live_services.rsvp_set(session=session, user=person, going=True)
                break

    # --- assignments and peer review --------------------------------------------------

    def _assignments(self, course: CoursePage) -> dict[int, AssignmentPage]:
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

    def _coursework(self, course, running, student, classmates, now, rng):
        """Module 1's assignment handed in and half-way through peer review; module 2's
        open with some hand-ins. Every step at the moment it would have happened."""
        assignments = self._assignments(course)
        first = assignments[1]
        due_at = assignment_slot_get(
            cohort=running, assignment_id=first.pk, now=now
        ).deadlines.due_at
        authors = [student, *classmates[:10]]
        for i, person in enumerate(authors):
            submission_submit(
                cohort=running,
                assignment_id=first.pk,
                author=person,
                text=ESSAYS[i % len(ESSAYS)],
                now=due_at - dt.timedelta(hours=3 + 7 * i),
            )
        run = CohortAssignment.objects.get(cohort=running, assignment=first)
        # The periodic tick allocates within a minute of the deadline.
        review_services.peer_reviews_allocate(run=run, now=due_at + dt.timedelta(minutes=1))
        self._reviews(run, student, classmates, due_at, rng)

        second = assignments[2]
        for i, person in enumerate(classmates[:5]):
            at = now - dt.timedelta(hours=6 + 20 * i)
            submission_submit(
                cohort=running,
                assignment_id=second.pk,
                author=person,
                text=f"{ESSAYS[(i + 1) % len(ESSAYS)]}\n\nWhat I changed: headings first.",
                now=at,
            )

    def _reviews(self, run, student, classmates, due_at, rng):
        """A day of reviewing after the deadline. The demo student's work gets all its
        reviews (and so a peer grade); the student writes one of the three they owe;
        one classmate has not started; one submission's reviewers disagree."""
        reviews = list(
            Review.objects.filter(submission__cohort_assignment=run, kind=ReviewKind.PEER)
            .select_related("rubric")
            .order_by("pk")
        )
        by_submission: dict[int, list[Review]] = {}
        for review in reviews:
            by_submission.setdefault(review.submission_id, []).append(review)
        mine = Submission.objects.get(cohort_assignment=run, author=student)
        slow = classmates[9]
        disputed = next(
            pk
            for pk, given in by_submission.items()
            if pk != mine.pk and all(r.reviewer_id not in (student.pk, slow.pk) for r in given)
        )
        owed_by_student = [r for r in reviews if r.reviewer_id == student.pk]
        to_write = [
            r
            for r in reviews
            if r.submission_id == mine.pk
            or r == owed_by_student[0]
            or (r.reviewer_id not in (student.pk, slow.pk))
        ]
        quality = {pk: [rng.randint(1, 3) for _c in RUBRIC] for pk in by_submission}
        users = {u.pk: u for u in User.objects.filter(pk__in={r.reviewer_id for r in reviews})}
        step = dt.timedelta(hours=20) / len(to_write)
        for i, review in enumerate(to_write):
            levels = quality[review.submission_id]
            if review.submission_id == disputed:
                # One reviewer sees excellent work, the others weak work.
                first = review == by_submission[disputed][0]
                levels = [3, 3, 3] if first else [0, 1, 0]
            else:
                # Peers agree within a level on one criterion.
                levels = list(levels)
                slip = rng.randrange(len(levels) * 3)
                if slip < len(levels):
                    levels[slip] = max(0, levels[slip] - 1)
            review_services.review_submit(
                review=review,
                by=users[review.reviewer_id],
                scores={
                    c["id"]: level for c, level in zip(review.rubric.criteria, levels, strict=True)
                },
                comment=COMMENTS[i % len(COMMENTS)],
                now=due_at + dt.timedelta(hours=1) + step * i,
            )
        later = due_at + dt.timedelta(hours=22)
        review_services.review_rate(review=by_submission[mine.pk][0], by=student, helpfulness=4)
        graded = list(
            Submission.objects.filter(cohort_assignment=run, status=SubmissionStatus.GRADED)
            .exclude(pk=mine.pk)
            .select_related("author")
            .order_by("pk")
        )
        flagged, regraded = graded[0], graded[1]
        review_services.review_flag(
            review=by_submission[flagged.pk][0],
            by=flagged.author,
            reason="The comment is about my spelling, not about the reader I described.",
            now=later,
        )
        review_services.regrade_request(
            submission=regraded,
            by=regraded.author,
            reason="Two reviewers scored the evidence as thin, but I quote three interviews.",
            now=later + dt.timedelta(minutes=30),
        )
        assert Review.objects.filter(reviewer=student, status=ReviewStatus.ASSIGNED).exists()
