import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from assignments import notices as assignment_notices
from cohorts import notices as cohort_notices
from cohorts.models import EnrolmentStatus
from live import notices as live_notices
from lms.models import User
from notifications import services
from notifications.models import Delivery, Kind, Notification
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, assignment_page
from tests.live.factories import LiveSessionFactory

pytestmark = pytest.mark.django_db


def _notify(users, key="k1", **kw):
    return services.notify(
        kind=Kind.MODULE_UNLOCKED,
        key=key,
        users=users,
        params={
            "module": "Module 2",
            "cohort": "Spring",
            "unlocks_at": "2030-03-04T08:00:00+00:00",
        },
        url="/learn/1/modules/2/",
        **kw,
    )


def test_a_notification_is_made_once_however_often_it_is_produced(
    student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([student.pk])
        _notify([student.pk])
        _notify(User.objects.filter(pk=student.pk))
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_delivery_twice_sends_each_email_once(student, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        _notify([student.pk])
    assert services.pending_deliver() == 1
    assert services.pending_deliver() == 0
    # Even a row whose emailed_at was lost (a crash after sending) is not sent again.
    Notification.objects.update(emailed_at=None)
    assert services.pending_deliver() == 0
    assert len(mail.outbox) == 1


def test_off_means_no_notification_and_digest_means_no_immediate_email(student):
    other = UserFactory()
    services.preference_set(user=student, kind=Kind.MODULE_UNLOCKED, delivery=Delivery.OFF)
    services.preference_set(user=other, kind=Kind.MODULE_UNLOCKED, delivery=Delivery.DIGEST)
    _notify([student.pk, other.pk])
    assert not Notification.objects.filter(user=student).exists()
    assert Notification.objects.get(user=other).delivery == Delivery.DIGEST
    assert mail.outbox == []


def test_bad_preferences_are_refused(student):
    from lms.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.preference_set(user=student, kind="nonsense", delivery=Delivery.OFF)
    with pytest.raises(ValidationFailed):
        services.preference_set(user=student, kind=Kind.GRADE_RELEASED, delivery="hourly")


def test_the_daily_digest_waits_for_the_local_morning_and_goes_once_a_day(student):
    student.timezone = "Asia/Tokyo"
    student.save()
    services.preference_set(user=student, kind=Kind.MODULE_UNLOCKED, delivery=Delivery.DIGEST)
    _notify([student.pk], key="a")
    _notify([student.pk], key="b")
    tokyo = ZoneInfo("Asia/Tokyo")
    with time_machine.travel(dt.datetime(2030, 3, 4, 5, 0, tzinfo=tokyo)):
        assert services.digests_send() == 0
    with time_machine.travel(dt.datetime(2030, 3, 4, 7, 5, tzinfo=tokyo)):
        assert services.digests_send() == 1
        assert services.digests_send() == 0
    assert len(mail.outbox) == 1
    assert "2 updates" in mail.outbox[0].subject
    _notify([student.pk], key="c")
    with time_machine.travel(dt.datetime(2030, 3, 4, 20, 0, tzinfo=tokyo)):
        assert services.digests_send() == 0  # one digest per local day
    with time_machine.travel(dt.datetime(2030, 3, 5, 7, 5, tzinfo=tokyo)):
        assert services.digests_send() == 1


def test_the_email_is_in_the_recipients_language_and_zone(django_capture_on_commit_callbacks):
    user = UserFactory(language="nl", timezone="America/New_York")
    with django_capture_on_commit_callbacks(execute=True):
        _notify([user.pk])
    message = mail.outbox[0]
    body = message.body
    assert "America/New_York" in body
    # Dutch throughout: the greeting, the notification itself and the footer.
    assert message.subject == "Nu open: Module 2"
    assert body.startswith(f"Hallo {user.get_display_name()},")
    assert "“Module 2” van Spring is open sinds" in body
    assert "Kies welke e-mails je krijgt:" in body
    for english in ("Hello", "Now open", "is open since", "Choose which emails"):
        assert english not in body, english


def test_fan_out_costs_queries_per_batch_not_per_student(django_assert_max_num_queries):
    cohort = CohortFactory()
    for _ in range(30):
        EnrolmentFactory(cohort=cohort)
    users = User.objects.filter(enrolments__cohort=cohort)
    # 3 batches of 10: per batch the ids, the preferences and one INSERT; + 1 at the end.
    with django_assert_max_num_queries(3 * 3 + 1):
        _notify(users, batch_size=10, key="fan")
    assert Notification.objects.filter(key="fan").count() == 30


def test_session_reminders_at_24h_and_15_minutes_each_once(cohort, enrolment):
    session = LiveSessionFactory(cohort=cohort, starts_at=timezone.now() + dt.timedelta(days=2))
    declined = EnrolmentFactory(cohort=cohort).user
    session.rsvps.create(user=declined, answer="not_going")
    with time_machine.travel(session.starts_at - dt.timedelta(hours=25)):
        live_notices.session_reminders_produce()
    assert not Notification.objects.exists()
    with time_machine.travel(session.starts_at - dt.timedelta(hours=23)):
        live_notices.session_reminders_produce()
        live_notices.session_reminders_produce()
    assert Notification.objects.filter(kind=Kind.SESSION_REMINDER).count() == 1
    with time_machine.travel(session.starts_at - dt.timedelta(minutes=14)):
        live_notices.session_reminders_produce()
    reminders = Notification.objects.filter(kind=Kind.SESSION_REMINDER)
    assert reminders.count() == 2
    assert set(reminders.values_list("user_id", flat=True)) == {enrolment.user_id}


def test_a_session_planned_shortly_before_gets_one_reminder(cohort, enrolment):
    LiveSessionFactory(cohort=cohort, starts_at=timezone.now() + dt.timedelta(minutes=10))
    live_notices.session_reminders_produce()
    assert Notification.objects.get().params["lead_minutes"] == 15


def test_module_unlocked_once_for_active_students(cohort, enrolment):
    EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED)
    from cohorts.selectors import cohort_schedule

    slot = cohort_schedule(cohort=cohort)[1]
    with time_machine.travel(slot.unlocks_at + dt.timedelta(minutes=3)):
        cohort_notices.module_unlocks_produce()
        cohort_notices.module_unlocks_produce()
    made = Notification.objects.filter(kind=Kind.MODULE_UNLOCKED)
    assert list(made.values_list("user_id", flat=True)) == [enrolment.user_id]
    assert made.get().key == f"{cohort.pk}:{slot.module.pk}"


def test_assignment_due_in_48h_only_for_those_who_did_not_hand_in(cohort, enrolment):
    from assignments.models import CohortAssignment, Submission
    from assignments.selectors import assignment_slots
    from cms.models import ModulePage

    module = ModulePage.objects.child_of(cohort.course).first()
    assignment = assignment_page(module, title="Essay")
    handed_in = EnrolmentFactory(cohort=cohort).user
    ca = CohortAssignment.objects.create(cohort=cohort, assignment=assignment)
    Submission.objects.create(cohort_assignment=ca, author=handed_in, submitted_at=timezone.now())
    due = assignment_slots(cohort=cohort)[0].deadlines.due_at
    with time_machine.travel(due - dt.timedelta(hours=49)):
        assignment_notices.assignments_due_produce()
    assert not Notification.objects.exists()
    with time_machine.travel(due - dt.timedelta(hours=47)):
        assignment_notices.assignments_due_produce()
        assignment_notices.assignments_due_produce()
    made = Notification.objects.filter(kind=Kind.ASSIGNMENT_DUE)
    assert list(made.values_list("user_id", flat=True)) == [enrolment.user_id]
