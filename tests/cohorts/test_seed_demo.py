import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assignments.models import Submission, SubmissionStatus
from cms.models import AssignmentPage, LatePolicy
from cohorts import schedule, selectors
from cohorts.models import Cohort, EnrolmentStatus
from lms.models import User
from reviews import selectors as review_selectors
from reviews.services import review_tick

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_cohort_in_week_3_an_open_one_and_a_full_one_with_a_waitlist():
    call_command("seed_demo")

    now = timezone.now()
    running, upcoming, full = Cohort.objects.filter(pace="cohort").order_by("starts_on")
    assert schedule.current_week(running, now) == 3
    assert upcoming.enrolment_opens_at < now < upcoming.enrolment_closes_at
    assert full.enrolments.filter(status=EnrolmentStatus.WAITLISTED).count() == 2
    assert full.enrolments.filter(status=EnrolmentStatus.ACTIVE).count() == full.capacity
    for name in ("student", "instructor", "designer", "admin"):
        assert User.objects.get(username=name).check_password("demo")
    board = selectors.dashboard_get(cohort_id=running.pk, user=User.objects.get(username="student"))
    assert [m.slot.is_unlocked for m in board.modules] == [True] * 3 + [False] * 5
    _assert_memberships()
    _assert_knowledge()


def _assert_knowledge():
    """Topics, a help centre whose search answers the members' questions, and news of
    which the demo student sees the posts on their topics and those for everyone."""
    from cms import selectors as cms_selectors
    from cms.models import HelpArticlePage, HelpIndexPage, NewsPostPage

    student = User.objects.get(username="student")
    assert [t.slug for t in cms_selectors.interests_of(student)] == ["writing", "events"]
    index = HelpIndexPage.objects.live().get()
    assert 5 <= HelpArticlePage.objects.live().descendant_of(index).count() <= 8
    hits = cms_selectors.help_search(index=index, query="invoice")
    assert "How do I pay by invoice?" in [hit.title for hit in hits]
    assert [p.slug for p in cms_selectors.news_for(student, limit=5)] == [
        "help-centre-open",
        "live-qa-headlines",
    ]
    assert NewsPostPage.objects.live().count() == 3


def _assert_memberships():
    """Tiers, members in every state and two years of revenue; the demo student is left
    to join from the pricing page."""
    from memberships import selectors as membership_selectors
    from memberships.models import Membership, Tier

    assert list(Tier.objects.values_list("slug", flat=True)) == ["community", "basic", "premium"]
    states = set(Membership.objects.values_list("status", flat=True))
    assert {"active", "trialing", "paused", "past_due", "ended"} <= states
    assert Membership.objects.filter(cancel_at_period_end=True).exists()
    assert not Membership.objects.filter(user__username="student").exists()
    revenue = membership_selectors.revenue_get()
    assert revenue.mrr_now["EUR"] > 0
    assert sum(month.new for month in revenue.months) >= 8


def test_the_demo_cohort_is_in_peer_review_of_module_1_with_work_for_everyone():
    call_command("seed_demo")

    running = Cohort.objects.filter(pace="cohort").order_by("starts_on").first()
    student = User.objects.get(username="student")
    instructor = User.objects.get(username="instructor")
    work = review_selectors.student_work_get(cohort=running, user=student)
    assert work.reviews_owed, "the demo student owes peer reviews"
    assert len(work.feedback) == 3
    assert [g.submission.cohort_assignment.assignment.title for g in work.grades] == [
        "Reader profile"
    ]
    assert work.due[0].slot.assignment.title == "Rewrite a page for scanning"
    assert Submission.objects.filter(
        cohort_assignment__assignment__title="Rewrite a page for scanning"
    ).exists()
    assert Submission.objects.filter(status=SubmissionStatus.GRADED).count() >= 1
    queue = review_selectors.queue_get(cohort_id=running.pk, user=instructor)
    assert {reason for entry in queue.entries for reason in entry.item.reasons} == {
        "disagreement",
        "flagged",
        "regrade",
    }
    assert AssignmentPage.objects.get(title="Three headlines").late_policy == LatePolicy.REFUSE
    # The demo agrees with the clock: the first tick finds nothing overdue or due.
    assert review_tick() == {"allocated": 0, "reassigned": 0, "queued": 0, "released": 0}


def test_the_demo_loads_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo", "--if-empty")
    assert "loaded already" in capsys.readouterr().out
    assert Cohort.objects.filter(pace="cohort").count() == 3
    assert Cohort.objects.filter(pace="self_paced").count() == 1  # the library course


def test_production_creates_no_demo_users(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_the_demo_sells_the_winter_cohort_by_invoice_with_codes_and_an_open_invoice():
    from payments.models import Order, OrderStatus, Provider

    call_command("seed_demo")
    winter = Cohort.objects.get(name="Winter cohort")
    orders = Order.objects.filter(enrolment__cohort=winter)
    assert sorted(orders.values_list("status", "provider")) == sorted(
        [
            (OrderStatus.PAID, Provider.MANUAL),
            (OrderStatus.PAID, Provider.NONE),  # the scholarship
            (OrderStatus.PENDING, Provider.MANUAL),
            (OrderStatus.PENDING, Provider.MANUAL),
        ]
    )
    student_order = orders.get(user__username="student")
    assert student_order.invoice.amount == 49_500  # the early-bird price
    assert winter.price.instalments == 3


def test_the_demo_student_has_earned_three_badges_and_is_one_lesson_from_the_next():
    from badges.models import Award
    from badges.selectors import my_badges

    call_command("seed_demo")

    student = User.objects.get(username="student")
    [block] = my_badges(user=student)
    assert sorted(p.badge.name for p in block.earned) == [
        "First peer review",
        "Thoughtful question",
        "Week 1 done",
    ]
    closest = block.to_earn[0]
    assert closest.badge.name == "Week 2 done"
    assert (closest.progress.done, closest.progress.total) == (2, 3)
    assert Award.objects.filter(recipient=student, awarded_by__username="instructor").exists()
    assert all(a.awarded_at < timezone.now() for a in Award.objects.all())


def test_the_demo_cohort_has_a_weekly_qa_with_recordings_and_an_rsvp():
    from live.models import Attendance, LiveSession, Rsvp

    call_command("seed_demo")

    running = Cohort.objects.filter(pace="cohort").order_by("starts_on").first()
    sessions = list(LiveSession.objects.filter(cohort=running).order_by("starts_at"))
    assert len(sessions) == 8
    now = timezone.now()
    past = [s for s in sessions if s.ends_at <= now]
    assert past and all(s.recording_url.startswith("https://") for s in past)
    assert Attendance.objects.filter(session__in=past, user__username="student").count() == len(
        past
    )
    assert Rsvp.objects.filter(user__username="student", answer="going").count() == 1


def test_the_demo_shows_privacy_an_account_and_list_consent(settings, tmp_path):
    from notifications.models import ConsentList, ConsentStatus
    from notifications.selectors import consent_records_for
    from privacy.models import (
        ErasureRequest,
        ErasureStatus,
        ExportRequest,
        ExportStatus,
        PrivacyNotice,
        RetentionRun,
    )

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo")
    student = User.objects.get(username="student")
    assert student.city == "Utrecht" and student.vat_number == "NL123456789B01"
    states = consent_records_for(user=student).states
    assert [(s.mailing_list, s.status) for s in states] == [
        (ConsentList.NEWSLETTER, ConsentStatus.GRANTED)
    ]
    assert ExportRequest.objects.get(user__username="member01").status == ExportStatus.READY
    erasure = ErasureRequest.objects.get(user__username="member13")
    assert erasure.status == ErasureStatus.REQUESTED and erasure.runs_after > timezone.now()
    assert PrivacyNotice.objects.get().intro_nl
    assert RetentionRun.objects.filter(error="").count() == RetentionRun.objects.count() > 0
