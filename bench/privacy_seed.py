"""Three years of one member's history, and the classmates around it, for the privacy
benchmarks (export and erasure of one member).

``seed_history(member)`` gives the member five cohorts run one after another over three
years (each its own course of modules, lessons and one assignment per module; the last
one still running): enrolments with lessons completed, a submission per assignment with
one or two versions each carrying a small real file saved through the submissions
storage, peer reviews given and received, grades, a regrade request, an order with its
invoice and payment per cohort, community threads and replies across the cohorts'
spaces (others mention the member by @username), reactions, follows and reads, two
memberships (one ended, one active) with their ledger rows and bills, RSVPs and
attendance at live sessions, a badge, and notifications. Around the member, ``others``
classmates in the same cohorts have their own share of all of it, so that finding the
member's rows is a real selection.

Pages, the badge and its award go through the project's own builders and services;
everything else is written with bulk_create (history rows too, where a model keeps
history), each row dated where it happened in the three years.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager

YEAR = dt.timedelta(days=365)
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)
WORDS = (
    "windmill",
    "giant",
    "argument",
    "reader",
    "heading",
    "paragraph",
    "draft",
    "revision",
    "source",
    "claim",
    "evidence",
    "structure",
    "summary",
    "outline",
    "example",
)


def seed_history(
    member,
    others: int = 50,
    rng: random.Random | None = None,
    *,
    cohorts: int = 5,
    submissions: int = 40,
    posts: int = 300,
    notifications: int = 200,
) -> dict:
    """Seed ``member``'s history and that of ``others`` classmates. Returns the cohorts,
    the classmates and the host (the cohorts' instructor)."""
    import privacy_seed_social
    from django.utils import timezone

    from lms.models import User

    rng = rng or random.Random(3)
    now = timezone.now().replace(microsecond=0)
    host = User.objects.create(username="host-bench", email="host-bench@example.org")
    classmates = User.objects.bulk_create(
        User(
            username=f"classmate{i}",
            email=f"classmate{i}@example.org",
            display_name=f"Classmate {i}",
            date_joined=now - 3 * YEAR + rng.uniform(0, 30) * DAY,
        )
        for i in range(others)
    )
    world = World(member, classmates, host, rng, now)
    per_cohort = max(submissions // cohorts, 1)
    world.curriculum(cohorts, per_cohort)
    with dates_kept():
        world.enrolments()
        world.submissions()
        world.reviews_and_grades()
        world.payments()
        privacy_seed_social.community(world, posts)
        privacy_seed_social.memberships(
            world,
        )
        privacy_seed_social.live(
            world,
        )
        world.notifications(notifications)
    world.badge()
    return {"cohorts": world.cohorts, "others": classmates, "host": host}


@contextmanager
def dates_kept():
    """Rows keep the created_at/updated_at they are given (auto_now and auto_now_add
    off) while history is written in bulk."""
    from django.apps import apps
    from django.db import models

    fields = [
        f
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def bulk(model, rows: list, batch_size: int = 2000) -> list:
    """bulk_create, with history rows (dated as the rows) where the model keeps history."""
    if not rows:
        return rows
    if hasattr(model, "history"):
        from simple_history.utils import bulk_create_with_history

        return bulk_create_with_history(rows, model, batch_size=batch_size)
    return model.objects.bulk_create(rows, batch_size=batch_size)


def row(model, at: dt.datetime, **fields):
    """An unsaved row dated ``at`` (its timestamps and its history row's date)."""
    names = {f.name for f in model._meta.concrete_fields}
    for name in ("created_at", "updated_at"):
        if name in names:
            fields.setdefault(name, at)
    obj = model(**fields)
    obj._history_date = at
    return obj


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def real_file(rng: random.Random, n: int) -> tuple[str, bytes, str]:
    """A small real file of 2-20 KB: a PNG, a plain-text draft or a Word document."""
    from tests.assignments.files import docx_with_author
    from tests.badges.factories import png_bytes

    size = rng.randint(2_000, 20_000)
    kind = n % 3
    if kind == 0:
        return f"sketch-{n}.png", png_bytes(16, 16, padding=size), "image/png"
    if kind == 1:
        text = words(rng, size // 7)
        return f"draft-{n}.txt", text.encode()[:size], "text/plain"
    import io
    import zipfile

    out = io.BytesIO(docx_with_author())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/media/notes.txt", words(rng, size // 7))
    return (
        f"essay-{n}.docx",
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


class World:
    def __init__(self, member, classmates, host, rng, now):
        self.member, self.classmates, self.host, self.rng, self.now = (
            member,
            classmates,
            host,
            rng,
            now,
        )
        self.cohorts: list = []
        self.runs: list = []  # (cohort, start, assignments: [(module number, run, rubric)])
        self.roster: dict[int, list] = {}  # cohort pk -> enrolled users, member first
        self.enrolled: dict[tuple[int, int], object] = {}
        self.subs: dict[int, list] = {}  # cohort assignment pk -> submissions
        self.member_subs: list = []

    # --- cohorts and curriculum ------------------------------------------------------

    def curriculum(self, count: int, modules: int) -> None:
        from assignments.models import CohortAssignment
        from assignments.services import rubric_snapshot
        from cms.models import AssignmentPage
        from cohorts.models import Cohort
        from tests.factories import assignment_page, course_page

        first = self.now - 3 * YEAR + 30 * DAY
        gap = (self.now - first - (modules + 2) * 7 * DAY / 2) / max(count - 1, 1)
        for c in range(count):
            course = course_page(title=f"Course {c + 1}", modules=modules, lessons=2)
            pages = list(course.get_children().specific())
            for module in pages:
                assignment_page(module)
            start = first + c * gap
            cohort = Cohort.objects.create(
                course=course,
                name=f"Course {c + 1}, run {start:%Y-%m}",
                starts_on=start.date(),
                ends_on=(start + (modules + 2) * 7 * DAY).date(),
                enrolment_opens_at=start - 30 * DAY,
                enrolment_closes_at=start + 7 * DAY,
                capacity=len(self.classmates) + 10,
                unlock_weekday=start.weekday(),
            )  # saving the cohort makes its spaces
            Cohort.objects.filter(pk=cohort.pk).update(created_at=start - 40 * DAY)
            cohort.instructors.add(self.host)
            assignments = []
            for number, module in enumerate(pages, start=1):
                page = AssignmentPage.objects.child_of(module).get()
                run = CohortAssignment.objects.create(cohort=cohort, assignment=page)
                assignments.append((number, run, rubric_snapshot(assignment=page)))
            self.cohorts.append(cohort)
            self.runs.append((cohort, start, assignments))

    def lessons(self, cohort) -> list:
        from cms.models import LessonPage

        return list(LessonPage.objects.descendant_of(cohort.course).order_by("path"))

    def enrolments(self) -> None:
        from cohorts.models import Enrolment, EnrolmentStatus, LessonCompletion

        rng, rows, completions = self.rng, [], []
        for cohort, start, _assignments in self.runs:
            running = cohort.ends_on >= self.now.date()
            people = [self.member] + [u for u in self.classmates if rng.random() < 0.7]
            self.roster[cohort.pk] = people
            for user in people:
                joined = start - rng.uniform(3, 25) * DAY
                rows.append(
                    row(
                        Enrolment,
                        joined,
                        cohort=cohort,
                        user=user,
                        status=EnrolmentStatus.ACTIVE if running else EnrolmentStatus.COMPLETED,
                        activated_at=joined,
                        ended_at=None if running else start + 70 * DAY,
                        timezone="Europe/Amsterdam",
                    )
                )
        for enrolment in bulk(Enrolment, rows):
            self.enrolled[(enrolment.cohort_id, enrolment.user_id)] = enrolment
        for cohort, start, _assignments in self.runs:
            lessons = self.lessons(cohort)
            for user in self.roster[cohort.pk]:
                share = 0.8 if user is self.member else 0.5
                enrolment = self.enrolled[(cohort.pk, user.pk)]
                for n, lesson in enumerate(lessons):
                    at = start + (n // 2 + 1) * 7 * DAY + rng.uniform(0, 6) * DAY
                    if at < self.now and rng.random() < share:
                        completions.append(
                            LessonCompletion(enrolment=enrolment, lesson=lesson, completed_at=at)
                        )
        LessonCompletion.objects.bulk_create(completions, batch_size=2000)

    # --- assignments, reviews, grades ------------------------------------------------

    def submissions(self) -> None:
        from django.core.files.base import ContentFile

        from assignments.models import Submission, SubmissionVersion

        rng, subs = self.rng, []
        for cohort, start, assignments in self.runs:
            for number, run, _rubric in assignments:
                due = start + (number + 1) * 7 * DAY - DAY
                if due > self.now:
                    continue
                for user in self.roster[cohort.pk]:
                    if user is not self.member and rng.random() < 0.2:
                        continue
                    at = due - rng.uniform(0, 4) * DAY
                    versions = 2 if rng.random() < 0.3 else 1
                    subs.append(
                        row(
                            Submission,
                            at,
                            cohort_assignment=run,
                            author=user,
                            status="graded",
                            submitted_at=at,
                            version_count=versions,
                        )
                    )
        subs = bulk(Submission, subs)
        versions, files = [], 0
        for sub in subs:
            self.subs.setdefault(sub.cohort_assignment_id, []).append(sub)
            mine = sub.author_id == self.member.pk
            if mine:
                self.member_subs.append(sub)
            for number in range(1, sub.version_count + 1):
                at = sub.submitted_at - (sub.version_count - number) * DAY
                version = SubmissionVersion(
                    submission=sub, number=number, text=words(rng, 60), created_at=at
                )
                if mine:  # the member's work comes as files through the storage
                    name, data, kind = real_file(rng, files)
                    files += 1
                    version.file.save(name, ContentFile(data), save=False)
                    version.file_name, version.file_size, version.file_type = (
                        name,
                        len(data),
                        kind,
                    )
                versions.append(version)
        SubmissionVersion.objects.bulk_create(versions, batch_size=2000)

    def reviews_and_grades(self) -> None:
        from reviews.models import Grade, RegradeRequest, Review

        rng, reviews, grades = self.rng, [], []
        for _cohort, _start, assignments in self.runs:
            for _number, run, rubric in assignments:
                subs = self.subs.get(run.pk, [])
                authors = [s.author for s in subs]
                for sub in subs:
                    peers = [u for u in authors if u.pk != sub.author_id]
                    mine = sub.author_id == self.member.pk
                    reviewers = rng.sample(peers, min(3 if mine else 2, len(peers)))
                    if not mine and self.member in peers and rng.random() < 0.15:
                        reviewers = [self.member, *[r for r in reviewers if r is not self.member]]
                    total = 0
                    for reviewer in reviewers:
                        scores = {
                            c["id"]: {
                                "points": rng.choice([lv["points"] for lv in c["levels"]]),
                                "comment": words(rng, 25),
                            }
                            for c in rubric.criteria
                        }
                        points = sum(s["points"] for s in scores.values())
                        total += points
                        at = sub.submitted_at + rng.uniform(1, 5) * DAY
                        reviews.append(
                            Review(
                                submission=sub,
                                reviewer=reviewer,
                                rubric=rubric,
                                status="submitted",
                                assigned_at=sub.submitted_at + DAY,
                                due_at=sub.submitted_at + 6 * DAY,
                                submitted_at=at,
                                scores=scores,
                                points=points,
                                comment=words(rng, 80),
                                helpfulness=rng.randint(1, 5) if mine else None,
                            )
                        )
                    points = round(total / len(reviewers)) if reviewers else 0
                    released = sub.submitted_at + 10 * DAY
                    grades.append(
                        row(
                            Grade,
                            released,
                            submission=sub,
                            source="peers" if reviewers else "instructor",
                            rubric=rubric,
                            criteria={},
                            points=points,
                            max_points=rubric.max_points,
                            final_percent=round(100 * points / rubric.max_points),
                            feedback=words(rng, 30),
                            graded_by=None if reviewers else self.host,
                            release_at=released,
                            released_at=released,
                        )
                    )
        Review.objects.bulk_create(reviews, batch_size=2000)
        bulk(Grade, grades)
        if self.member_subs:
            sub = self.member_subs[0]
            bulk(
                RegradeRequest,
                [
                    row(
                        RegradeRequest,
                        sub.submitted_at + 12 * DAY,
                        submission=sub,
                        reason="My second criterion was scored as if the sources were missing.",
                        status="answered",
                        answer="Looked again: the grade stands.",
                        answered_by=self.host,
                        answered_at=sub.submitted_at + 14 * DAY,
                    )
                ],
            )

    # --- payments ----------------------------------------------------------------------

    def payments(self) -> None:
        from payments.models import CohortPrice, Invoice, Order, Payment

        orders, invoices, payments = [], [], []
        for cohort, start, _assignments in self.runs:
            bulk(CohortPrice, [row(CohortPrice, start, cohort=cohort, amount=49_500)])
            for user in self.roster[cohort.pk]:
                enrolment = self.enrolled[(cohort.pk, user.pk)]
                orders.append(
                    row(
                        Order,
                        enrolment.created_at,
                        enrolment=enrolment,
                        user=user,
                        status="paid",
                        provider="manual",
                        currency="EUR",
                        list_amount=49_500,
                        total_amount=49_500,
                        paid_at=enrolment.created_at + 2 * DAY,
                    )
                )
        orders = bulk(Order, orders)
        for order in orders:
            at = order.created_at
            invoices.append(
                row(
                    Invoice,
                    at,
                    order=order,
                    user_id=order.user_id,
                    description="A seat in the cohort",
                    number=f"{at:%Y}-B{order.pk:06d}",
                    amount=order.total_amount,
                    currency="EUR",
                    due_on=(at + 14 * DAY).date(),
                    payment_reference=f"RF{order.pk:010d}",
                    paid_at=order.paid_at,
                )
            )
            payments.append(
                row(
                    Payment,
                    order.paid_at,
                    order=order,
                    amount=order.total_amount,
                    currency="EUR",
                    provider_reference=f"bank-{order.pk}",
                    paid_at=order.paid_at,
                    recorded_by="bank import",
                )
            )
        bulk(Invoice, invoices)
        bulk(Payment, payments)

    # --- notifications and the badge -----------------------------------------------------

    def notifications(self, count: int) -> None:
        from notifications.models import Kind, Notification, Preference

        rng, kinds, rows = self.rng, list(Kind.values), []
        per_other = max(count // 10, 1)
        for user, n in [(self.member, count)] + [(u, per_other) for u in self.classmates]:
            for i in range(n):
                at = self.now - rng.uniform(0, 3 * 365) * DAY
                rows.append(
                    Notification(
                        user=user,
                        kind=rng.choice(kinds),
                        key=f"bench:{i}",
                        params={"title": words(rng, 4)},
                        url="/dashboard/",
                        created_at=at,
                        read_at=at + DAY if rng.random() < 0.9 else None,
                        delivery="immediately",
                        emailed_at=at,
                    )
                )
        Notification.objects.bulk_create(rows, batch_size=5000)
        Preference.objects.bulk_create(
            Preference(user=self.member, kind=k, delivery="digest") for k in kinds[:3]
        )

    def badge(self) -> None:
        from badges.services import award_grant
        from tests.badges.factories import badge_class

        cohort = self.cohorts[0]
        badge = badge_class(cohort.course, name="Steady writer")
        for user in self.roster[cohort.pk][:5]:
            award_grant(
                badge_class=badge,
                recipient=user,
                cohort=cohort,
                by=self.host,
                note="Handed in every assignment on time.",
            )
