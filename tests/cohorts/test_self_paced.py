"""Self-paced courses: one library cohort per course, each member on their own calendar
(the cohort's weekly rule counted from the member's start day, in the member's zone),
access granted and revoked by a membership, never sold seat by seat."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cms.models import LessonPage, ModulePage
from cohorts import schedule, selectors, services, signals
from cohorts.models import (
    Cohort,
    CohortPace,
    Enrolment,
    EnrolmentStatus,
    LessonCompletion,
    SelfPacedStart,
)
from lms.errors import Conflict, ValidationFailed
from tests.factories import CohortFactory, UserFactory, course_page

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def library():
    """A library cohort made on 1 March 2026, weekly unlock Monday 09:00."""
    course = course_page(title="Library course", modules=4, lessons=2)
    return services.library_cohort_get_or_create(course=course, now=at(2026, 3, 1, 12))


def module_of(course, n: int) -> ModulePage:
    return ModulePage.objects.get(path__startswith=course.path, slug=f"module-{n}")


def lesson_of(course, m: int, n: int = 1) -> LessonPage:
    return LessonPage.objects.get(path__startswith=course.path, slug=f"lesson-{m}-{n}")


def unlocks(cohort, enrolment, now) -> list[dt.datetime]:
    return [
        s.unlocks_at for s in selectors.cohort_schedule(cohort=cohort, now=now, enrolment=enrolment)
    ]


# --- The library cohort ----------------------------------------------------------------


def test_asking_twice_for_the_library_cohort_of_a_course_gives_the_same_one(library):
    again = services.library_cohort_get_or_create(course=library.course, now=at(2026, 6, 1))
    assert again.pk == library.pk
    assert Cohort.objects.filter(course=library.course, pace=CohortPace.SELF_PACED).count() == 1
    assert library.timezone == "Europe/Amsterdam"  # TIME_ZONE is UTC: not a place
    assert library.ends_on.year >= 2125 and library.capacity > 1_000_000
    assert library.enrolment_opens_at == at(2026, 3, 1, 12)


def test_a_second_library_cohort_of_a_course_is_refused_with_a_reason(library):
    with pytest.raises(ValidationFailed) as refused:
        services.cohort_create(
            course=library.course,
            name="Another library",
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2027, 3, 1),
            enrolment_opens_at=at(2026, 2, 1),
            enrolment_closes_at=at(2026, 3, 1),
            capacity=10,
            pace=CohortPace.SELF_PACED,
        )
    assert (refused.value.code, refused.value.field) == ("library_exists", "pace")


def test_the_library_term_is_counted_without_looping_over_its_century(library):
    assert schedule.term_weeks(library) > 5000
    # Sunday 1 March, then Mondays 2, 9 and 16 March.
    assert schedule.current_week(library, at(2026, 3, 20)) == 4


@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("length", [0, 1, 6, 7, 8, 13, 14, 15, 55, 56, 57])
def test_term_weeks_counts_the_same_weeks_as_walking_the_calendar(weekday, length):
    term = schedule.Basis(
        starts_on=dt.date(2026, 3, 4),
        ends_on=dt.date(2026, 3, 4) + dt.timedelta(days=length),
        timezone="Europe/Amsterdam",
        unlock_weekday=weekday,
        unlock_time=dt.time(9),
    )
    walked = 1
    while schedule.week_opens_on(term, walked + 1) <= term.ends_on:
        walked += 1
    assert schedule.term_weeks(term) == walked
    for days in range(length + 2):
        for hour in (0, 8, 9, 12):
            now = schedule.local_moment(
                term.starts_on + dt.timedelta(days=days), dt.time(hour), term.timezone
            )
            expected = 0
            while (
                expected < walked
                and schedule.module_unlocks_at(term, unit="week", offset=expected + 1) <= now
            ):
                expected += 1
            assert schedule.current_week(term, now) == expected


def test_a_fixed_term_cohort_cannot_start_on_first_open(course):
    cohort = CohortFactory(course=course)
    with pytest.raises(ValidationFailed) as refused:
        services.cohort_update(cohort=cohort, self_paced_start=SelfPacedStart.FIRST_OPEN)
    assert (refused.value.code, refused.value.field) == ("fixed_term_start", "self_paced_start")


def test_a_self_paced_cohort_takes_no_unlock_override(library):
    with pytest.raises(ValidationFailed) as refused:
        services.module_unlock_override_set(
            cohort=library, module=module_of(library.course, 2), unlocks_at=at(2026, 4, 1)
        )
    assert refused.value.code == "self_paced_override"


# --- Each member's own calendar ------------------------------------------------------------


def test_an_amsterdam_member_keeps_09_00_local_across_the_spring_clock_change(library):
    anna = UserFactory(username="anna")
    enrolment = services.library_access_grant(
        user=anna, cohort=library, now=at(2026, 3, 23, 6), reason="membership started"
    )
    assert (enrolment.starts_on, enrolment.timezone) == (dt.date(2026, 3, 23), "Europe/Amsterdam")
    moments = unlocks(library, enrolment, at(2026, 3, 23, 6))
    assert moments[0] == at(2026, 3, 22, 23)  # the start day opens at 00:00 CET
    assert moments[1] == at(2026, 3, 30, 7)  # 09:00 CEST, after the change on 29 March


def test_a_new_york_member_with_another_start_gets_their_own_moments(library):
    anna = UserFactory(username="anna")
    noah = UserFactory(username="noah", timezone="America/New_York")
    amsterdam = services.library_access_grant(
        user=anna, cohort=library, now=at(2026, 3, 23, 6), reason="membership started"
    )
    new_york = services.library_access_grant(
        user=noah, cohort=library, now=at(2026, 3, 4, 15), reason="membership started"
    )
    assert (new_york.starts_on, new_york.timezone) == (dt.date(2026, 3, 4), "America/New_York")
    moments = unlocks(library, new_york, at(2026, 3, 5))
    assert moments[0] == at(2026, 3, 4, 5)  # Wednesday 00:00 EST, the start day
    assert moments[1] == at(2026, 3, 9, 13)  # the next Monday, 09:00 EDT (US change 8 March)
    assert moments != unlocks(library, amsterdam, at(2026, 3, 5))
    # The cohort's own calendar (shared spaces, beat) counts from the library's start.
    assert unlocks(library, None, at(2026, 3, 5))[0] == at(2026, 3, 1, 8)


def test_all_at_once_opens_every_module_at_the_members_start(library):
    services.cohort_update(cohort=library, all_at_once=True)
    library.refresh_from_db()
    enrolment = services.library_access_grant(
        user=UserFactory(), cohort=library, now=at(2026, 4, 8, 10), reason="membership started"
    )
    moments = unlocks(library, enrolment, at(2026, 4, 8, 10))
    assert moments == [at(2026, 4, 7, 22)] * 4  # 00:00 CEST, the start day
    board = selectors.dashboard_get(
        cohort_id=library.pk, user=enrolment.user, now=at(2026, 4, 8, 10)
    )
    assert (board.current_week, board.term_weeks) == (1, 1)
    assert [m.slot.is_unlocked for m in board.modules] == [True] * 4


def test_a_member_counts_their_weeks_over_the_course_not_the_library_term(library):
    enrolment = services.library_access_grant(
        user=UserFactory(), cohort=library, now=at(2026, 3, 23, 6), reason="membership started"
    )
    board = selectors.dashboard_get(
        cohort_id=library.pk, user=enrolment.user, now=at(2026, 4, 1, 12)
    )
    assert (board.phase, board.current_week, board.term_weeks) == ("running", 2, 4)
    assert [m.slot.module.title for m in board.this_week] == ["Module 2"]
    assert board.next_unlock.slot.unlocks_at == at(2026, 4, 6, 7)


# --- Granting, revoking, starting -----------------------------------------------------------


def test_granting_twice_gives_one_active_enrolment_told_once(
    library, django_capture_on_commit_callbacks
):
    told = []

    def listener(sender, **kwargs):
        told.append((kwargs["from_status"], kwargs["to_status"], kwargs["user_id"]))

    signals.enrolment_status_changed.connect(listener)
    try:
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            first = services.library_access_grant(
                user=user, cohort=library, now=at(2026, 3, 23, 6), reason="membership started"
            )
        with django_capture_on_commit_callbacks(execute=True):
            again = services.library_access_grant(
                user=user, cohort=library, now=at(2026, 5, 1), reason="membership renewed"
            )
    finally:
        signals.enrolment_status_changed.disconnect(listener)
    assert again.pk == first.pk and again.status == EnrolmentStatus.ACTIVE
    assert again.starts_on == dt.date(2026, 3, 23)
    assert Enrolment.objects.filter(cohort=library, user=user).count() == 1
    assert told == [("", EnrolmentStatus.ACTIVE, user.pk)]
    assert first.history.earliest().history_change_reason == "membership started"


def test_revoking_keeps_the_progress_and_granting_again_shows_it_from_the_same_start(
    library, django_capture_on_commit_callbacks
):
    user = UserFactory()
    enrolment = services.library_access_grant(
        user=user, cohort=library, now=at(2026, 3, 23, 6), reason="membership started"
    )
    lesson = lesson_of(library.course, 1)
    services.lesson_mark_complete(enrolment=enrolment, lesson=lesson, now=at(2026, 3, 24))

    revoked = services.library_access_revoke(
        user=user, cohort=library, now=at(2026, 4, 1), reason="membership lapsed"
    )
    assert revoked.status == EnrolmentStatus.SUSPENDED
    assert (
        services.library_access_revoke(
            user=user, cohort=library, now=at(2026, 4, 2), reason="membership lapsed"
        ).status
        == EnrolmentStatus.SUSPENDED
    )  # idempotent
    assert LessonCompletion.objects.filter(enrolment=enrolment).count() == 1
    with pytest.raises(Exception) as refused:
        selectors.dashboard_get(cohort_id=library.pk, user=user, now=at(2026, 4, 3))
    assert getattr(refused.value, "code", "") == "enrolment_not_active"

    back = services.library_access_grant(
        user=user, cohort=library, now=at(2026, 6, 1), reason="membership renewed"
    )
    assert (back.pk, back.status, back.starts_on) == (
        enrolment.pk,
        EnrolmentStatus.ACTIVE,
        dt.date(2026, 3, 23),
    )
    board = selectors.dashboard_get(cohort_id=library.pk, user=user, now=at(2026, 6, 1))
    assert board.lessons_completed == 1
    reasons = [h.history_change_reason for h in back.history.order_by("history_date", "history_id")]
    assert reasons[-2:] == ["membership lapsed", "membership renewed"]


def test_revoking_a_member_who_never_had_access_does_nothing(library):
    assert (
        services.library_access_revoke(user=UserFactory(), cohort=library, reason="lapsed") is None
    )


def test_library_access_is_given_in_self_paced_cohorts_only(cohort):
    with pytest.raises(ValidationFailed) as refused:
        services.library_access_grant(user=UserFactory(), cohort=cohort, reason="membership")
    assert refused.value.code == "not_library"


def test_a_first_open_member_starts_when_they_first_open_the_course_and_never_again(library):
    services.cohort_update(cohort=library, self_paced_start=SelfPacedStart.FIRST_OPEN)
    library.refresh_from_db()
    user = UserFactory(timezone="Asia/Tokyo")
    enrolment = services.library_access_grant(
        user=user, cohort=library, now=at(2026, 3, 2), reason="membership started"
    )
    assert enrolment.starts_on is None
    # Tuesday 10 March, 23:30 UTC: already Wednesday 11 March in Tokyo.
    selectors.dashboard_get(cohort_id=library.pk, user=user, now=at(2026, 3, 10, 23, 30))
    enrolment.refresh_from_db()
    assert (enrolment.starts_on, enrolment.timezone) == (dt.date(2026, 3, 11), "Asia/Tokyo")
    selectors.lesson_view_get(
        cohort_id=library.pk,
        lesson_id=lesson_of(library.course, 1).pk,
        user=user,
        now=at(2026, 4, 20),
    )
    enrolment.refresh_from_db()
    assert enrolment.starts_on == dt.date(2026, 3, 11)


def test_a_start_is_stamped_once_in_the_zone_asked_for(library):
    services.cohort_update(cohort=library, self_paced_start=SelfPacedStart.FIRST_OPEN)
    library.refresh_from_db()
    enrolment = services.library_access_grant(
        user=UserFactory(), cohort=library, now=at(2026, 3, 2), reason="membership started"
    )
    with pytest.raises(ValidationFailed):
        services.self_paced_start(enrolment=enrolment, timezone="Mars/Olympus")
    started = services.self_paced_start(
        enrolment=enrolment, now=at(2026, 3, 11, 3), timezone="America/Los_Angeles"
    )
    assert (started.starts_on, started.timezone) == (dt.date(2026, 3, 10), "America/Los_Angeles")
    services.self_paced_start(enrolment=started, now=at(2026, 9, 1), timezone="Europe/Amsterdam")
    started.refresh_from_db()
    assert (started.starts_on, started.timezone) == (dt.date(2026, 3, 10), "America/Los_Angeles")


def test_a_member_cannot_complete_a_lesson_that_is_still_locked_on_their_calendar(library):
    enrolment = services.library_access_grant(
        user=UserFactory(), cohort=library, now=at(2026, 3, 23, 6), reason="membership started"
    )
    with pytest.raises(Conflict):
        services.lesson_mark_complete(
            enrolment=enrolment, lesson=lesson_of(library.course, 2), now=at(2026, 3, 29)
        )
    services.lesson_mark_complete(
        enrolment=enrolment, lesson=lesson_of(library.course, 2), now=at(2026, 3, 30, 7)
    )


# --- Not sold seat by seat --------------------------------------------------------------------


def test_enrolling_in_a_library_cohort_is_refused_everywhere_with_the_membership_reason(
    library, client, api
):
    user = UserFactory()
    with pytest.raises(Conflict) as refused:
        services.enrolment_create(cohort=library, user=user)
    assert refused.value.code == "library_course"

    client.force_login(user)
    page = client.post(reverse("cohorts:enrol", args=[library.pk]))
    assert page.status_code == 409
    assert "comes with a membership" in page.content.decode()
    assert client.get(reverse("cohorts:enrol_check", args=[library.pk])).status_code == 409

    api.force_authenticate(user)
    answer = api.post(f"/api/v1/cohorts/{library.pk}/enrol/", {}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (409, "library_course")
    quote = api.get("/api/v1/payments/quote/", {"cohort": library.pk})
    assert (quote.status_code, quote.json()["code"]) == (409, "library_course")
    assert not Enrolment.objects.filter(user=user).exists()


def test_a_seat_cannot_move_into_the_library_cohort(library):
    cohort = CohortFactory(course=library.course)
    enrolment = Enrolment.objects.create(
        cohort=cohort, user=UserFactory(), status=EnrolmentStatus.ACTIVE
    )
    with pytest.raises(Conflict) as refused:
        services.enrolment_transfer(enrolment=enrolment, to_cohort=library, by=enrolment.user)
    assert refused.value.code == "library_course"


def test_the_library_cohort_is_not_among_the_cohorts_to_come_but_the_course_page_says_so(
    library, client
):
    cohort = CohortFactory(course=library.course, name="Spring cohort")
    user = UserFactory()
    catalogue = selectors.catalogue_list(user=user)
    listed = [x.cohort.pk for c in catalogue for x in c.cohorts]
    assert cohort.pk in listed and library.pk not in listed
    assert library.pk not in [x.cohort.pk for x in selectors.cohort_list(user=user)]
    outline = selectors.course_outline(course=library.course, user=user)
    assert [x.cohort.pk for x in outline.cohorts] == [cohort.pk]
    assert outline.library.cohort.pk == library.pk

    page = client.get(library.course.url)
    assert "Included in the membership library" in page.content.decode()
    assert "Membership library" not in [x["name"] for x in client.get("/api/v1/cohorts/").json()]
