"""Two members of one library cohort, each on their own calendar, on every page that
reads the schedule: dashboard, module and lesson pages, what they may read and find,
the roster, the calendar feed, unlock notices and badges; at pinned query counts.

Anna starts on Monday 23 March 2026, Bert on Monday 6 April; the pages are read on
Wednesday 8 April (weekly unlock Monday 09:00 Amsterdam). Anna has modules 1 to 3
open, Bert module 1 only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
import vobject

from badges.models import Award
from cms.models import LessonPage, ModulePage
from cohorts import notices, selectors, services
from cohorts.models import Cohort, Enrolment, SelfPacedStart
from live.feed import user_feed_bytes
from notifications.models import Notification
from tests.badges.factories import badge_class
from tests.factories import UserFactory, course_page

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 4, 8, 12, tzinfo=UTC)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@dataclass
class Library:
    cohort: Cohort
    anna: Enrolment
    bert: Enrolment
    instructor: object

    def module(self, n: int) -> ModulePage:
        return ModulePage.objects.get(path__startswith=self.cohort.course.path, slug=f"module-{n}")

    def lesson(self, m: int, n: int = 1) -> LessonPage:
        return LessonPage.objects.get(
            path__startswith=self.cohort.course.path, slug=f"lesson-{m}-{n}"
        )


def grant(cohort, name: str, now: dt.datetime, **fields) -> Enrolment:
    return services.library_access_grant(
        user=UserFactory(username=name, **fields), cohort=cohort, now=now, reason="membership"
    )


@pytest.fixture
def library() -> Library:
    course = course_page(title="Library course", modules=4, lessons=2)
    cohort = services.library_cohort_get_or_create(course=course, now=at(2026, 3, 1))
    instructor = UserFactory(username="ines")
    cohort.instructors.add(instructor)
    return Library(
        cohort=cohort,
        anna=grant(cohort, "anna", at(2026, 3, 23, 6)),
        bert=grant(cohort, "bert", at(2026, 4, 6, 6)),
        instructor=instructor,
    )


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _page(client, user, url: str):
    client.force_login(user)
    return client.get(url)


def test_two_members_see_their_own_weeks_on_the_dashboard(client, library, frozen):
    anna = _page(client, library.anna.user, f"/learn/{library.cohort.pk}/")
    bert = _page(client, library.bert.user, f"/learn/{library.cohort.pk}/")
    assert (anna.context["board"].current_week, anna.context["board"].term_weeks) == (3, 4)
    assert (bert.context["board"].current_week, bert.context["board"].term_weeks) == (1, 4)
    assert "Week 3 of 4" in anna.content.decode()
    assert "Week 1 of 4" in bert.content.decode()
    assert bert.context["board"].next_unlock.slot.unlocks_at == at(2026, 4, 13, 7)


def test_two_members_see_their_own_unlocks_on_module_and_lesson_pages(client, library, frozen):
    module = f"/learn/{library.cohort.pk}/modules/{library.module(3).pk}/"
    lesson = f"/learn/{library.cohort.pk}/lessons/{library.lesson(3).pk}/"
    anna_module = _page(client, library.anna.user, module)
    assert anna_module.context["view"].readable
    assert "Lesson 3.1" in anna_module.content.decode()
    anna_lesson = _page(client, library.anna.user, lesson)
    assert anna_lesson.status_code == 200
    assert "Secret content of lesson 3.1" in anna_lesson.content.decode()

    bert_module = _page(client, library.bert.user, module)
    assert not bert_module.context["view"].readable
    assert "Lesson 3.1" not in bert_module.content.decode()
    bert_lesson = _page(client, library.bert.user, lesson)
    assert bert_lesson.status_code == 403
    assert "Secret content of lesson 3.1" not in bert_lesson.content.decode()


def test_the_api_gives_each_member_their_own_progress_and_locks(api, library, frozen):
    api.force_authenticate(library.bert.user)
    progress = api.get(f"/api/v1/cohorts/{library.cohort.pk}/progress/").json()
    assert (progress["current_week"], progress["term_weeks"]) == (1, 4)
    assert [m["locked"] for m in progress["modules"]] == [False, True, True, True]
    locked = api.get(f"/api/v1/cohorts/{library.cohort.pk}/lessons/{library.lesson(2).pk}/")
    assert (locked.status_code, locked.json()["unlocks_at"]) == (403, "2026-04-13T09:00:00+02:00")
    api.force_authenticate(library.anna.user)
    progress = api.get(f"/api/v1/cohorts/{library.cohort.pk}/progress/").json()
    assert [m["locked"] for m in progress["modules"]] == [False, False, False, True]


def test_what_a_member_may_read_and_find_follows_their_own_calendar(library, frozen):
    page = library.lesson(3)
    assert selectors.curriculum_page_readable(user=library.anna.user, page=page)
    assert not selectors.curriculum_page_readable(user=library.bert.user, page=page)
    assert selectors.curriculum_page_readable(user=library.bert.user, page=library.lesson(1))

    def found(user):
        return {r["page"].title for r in selectors.search_curriculum(user=user, query="Secret")}

    assert {"Lesson 3.1", "Lesson 3.2"} <= found(library.anna.user)
    assert found(library.bert.user) == {"Lesson 1.1", "Lesson 1.2"}


def test_a_suspended_member_reads_nothing_until_access_comes_back(library, frozen):
    services.library_access_revoke(user=library.anna.user, cohort=library.cohort, reason="lapsed")
    assert not selectors.curriculum_page_readable(user=library.anna.user, page=library.lesson(1))
    services.library_access_grant(user=library.anna.user, cohort=library.cohort, reason="back")
    assert selectors.curriculum_page_readable(user=library.anna.user, page=library.lesson(3))


def test_the_roster_judges_each_member_behind_on_their_own_calendar(client, library, frozen):
    for lesson in (library.lesson(1, 1), library.lesson(1, 2)):
        services.lesson_mark_complete(enrolment=library.anna, lesson=lesson)
    roster = selectors.roster_get(cohort_id=library.cohort.pk, user=library.instructor)
    rows = {row.user.username: row for row in roster.page}
    # Anna: weeks 1 and 2 opened more than a week ago (4 lessons), 2 done. Bert: his
    # week 1 opened two days ago, nothing is due yet.
    assert (rows["anna"].lessons_due, rows["anna"].due_done, rows["anna"].is_behind) == (
        4,
        2,
        True,
    )
    assert (rows["bert"].lessons_due, rows["bert"].is_behind) == (0, False)
    assert (roster.behind_count, roster.lessons_due, roster.per_member) == (1, 4, True)
    behind = selectors.roster_get(
        cohort_id=library.cohort.pk, user=library.instructor, behind_only=True
    )
    assert [row.user.username for row in behind.page] == ["anna"]
    page = _page(client, library.instructor, f"/learn/{library.cohort.pk}/roster/")
    assert page.content.decode().count("badge-danger") == 1


def test_the_roster_of_a_library_cohort_costs_the_same_queries_for_2_or_12_members(
    client, library, frozen, django_assert_max_num_queries
):
    url = f"/learn/{library.cohort.pk}/roster/"
    client.force_login(library.instructor)
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200
    for n in range(10):
        member = grant(library.cohort, f"member{n}", at(2026, 3, 2 + n, 12))
        services.lesson_mark_complete(enrolment=member, lesson=library.lesson(1))
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(11):
        answer = client.get(f"/api/v1/cohorts/{library.cohort.pk}/roster/")
    # Anna, and the ten who started in early March with one lesson done.
    assert (answer.status_code, answer.json()["behind_count"]) == (200, 11)


def test_each_members_calendar_feed_lists_their_own_unlocks_and_no_one_elses(library, frozen):
    uid = f"unlock-{library.cohort.pk}-{library.module(2).pk}"

    def starts(enrolment):
        events = vobject.readOne(user_feed_bytes(user=enrolment.user).decode()).vevent_list
        return {e.uid.value.split("@")[0]: e.dtstart.value for e in events}

    assert starts(library.anna)[uid] == at(2026, 3, 30, 7)
    assert starts(library.bert)[uid] == at(2026, 4, 13, 7)
    # Teaching a library cohort puts no shared calendar in the instructor's feed.
    teacher = vobject.readOne(user_feed_bytes(user=library.instructor).decode())
    assert not [e for e in getattr(teacher, "vevent_list", []) if e.uid.value.startswith("unlock")]


def test_a_first_open_member_has_no_unlocks_in_the_feed_before_opening_the_course(library):
    services.cohort_update(cohort=library.cohort, self_paced_start=SelfPacedStart.FIRST_OPEN)
    library.cohort.refresh_from_db()
    carla = grant(library.cohort, "carla", at(2026, 4, 1))
    body = vobject.readOne(user_feed_bytes(user=carla.user).decode())
    assert not [e for e in getattr(body, "vevent_list", []) if e.uid.value.startswith("unlock")]


def test_beat_tells_each_member_of_the_modules_opening_on_their_own_calendar(library):
    notices.module_unlocks_produce(now=at(2026, 4, 6, 7, 30))
    notices.module_unlocks_produce(now=at(2026, 4, 6, 7, 45))  # a second tick adds nothing
    told = set(Notification.objects.values_list("user__username", "params__module"))
    assert told == {("anna", "Module 3"), ("bert", "Module 1")}


def test_a_self_paced_member_earns_module_badges_like_a_cohort_student(
    library, frozen, django_capture_on_commit_callbacks
):
    badge = badge_class(
        library.cohort.course, kind="module_lessons", config={"module": library.module(1).pk}
    )
    for n in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            services.lesson_mark_complete(enrolment=library.bert, lesson=library.lesson(1, n))
    award = Award.objects.get()
    assert (award.badge_class, award.recipient, award.cohort) == (
        badge,
        library.bert.user,
        library.cohort,
    )


HOT = {
    "dashboard": ("/learn/{cohort}/", 25),
    "module": ("/learn/{cohort}/modules/{module}/", 13),
    "lesson": ("/learn/{cohort}/lessons/{lesson}/", 12),
    "api progress": ("/api/v1/cohorts/{cohort}/progress/", 9),
    "api lesson": ("/api/v1/cohorts/{cohort}/lessons/{lesson}/", 10),
}


def test_a_members_pages_cost_what_a_cohort_students_do(
    client, library, frozen, django_assert_max_num_queries
):
    client.force_login(library.anna.user)
    for name, (url, most) in HOT.items():
        url = url.format(
            cohort=library.cohort.pk, module=library.module(1).pk, lesson=library.lesson(1).pk
        )
        with django_assert_max_num_queries(most, info=name):
            assert client.get(url).status_code == 200, name


def test_opening_a_first_open_course_costs_one_query_more_once(
    client, library, frozen, django_assert_max_num_queries
):
    services.cohort_update(cohort=library.cohort, self_paced_start=SelfPacedStart.FIRST_OPEN)
    library.cohort.refresh_from_db()
    carla = grant(library.cohort, "carla", at(2026, 4, 1))
    client.force_login(carla.user)
    url = f"/learn/{library.cohort.pk}/"
    with django_assert_max_num_queries(26):
        first = client.get(url)
    assert first.context["board"].current_week == 1
    carla.refresh_from_db()
    assert carla.starts_on == dt.date(2026, 4, 8)
    with django_assert_max_num_queries(25):
        client.get(url)
