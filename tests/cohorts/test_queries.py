"""Hot pages cost a fixed number of queries, whatever the size of the course or cohort.

Each page is measured on a small cohort (2 modules of 1 lesson, 1 student) and a large
one (8 modules of 5 lessons, 40 students with progress, more courses and cohorts in the
catalogue) against the same bound. The bounds include the session and user lookups.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cms.models import LessonPage, ModulePage
from cohorts import services
from cohorts.models import EnrolmentStatus, LessonCompletion
from live.models import Attendance, Rsvp, RsvpAnswer
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page
from tests.live.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db

# page name: (who looks, url, the most queries it may cost)
# Every page (not API) for a signed-in user includes +2: the unread-notification count and
# the community's unread count (community.selectors.header_unread) in the header.
HOT_PAGES = {
    # +7: the student's assignment work (reviews.selectors.student_work_get).
    # +1: the student's badges in this cohort; +4: the next live sessions with hosts,
    # the student's RSVPs and attendance, and the header's unread-notification count;
    # +1: the community's "say hello" (community.selectors.hello_due).
    "dashboard": ("student", "/learn/{cohort}/", 25),
    "live sessions": ("student", "/learn/{cohort}/sessions/", 10),
    "notifications": ("student", "/notifications/", 5),
    "my calendar": ("student", "/calendar/", 14),
    "api live sessions": ("student", "/api/v1/cohorts/{cohort}/sessions/", 8),
    "my cohorts": ("student", "/learn/", 6),
    # +3: the module's assignments (assignments.selectors.assignment_slots).
    "module": ("student", "/learn/{cohort}/modules/{module}/", 13),
    "lesson": ("student", "/learn/{cohort}/lessons/{lesson}/", 12),
    "roster": ("instructor", "/learn/{cohort}/roster/", 13),
    "home catalogue": ("student", "/", 12),
    "home catalogue, anonymous": (None, "/", 7),
    "course page": ("student", "{course_url}", 13),
    "search": ("student", "/search/?q=Secret", 15),
    "api courses": ("student", "/api/v1/courses/", 6),
    "api progress": ("student", "/api/v1/cohorts/{cohort}/progress/", 9),
    "api modules": ("student", "/api/v1/cohorts/{cohort}/modules/", 9),
    "api lesson": ("student", "/api/v1/cohorts/{cohort}/lessons/{lesson}/", 10),
    "api roster": ("instructor", "/api/v1/cohorts/{cohort}/roster/", 11),
}


@dataclass
class Scene:
    cohort: object
    student: object
    instructor: object
    module: ModulePage
    lesson: LessonPage


def build(*, modules: int, lessons: int, students: int, extra_courses: int) -> Scene:
    course = course_page(modules=modules, lessons=lessons)
    cohort = CohortFactory(course=course)
    instructor = UserFactory(username="ines")
    cohort.instructors.add(instructor)
    enrolments = [EnrolmentFactory(cohort=cohort) for _ in range(students)]
    all_lessons = list(LessonPage.objects.filter(path__startswith=course.path).order_by("path"))
    now = timezone.now()
    for i, enrolment in enumerate(enrolments):
        LessonCompletion.objects.bulk_create(
            LessonCompletion(enrolment=enrolment, lesson=lesson, completed_at=now)
            for lesson in all_lessons[: i % (lessons + 1) + 1]
        )
    module = ModulePage.objects.get(path__startswith=course.path, slug="module-1")
    if modules > 2:  # a moved module, and a waitlist, as a real cohort would have
        services.module_unlock_override_set(
            cohort=cohort,
            module=ModulePage.objects.get(path__startswith=course.path, slug="module-3"),
            unlocks_at=now - dt.timedelta(hours=1),
        )
        EnrolmentFactory.create_batch(3, cohort=cohort, status=EnrolmentStatus.WAITLISTED)
        _badges_held(cohort, enrolments[0].user, count=6)
    # Live sessions, some of them past, with RSVPs and attendance.
    for n in range(modules):
        starts = now + dt.timedelta(days=n - 1)
        live = LiveSessionFactory(
            cohort=cohort, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
        )
        live.hosts.add(instructor)
        for enrolment in enrolments:
            Rsvp.objects.create(session=live, user=enrolment.user, answer=RsvpAnswer.GOING)
            if n < 1:
                Attendance.objects.create(session=live, user=enrolment.user, source="joined")
    for n in range(extra_courses):
        other = course_page(title=f"Course {n}", modules=1, lessons=0)
        for _ in range(3):
            EnrolmentFactory(cohort=CohortFactory(course=other))
    return Scene(cohort, enrolments[0].user, instructor, module, all_lessons[0])


def _badges_held(cohort, student, *, count: int) -> None:
    from badges.models import Award, BadgeClass

    for n in range(count):
        badge = BadgeClass.objects.create(
            course=cohort.course,
            name=f"Badge {n}",
            description="d",
            criteria_narrative="c",
            image="badges/b.png",
            live=True,
        )
        Award.objects.create(
            badge_class=badge,
            recipient=student,
            cohort=cohort,
            awarded_at=timezone.now(),
            salt="s",
            identity_hash="h",
        )


@pytest.fixture(
    params=[
        {"modules": 2, "lessons": 1, "students": 1, "extra_courses": 0},
        {"modules": 8, "lessons": 5, "students": 40, "extra_courses": 4},
    ],
    ids=["small", "large"],
)
def scene(request, db):
    return build(**request.param)


def test_hot_pages_cost_the_same_number_of_queries_for_small_and_large_cohorts(
    client, scene, django_assert_max_num_queries
):
    course = scene.cohort.course
    for name, (who, url, max_queries) in HOT_PAGES.items():
        url = url.format(
            cohort=scene.cohort.pk,
            module=scene.module.pk,
            lesson=scene.lesson.pk,
            course_url=course.url,
        )
        client.logout()
        if who is not None:
            client.force_login(getattr(scene, who))
        with django_assert_max_num_queries(max_queries, info=f"{name}: {url}"):
            response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, f"{name}: {url}"
