import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from cohorts import selectors, services
from cohorts.models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    LessonCompletion,
    ModuleUnlockOverride,
)
from cohorts.tasks import send_waitlist_promotion_email
from lms.errors import Conflict, NotAllowed, ValidationFailed
from lms.models import SentEmail
from lms.services import email_send_once
from tests.assertions import without_welcomes
from tests.cohorts.conftest import module_of
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def waitlisted(cohort, user=None, *, minutes_ago: int = 0) -> Enrolment:
    return EnrolmentFactory(
        cohort=cohort,
        user=user or UserFactory(),
        status=EnrolmentStatus.WAITLISTED,
        activated_at=None,
        waitlisted_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


# --- Enrolment state machine ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (EnrolmentStatus.COMPLETED, EnrolmentStatus.ACTIVE),
        (EnrolmentStatus.CANCELLED, EnrolmentStatus.ACTIVE),
        (EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITLISTED),
        (EnrolmentStatus.WAITLISTED, EnrolmentStatus.COMPLETED),
    ],
)
def test_a_move_outside_the_transition_table_is_refused_and_changes_nothing(
    cohort, student, start, to
):
    enrolment = EnrolmentFactory(cohort=cohort, user=student, status=start)
    with pytest.raises(Conflict) as exc:
        services.enrolment_transition(enrolment=enrolment, to=to)
    assert exc.value.code == "invalid_transition"
    assert "cannot move from" in exc.value.message
    enrolment.refresh_from_db()
    assert enrolment.status == start


def test_a_transition_records_who_made_it_and_why(enrolment, instructor):
    services.enrolment_transition(
        enrolment=enrolment, to=EnrolmentStatus.CANCELLED, by=instructor, reason="moved abroad"
    )
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED
    assert enrolment.ended_at is not None
    record = enrolment.history.latest()
    assert record.status == EnrolmentStatus.CANCELLED
    assert record.history_user == instructor
    assert record.history_change_reason == "moved abroad"


# --- Leaving and the waitlist ---------------------------------------------------------------


def test_leaving_promotes_the_oldest_waitlisted_with_one_email_in_their_language(
    course, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(course=course, capacity=1)
    leaver = EnrolmentFactory(cohort=cohort).user
    oldest = waitlisted(cohort, UserFactory(language="nl"), minutes_ago=10)
    newer = waitlisted(cohort, minutes_ago=5)

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_leave(enrolment=Enrolment.objects.get(user=leaver), by=leaver)

    oldest.refresh_from_db()
    newer.refresh_from_db()
    assert oldest.status == EnrolmentStatus.ACTIVE
    assert oldest.history.latest().history_change_reason == "promoted from waitlist"
    assert newer.status == EnrolmentStatus.WAITLISTED
    assert [m.to for m in without_welcomes(mail.outbox)] == [[oldest.user.email]]
    # Django ships Dutch month names, so the date shows the language the mail was written in.
    with translation.override("nl"):
        dutch_start = date_format(cohort.starts_on, "DATE_FORMAT")
    with translation.override("en"):
        english_start = date_format(cohort.starts_on, "DATE_FORMAT")
    assert dutch_start != english_start
    assert dutch_start in without_welcomes(mail.outbox)[0].body

    # A retried task does not mail a second time.
    assert send_waitlist_promotion_email(oldest.pk) is False
    assert len(without_welcomes(mail.outbox)) == 1


def test_leaving_twice_is_refused(enrolment, student):
    services.enrolment_leave(enrolment=enrolment, by=student)
    with pytest.raises(Conflict) as exc:
        services.enrolment_leave(enrolment=enrolment, by=student)
    assert exc.value.code == "not_enrolled"
    assert Enrolment.objects.get(pk=enrolment.pk).history.count() == 2


def test_leaving_the_waitlist_promotes_nobody_else(course, django_capture_on_commit_callbacks):
    cohort = CohortFactory(course=course, capacity=1)
    EnrolmentFactory(cohort=cohort)
    first = waitlisted(cohort, minutes_ago=10)
    second = waitlisted(cohort, minutes_ago=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_leave(enrolment=first, by=first.user)
    second.refresh_from_db()
    assert second.status == EnrolmentStatus.WAITLISTED
    assert selectors.waitlist_position(enrolment=second) == 1
    assert mail.outbox == []


# --- Cohorts --------------------------------------------------------------------------------


def test_capacity_cannot_drop_below_the_seats_taken(course):
    cohort = CohortFactory(course=course, capacity=3)
    EnrolmentFactory.create_batch(2, cohort=cohort)
    with pytest.raises(ValidationFailed) as exc:
        services.cohort_update(cohort=cohort, capacity=1)
    assert exc.value.field == "capacity"
    assert "2 students hold a seat" in exc.value.message
    assert Cohort.objects.get(pk=cohort.pk).capacity == 3


def test_raising_capacity_promotes_the_waitlist_oldest_first(
    course, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(course=course, capacity=1)
    EnrolmentFactory(cohort=cohort)
    first = waitlisted(cohort, minutes_ago=10)
    second = waitlisted(cohort, minutes_ago=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_update(cohort=cohort, capacity=2)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (EnrolmentStatus.ACTIVE, EnrolmentStatus.WAITLISTED)
    assert [m.to for m in without_welcomes(mail.outbox)] == [[first.user.email]]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_on": dt.date(2026, 1, 4)}, "ends_on", "must end on or after its start"),
        (
            {"enrolment_closes_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC)},
            "enrolment_closes_at",
            "must close before the term ends (2026-02-27 in Europe/Amsterdam)",
        ),
        (
            {"enrolment_closes_at": dt.datetime(2025, 11, 30, tzinfo=dt.UTC)},
            "enrolment_closes_at",
            "must close after it opens",
        ),
        ({"timezone": "Mars/Olympus"}, "timezone", "'Mars/Olympus' is not a timezone"),
        ({"capacity": 0}, "capacity", "at least one seat"),
        ({"name": "  "}, "name", "Give the cohort a name"),
    ],
)
def test_cohort_validation_names_the_field_to_fix(course, changes, field, message):
    values = {
        "course": course,
        "name": "Spring",
        "starts_on": dt.date(2026, 1, 5),
        "ends_on": dt.date(2026, 2, 27),
        "timezone": "Europe/Amsterdam",
        "enrolment_opens_at": dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
        "enrolment_closes_at": dt.datetime(2026, 1, 12, tzinfo=dt.UTC),
        "capacity": 20,
    }
    services.cohort_validate(cohort=Cohort(**values))  # the baseline is valid

    with pytest.raises(ValidationFailed) as exc:
        services.cohort_create(**{**values, **changes})
    assert exc.value.field == field
    assert message in exc.value.message
    assert not Cohort.objects.exists()


def test_cancelling_a_cohort_cancels_its_live_enrolments(cohort, superuser):
    active = EnrolmentFactory(cohort=cohort)
    queued = waitlisted(cohort)
    done = EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.COMPLETED)

    services.cohort_cancel(cohort=cohort, by=superuser)

    assert Cohort.objects.get(pk=cohort.pk).is_cancelled
    for enrolment in (active, queued):
        enrolment.refresh_from_db()
        assert enrolment.status == EnrolmentStatus.CANCELLED
        assert enrolment.history.latest().history_change_reason == "cohort cancelled"
        assert enrolment.history.latest().history_user == superuser
    done.refresh_from_db()
    assert done.status == EnrolmentStatus.COMPLETED
    with pytest.raises(Conflict):
        services.cohort_cancel(cohort=cohort)


def ended_cohort(course, *, ends_on: dt.date, tz: str = "Europe/Amsterdam") -> Cohort:
    return CohortFactory(
        course=course,
        starts_on=ends_on - dt.timedelta(weeks=8),
        ends_on=ends_on,
        timezone=tz,
        enrolment_opens_at=dt.datetime.combine(ends_on - dt.timedelta(weeks=12), dt.time(), dt.UTC),
        enrolment_closes_at=dt.datetime.combine(ends_on - dt.timedelta(weeks=7), dt.time(), dt.UTC),
    )


def test_ending_a_term_completes_active_students_and_cancels_the_waitlist_once(course):
    cohort = ended_cohort(course, ends_on=dt.date(2026, 3, 1))
    running = CohortFactory(course=course)
    active = EnrolmentFactory(cohort=cohort)
    queued = waitlisted(cohort)
    still_running = EnrolmentFactory(cohort=running)
    now = dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC)

    assert services.cohorts_complete_ended(now=now) == 2

    active.refresh_from_db()
    queued.refresh_from_db()
    still_running.refresh_from_db()
    assert active.status == EnrolmentStatus.COMPLETED
    assert queued.status == EnrolmentStatus.CANCELLED
    assert active.history.latest().history_change_reason == "term ended"
    assert still_running.status == EnrolmentStatus.ACTIVE
    history_rows = Enrolment.history.count()

    assert services.cohorts_complete_ended(now=now) == 0
    assert Enrolment.history.count() == history_rows


def test_a_term_ends_at_local_midnight_even_east_of_utc(course):
    # Midnight after 1 March in Tokyo is 15:00 UTC on 1 March.
    cohort = ended_cohort(course, ends_on=dt.date(2026, 3, 1), tz="Asia/Tokyo")
    enrolment = EnrolmentFactory(cohort=cohort)

    assert services.cohorts_complete_ended(now=dt.datetime(2026, 3, 1, 14, tzinfo=dt.UTC)) == 0
    assert services.cohorts_complete_ended(now=dt.datetime(2026, 3, 1, 16, tzinfo=dt.UTC)) == 1
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


# --- Progress -------------------------------------------------------------------------------


def test_a_locked_lesson_cannot_be_marked_complete(enrolment, locked_lesson):
    with pytest.raises(Conflict) as exc:
        services.lesson_mark_complete(enrolment=enrolment, lesson=locked_lesson)
    assert exc.value.code == "module_locked"
    assert not LessonCompletion.objects.exists()


def test_marking_complete_is_idempotent_and_unmarking_removes_it(enrolment, open_lesson):
    services.lesson_mark_complete(enrolment=enrolment, lesson=open_lesson)
    services.lesson_mark_complete(enrolment=enrolment, lesson=open_lesson)
    assert LessonCompletion.objects.filter(enrolment=enrolment).count() == 1

    services.lesson_mark_incomplete(enrolment=enrolment, lesson=open_lesson)
    assert not LessonCompletion.objects.exists()


def test_only_a_student_with_a_seat_records_progress(cohort, open_lesson):
    with pytest.raises(NotAllowed) as exc:
        services.lesson_mark_complete(enrolment=waitlisted(cohort), lesson=open_lesson)
    assert exc.value.code == "not_enrolled"


# --- Unlock overrides -----------------------------------------------------------------------


def test_an_override_for_another_courses_module_is_refused(cohort, other_cohort):
    foreign = module_of(other_cohort.course, 1)
    with pytest.raises(ValidationFailed) as exc:
        services.module_unlock_override_set(
            cohort=cohort, module=foreign, unlocks_at=timezone.now()
        )
    assert exc.value.field == "module"
    assert not ModuleUnlockOverride.objects.exists()


def test_an_override_moves_the_unlock_and_a_second_one_replaces_it(cohort, locked_module):
    now = timezone.now()
    early = now - dt.timedelta(hours=1)
    services.module_unlock_override_set(
        cohort=cohort, module=locked_module, unlocks_at=early, reason="Holiday"
    )
    slot = selectors.module_slot_get(cohort=cohort, module_id=locked_module.pk, now=now)
    assert slot.is_unlocked and slot.is_overridden and slot.unlocks_at == early

    late = now + dt.timedelta(days=30)
    services.module_unlock_override_set(cohort=cohort, module=locked_module, unlocks_at=late)
    slot = selectors.module_slot_get(cohort=cohort, module_id=locked_module.pk, now=now)
    assert not slot.is_unlocked and slot.unlocks_at == late
    assert ModuleUnlockOverride.objects.count() == 1


def test_an_override_needs_an_aware_moment(cohort, locked_module):
    with pytest.raises(ValidationFailed) as exc:
        services.module_unlock_override_set(
            cohort=cohort, module=locked_module, unlocks_at=dt.datetime(2026, 1, 1, 9)
        )
    assert exc.value.field == "unlocks_at"


# --- Email ----------------------------------------------------------------------------------


def test_an_email_with_the_same_key_goes_out_once():
    assert email_send_once(key="k1", to="a@example.org", subject="Hi", body="One") is True
    assert email_send_once(key="k1", to="a@example.org", subject="Hi", body="Two") is False
    assert email_send_once(key="k2", to="a@example.org", subject="Hi", body="Three") is True
    assert [m.body for m in mail.outbox] == ["One", "Three"]
    assert SentEmail.objects.count() == 2


def test_a_failed_send_leaves_no_marker_so_a_retry_sends(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("lms.services.send_mail", broken)
    with pytest.raises(OSError):
        email_send_once(key="k1", to="a@example.org", subject="Hi", body="One")
    monkeypatch.undo()
    assert email_send_once(key="k1", to="a@example.org", subject="Hi", body="One") is True
    assert len(mail.outbox) == 1


def test_a_cohort_of_an_unpublished_course_takes_no_enrolments(cohort, student):
    cohort.course.unpublish()
    with pytest.raises(Conflict) as exc:
        services.enrolment_create(cohort=cohort, user=student)
    assert exc.value.code == "course_unpublished"
    assert not Enrolment.objects.exists()
