"""The demo: one 8-week course with weekly assignments, a running cohort in week 3, an
upcoming paid one with an open window (early-bird price, instalments, codes, invoices),
a full one with a waitlist, and the demo users (password "demo").

In the running cohort, module 1's assignment has been handed in and is in peer review:
some reviews are done, the demo student owes reviews and has a grade, and the
instructor's queue holds a disagreement, a flagged review and a regrade request.
Module 2's assignment is open with some hand-ins. Everything happens through the
services, at moments in the past, as if the weeks had really gone by.

The running cohort's community is lively (discussions): introductions, answered and
unanswered questions, an announcement, a mentor ("mentor") and a report to moderate.

Memberships: three tiers (free, Basic with a trial, Premium with an included seat), a
self-paced library course, and thirteen members ("member01"...) in every state with two
years of history for the revenue page; the demo student can join from the pricing page.

One module per concern: people, curriculum, coursework (assignments and peer review),
commerce (payments), awards (badges), sessions (live), discussions (community),
memberships, knowledge (the help centre, news and interest topics; the demo student
follows two topics) and privacy (the notice, retention runs, the student's details and
newsletter consent, an export ready for member01 and member13's erasure cooling off).
``seed`` puts them together.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from wagtail.models import Page

from cms.models import LessonPage, ModulePage
from cohorts import services as cohort_services
from cohorts.models import Cohort, EnrolmentStatus
from home.demo import (
    awards,
    commerce,
    coursework,
    curriculum,
    discussions,
    knowledge,
    people,
    privacy,
    sessions,
)
from home.demo import memberships as membership_demo
from home.demo.people import DEMO_PASSWORD
from lms.timeutils import local_today

__all__ = ["DEMO_PASSWORD", "TZ", "seed"]

TZ = "Europe/Amsterdam"


def seed() -> None:
    """Load the whole demo through the services; the caller holds the transaction."""
    rng = random.Random(20261121)  # noqa: S311 - the same demo every time, no secret
    home = curriculum.site()
    designers, staff_group = people.groups(home)
    course = curriculum.course(home)

    student = people.user("student", name="Sanne de Vries")
    instructor = people.user("instructor", name="Iris Jansen")
    designer = people.user("designer", name="Daan Bakker")
    designer.groups.add(designers)
    admin = people.user("admin", name="Admin", is_staff=True, is_superuser=True)
    admin.groups.add(staff_group)

    now = timezone.now()
    today = local_today(TZ, now)
    running_start = today - dt.timedelta(days=15)  # week 3

    def eight_weeks(name, start, **options):
        return cohort_services.cohort_create(
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
        people.user(f"learner{i:02d}", name=name)
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
        enrolment = cohort_services.enrolment_create(cohort=running, user=person, now=joined)
        if person is student:
            done = open_lessons[:5]  # weeks 1 and part of 2
        else:
            done = open_lessons[: rng.randint(0, len(open_lessons))]
        for lesson in done:
            cohort_services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)

    coursework.coursework(course, running, student, classmates, now, rng)
    awards.badges(course, running, student, instructor, now)
    sessions.live_sessions(running, instructor, student, classmates, now, rng)
    discussions.community(course, running, student, instructor, classmates, now)

    for person in classmates[:4]:
        cohort_services.enrolment_create(cohort=full, user=person)
    for person in classmates[4:6]:
        waiting = cohort_services.enrolment_create(cohort=full, user=person)
        assert waiting.status == EnrolmentStatus.WAITLISTED
    commerce.payments(upcoming, student, classmates[6:9], admin, now)
    members = [
        people.user(f"member{i:02d}", name=name)
        for i, name in enumerate(
            [
                "Anouk Kok",
                "Bram Jacobs",
                "Eva de Wit",
                "Gijs Brouwer",
                "Ilse van Leeuwen",
                "Joris Willems",
                "Kim Schouten",
                "Maarten Prins",
                "Nina Koster",
                "Ruben Maas",
                "Sophie Verhoeven",
                "Thijs Huisman",
                "Vera Bosman",
            ],
            start=1,
        )
    ]
    membership_demo.members(home, members, admin, now)
    privacy.privacy(now)
    privacy.requests(student, members, now)
    knowledge.knowledge(home, student, today)
    assert Cohort.objects.count() == 4  # three cohorts and the library's
