"""Test data builders. Users and cohorts through factory-boy; curriculum pages through
Wagtail's tree API (pages must be added under a parent)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from wagtail.models import Page, Site

from cms.models import AssignmentPage, CoursePage, HomePage, LessonPage, ModulePage
from cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.models import User
from lms.timeutils import local_today


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


STAFF_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("cohorts", "view_all_rosters"),
    ("payments", "manage_orders"),
    ("live", "manage_sessions"),
    ("badges", "view_badge_stats"),
    ("badges", "manage_awards"),
    ("community", "add_role"),
    ("community", "change_role"),
    ("community", "delete_role"),
    ("community", "view_role"),
    ("memberships", "manage_memberships"),
    ("privacy", "manage_privacy_requests"),
    ("notifications", "view_consentevent"),
]


def staff_user(**fields) -> User:
    """A member of the "Staff" group: every staff capability through its named
    permission, without ``is_staff`` or superuser. The group comes from a migration;
    it is made again where a transactional test emptied the database."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Staff")
    for app_label, codename in STAFF_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user = UserFactory(**fields)
    user.groups.add(group)
    return user


def home_page() -> HomePage:
    """The site's home page, created once per test database."""
    existing = HomePage.objects.first()
    if existing:
        return existing
    root = Page.get_first_root_node() or tree_root()
    home = root.add_child(instance=HomePage(title="Home", slug="home-lms"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "LMS"},
    )
    return home


def tree_root() -> Page:
    """Transactional tests flush the tables that Wagtail's migrations fill; put back
    the tree root, the default locale and the root collection."""
    from django.conf import settings
    from wagtail.models import Collection, Locale

    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return Page.add_root(instance=Page(title="Root", slug="root"))


def course_page(
    *,
    title: str = "Writing for the web",
    modules: int = 4,
    lessons: int = 2,
    unlock_unit: str = "week",
) -> CoursePage:
    home = home_page()
    slug = f"course-{CoursePage.objects.count() + 1}"
    course = home.add_child(
        instance=CoursePage(title=title, slug=slug, summary=f"Learn {title.lower()}.")
    )
    for m in range(1, modules + 1):
        module = course.add_child(
            instance=ModulePage(
                title=f"Module {m}",
                slug=f"module-{m}",
                summary=f"What module {m} covers.",
                unlock_unit=unlock_unit,
                unlock_offset=m if unlock_unit == "week" else (m - 1) * 7,
            )
        )
        for n in range(1, lessons + 1):
            module.add_child(
                instance=LessonPage(
                    title=f"Lesson {m}.{n}",
                    slug=f"lesson-{m}-{n}",
                    estimated_minutes=20,
                    body=[("paragraph", f"<p>Secret content of lesson {m}.{n}.</p>")],
                )
            )
    return course


class CohortFactory(factory.django.DjangoModelFactory):
    """A cohort in its second week whose enrolment window is open."""

    class Meta:
        model = Cohort

    course = factory.LazyFunction(course_page)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    # Eight days ago on the cohort's own calendar (not UTC's: from 23:00 UTC it is
    # already tomorrow in Amsterdam, and every deadline would move a day).
    starts_on = factory.LazyFunction(lambda: local_today("Europe/Amsterdam") - dt.timedelta(days=8))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + dt.timedelta(weeks=8))
    timezone = "Europe/Amsterdam"
    enrolment_opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    enrolment_closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    capacity = 30
    unlock_weekday = factory.LazyAttribute(lambda o: o.starts_on.weekday())
    unlock_time = dt.time(9, 0)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    status = EnrolmentStatus.ACTIVE
    activated_at = factory.LazyFunction(timezone.now)


DEFAULT_RUBRIC = [
    ("Argument", [("Missing", 0), ("Partly", 2), ("Clear", 4)]),
    ("Style", [("Rough", 0), ("Readable", 1), ("Polished", 2)]),
]


def rubric_value(criteria=DEFAULT_RUBRIC) -> list:
    return [
        (
            "criterion",
            {
                "title": title,
                "description": f"How well the work does on {title.lower()}.",
                "levels": [
                    {"label": label, "points": points, "description": ""}
                    for label, points in levels
                ],
            },
        )
        for title, levels in criteria
    ]


def assignment_page(module: ModulePage, **fields) -> AssignmentPage:
    """An assignment under a module: text hand-ins, the default 2-criterion rubric
    (6 points), 3 peer reviews, due 6 days after the unlock at 23:59."""
    defaults = {
        "title": f"Assignment of {module.title}",
        "slug": f"assignment-{AssignmentPage.objects.count() + 1}",
        "instructions": "<p>Write 300 words.</p>",
        "rubric": rubric_value(),
    }
    defaults.update(fields)
    return module.add_child(instance=AssignmentPage(**defaults))
