import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from cohorts import selectors, services
from cohorts.models import EnrolmentStatus
from lms.errors import NotAllowed, NotFound
from tests.cohorts.conftest import lesson_of
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_shared_cohort_has_two_open_and_two_locked_modules(cohort):
    slots = selectors.cohort_schedule(cohort=cohort)
    assert [s.module.title for s in slots] == ["Module 1", "Module 2", "Module 3", "Module 4"]
    assert [s.is_unlocked for s in slots] == [True, True, False, False]


# --- Access ---------------------------------------------------------------------------------


def test_a_student_of_one_cohort_cannot_see_another(enrolment, student, other_cohort):
    with pytest.raises(NotFound):
        selectors.dashboard_get(cohort_id=other_cohort.pk, user=student)
    with pytest.raises(NotFound):
        selectors.roster_get(cohort_id=other_cohort.pk, user=student)


def test_a_student_cannot_see_the_roster_of_their_own_cohort(enrolment, student):
    with pytest.raises(NotAllowed, match="Only the cohort's instructors"):
        selectors.roster_get(cohort_id=enrolment.cohort_id, user=student)


def test_a_waitlisted_student_is_told_their_seat_is_not_active(cohort, student):
    EnrolmentFactory(cohort=cohort, user=student, status=EnrolmentStatus.WAITLISTED)
    with pytest.raises(NotAllowed) as exc:
        selectors.dashboard_get(cohort_id=cohort.pk, user=student)
    assert exc.value.code == "enrolment_not_active"


def test_an_anonymous_visitor_sees_no_cohort(cohort):
    with pytest.raises(NotFound):
        selectors.dashboard_get(cohort_id=cohort.pk, user=AnonymousUser())


def test_an_instructor_sees_only_the_cohorts_they_teach(cohort, instructor, other_cohort):
    assert selectors.taught_cohorts(user=instructor) == [cohort]
    assert selectors.roster_get(cohort_id=cohort.pk, user=instructor).cohort == cohort
    with pytest.raises(NotFound):
        selectors.roster_get(cohort_id=other_cohort.pk, user=instructor)
    with pytest.raises(NotFound):
        selectors.dashboard_get(cohort_id=other_cohort.pk, user=instructor)


def test_staff_see_every_cohort(other_cohort, superuser):
    board = selectors.dashboard_get(cohort_id=other_cohort.pk, user=superuser)
    assert board.access.role == "staff"


# --- Locked content -------------------------------------------------------------------------


def test_a_locked_module_lists_no_lessons_for_a_student(enrolment, student, locked_module):
    view = selectors.module_view_get(
        cohort_id=enrolment.cohort_id, module_id=locked_module.pk, user=student
    )
    assert not view.readable
    assert view.progress.lessons == []


def test_an_instructor_reads_a_locked_module_ahead(cohort, instructor, locked_module):
    view = selectors.module_view_get(
        cohort_id=cohort.pk, module_id=locked_module.pk, user=instructor
    )
    assert view.readable
    assert [x.lesson.title for x in view.progress.lessons] == ["Lesson 3.1", "Lesson 3.2"]


def test_a_locked_lesson_is_not_readable_for_a_student(enrolment, student, locked_lesson):
    view = selectors.lesson_view_get(
        cohort_id=enrolment.cohort_id, lesson_id=locked_lesson.pk, user=student
    )
    assert not view.readable
    assert view.slot.unlocks_at > timezone.now()


def test_a_lesson_of_another_course_is_not_found(enrolment, student, other_cohort):
    foreign = lesson_of(other_cohort.course, 1, 1)
    with pytest.raises(NotFound):
        selectors.lesson_view_get(cohort_id=enrolment.cohort_id, lesson_id=foreign.pk, user=student)


def test_the_dashboard_counts_progress_over_every_module(enrolment, student, open_lesson):
    services.lesson_mark_complete(enrolment=enrolment, lesson=open_lesson)
    board = selectors.dashboard_get(cohort_id=enrolment.cohort_id, user=student)
    assert (board.lessons_completed, board.lessons_total, board.percent) == (1, 8, 12)
    assert board.current_week == 2
    assert board.next_unlock.slot.module.title == "Module 3"


# --- Roster ---------------------------------------------------------------------------------


def test_the_roster_flags_students_behind_on_modules_open_for_a_week(cohort, instructor):
    # Module 1 opened 8 days ago (due); module 2 opened yesterday (not due yet).
    keen = EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Anna"))
    late = EnrolmentFactory(cohort=cohort, user=UserFactory(display_name="Bert"))
    for n in (1, 2):
        services.lesson_mark_complete(enrolment=keen, lesson=lesson_of(cohort.course, 1, n))
    services.lesson_mark_complete(enrolment=late, lesson=lesson_of(cohort.course, 2, 1))

    roster = selectors.roster_get(cohort_id=cohort.pk, user=instructor)
    assert (roster.lessons_total, roster.lessons_due, roster.behind_count) == (8, 2, 1)
    rows = {e.user.display_name: e for e in roster.page.object_list}
    assert rows["Anna"].due_done == 2 and rows["Anna"].lessons_done == 2
    assert rows["Bert"].due_done == 0 and rows["Bert"].lessons_done == 1

    behind = selectors.roster_get(cohort_id=cohort.pk, user=instructor, behind_only=True)
    assert [e.pk for e in behind.page.object_list] == [late.pk]


# --- Catalogue ------------------------------------------------------------------------------


def test_the_catalogue_lists_open_and_upcoming_cohorts_with_seats_and_waitlist(course, student):
    now = timezone.now()
    open_ = CohortFactory(course=course, name="Open", capacity=3)
    EnrolmentFactory(cohort=open_, user=student)
    full = CohortFactory(course=course, name="Full", capacity=1)
    EnrolmentFactory(cohort=full)
    EnrolmentFactory(cohort=full, status=EnrolmentStatus.WAITLISTED)
    upcoming = CohortFactory(
        course=course,
        name="Upcoming",
        starts_on=(now + dt.timedelta(days=40)).date(),
        enrolment_opens_at=now + dt.timedelta(days=5),
        enrolment_closes_at=now + dt.timedelta(days=30),
    )
    CohortFactory(course=course, name="Cancelled", status="cancelled")
    CohortFactory(
        course=course,
        name="Ended",
        starts_on=(now - dt.timedelta(weeks=12)).date(),
        ends_on=(now - dt.timedelta(weeks=2)).date(),
        enrolment_opens_at=now - dt.timedelta(weeks=14),
        enrolment_closes_at=now - dt.timedelta(weeks=11),
    )

    [listing] = selectors.catalogue_list(user=student)

    assert listing.course == course
    by_name = {x.cohort.name: x for x in listing.cohorts}
    assert set(by_name) == {"Open", "Full", "Upcoming"}
    assert (by_name["Open"].seats_left, by_name["Open"].window) == (2, "open")
    assert by_name["Open"].my_status == EnrolmentStatus.ACTIVE
    assert not by_name["Open"].can_enrol
    assert by_name["Full"].is_full and by_name["Full"].waitlist_length == 1
    assert by_name["Full"].can_enrol  # onto the waitlist
    assert by_name["Upcoming"].window == "upcoming" and not by_name["Upcoming"].can_enrol
    assert upcoming.pk == by_name["Upcoming"].cohort.pk


def test_waitlist_positions_follow_the_order_of_joining(course):
    cohort = CohortFactory(course=course, capacity=1)
    EnrolmentFactory(cohort=cohort)
    queue = [services.enrolment_create(cohort=cohort, user=UserFactory()) for _ in range(3)]
    assert [selectors.waitlist_position(enrolment=e) for e in queue] == [1, 2, 3]


def test_this_week_lists_a_module_counted_in_days_that_opened_this_week(student):
    from tests.factories import CohortFactory, EnrolmentFactory, course_page

    course = course_page(modules=3, lessons=1, unlock_unit="day")  # days 0, 7, 14
    cohort = CohortFactory(course=course)  # started 8 days ago: week 2
    EnrolmentFactory(cohort=cohort, user=student)

    board = selectors.dashboard_get(cohort_id=cohort.pk, user=student)

    assert board.current_week == 2
    assert [m.slot.module.title for m in board.this_week] == ["Module 2"]
