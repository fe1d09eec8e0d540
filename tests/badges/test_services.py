"""Badges are awarded by their rules when events happen, once; instructors award and
revoke by hand; bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from badges import services, tasks
from badges.models import Award, BadgeClass, Reevaluation
from cms.models import LessonPage, ModulePage
from cohorts import services as cohort_services
from cohorts.models import EnrolmentStatus
from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from notifications.models import Notification
from reviews import services as review_services
from reviews.models import Review, ReviewStatus
from tests.badges.factories import SVG, badge_class, png_bytes, png_upload
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, course_page
from tests.reviews.conftest import build_scenario

pytestmark = pytest.mark.django_db


def _module(course, n=1):
    return ModulePage.objects.get(path__startswith=course.path, slug=f"module-{n}")


def _lessons(module):
    return list(LessonPage.objects.child_of(module).order_by("path"))


def _complete(enrolment, lessons, capture):
    for lesson in lessons:
        with capture(execute=True):
            cohort_services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)


# --- Automatic awarding through events ----------------------------------------------------


def test_completing_every_lesson_of_a_module_awards_its_badge_once_and_emails_the_student(
    enrolment, django_capture_on_commit_callbacks
):
    course = enrolment.cohort.course
    module = _module(course)
    badge = badge_class(course, kind="module_lessons", config={"module": module.pk})
    lessons = _lessons(module)

    _complete(enrolment, lessons[:1], django_capture_on_commit_callbacks)
    assert not Award.objects.exists()

    _complete(enrolment, lessons[1:], django_capture_on_commit_callbacks)
    award = Award.objects.get()
    assert (award.badge_class, award.recipient, award.cohort) == (
        badge,
        enrolment.user,
        enrolment.cohort,
    )
    assert award.awarded_by is None
    assert len(mail.outbox) == 1
    assert badge.name in mail.outbox[0].subject
    assert str(award.uuid) in mail.outbox[0].body

    # The same event again, and the task run twice: still one award, one email.
    tasks.evaluate_student(enrolment.cohort_id, enrolment.user_id)
    tasks.evaluate_student(enrolment.cohort_id, enrolment.user_id)
    assert Award.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_all_modules_badge_needs_every_lesson_of_the_course(
    enrolment, django_capture_on_commit_callbacks
):
    course = enrolment.cohort.course
    badge = badge_class(course, kind="all_modules")
    opened = [lesson for n in (1, 2) for lesson in _lessons(_module(course, n))]
    _complete(enrolment, opened, django_capture_on_commit_callbacks)
    assert not Award.objects.filter(badge_class=badge).exists()  # modules 3-4 still to do

    # The last lessons are still locked for the student; mark them as if they were done.
    from cohorts.models import LessonCompletion

    for n in (3, 4):
        for lesson in _lessons(_module(course, n)):
            LessonCompletion.objects.create(
                enrolment=enrolment, lesson=lesson, completed_at=timezone.now()
            )
    tasks.evaluate_student(enrolment.cohort_id, enrolment.user_id)
    assert Award.objects.filter(badge_class=badge, recipient=enrolment.user).count() == 1


def test_completing_the_cohort_awards_the_cohort_badge(
    django_capture_on_commit_callbacks,
):
    course = course_page(modules=1, lessons=1)
    cohort = CohortFactory(
        course=course,
        starts_on=timezone.now().date() - dt.timedelta(days=70),
        ends_on=timezone.now().date() - dt.timedelta(days=2),
        enrolment_opens_at=timezone.now() - dt.timedelta(days=90),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=60),
    )
    done = EnrolmentFactory(cohort=cohort)
    waiting = EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED)
    badge = badge_class(course, kind="cohort_completed")

    with django_capture_on_commit_callbacks(execute=True):
        cohort_services.cohorts_complete_ended()

    assert list(Award.objects.values_list("badge_class", "recipient")) == [(badge.pk, done.user_id)]
    assert not Award.objects.filter(recipient=waiting.user).exists()


def _scores(rubric, level=-1):
    return {c["id"]: {"points": c["levels"][level]["points"]} for c in rubric.criteria}


def test_a_released_grade_at_or_above_the_threshold_awards_the_assignment_badge(
    django_capture_on_commit_callbacks,
):
    from assignments.services import rubric_snapshot

    scenario = build_scenario(2, instructor_grading="all", peer_reviews=0)
    badge = badge_class(
        scenario.cohort.course,
        kind="assignments_passed",
        config={"assignment": scenario.assignment.pk, "min_percent": "60"},
    )
    rubric = rubric_snapshot(assignment=scenario.assignment)
    good, poor = scenario.students
    with django_capture_on_commit_callbacks(execute=True):
        review_services.submission_grade(
            submission=scenario.submission_of(good),
            by=scenario.instructor,
            scores=_scores(rubric, -1),
        )
        review_services.submission_grade(
            submission=scenario.submission_of(poor),
            by=scenario.instructor,
            scores=_scores(rubric, 0),
        )
    assert list(Award.objects.values_list("badge_class", "recipient")) == [(badge.pk, good.pk)]


def test_a_grade_released_later_awards_the_badge_when_it_is_released(
    django_capture_on_commit_callbacks,
):
    from assignments.services import rubric_snapshot

    scenario = build_scenario(1, instructor_grading="all", peer_reviews=0)
    badge = badge_class(
        scenario.cohort.course, kind="assignments_passed", config={"min_percent": "50"}
    )
    rubric = rubric_snapshot(assignment=scenario.assignment)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        review_services.submission_grade(
            submission=scenario.submission_of(scenario.students[0]),
            by=scenario.instructor,
            scores=_scores(rubric),
            release_at=now + dt.timedelta(days=1),
            now=now,
        )
    assert not Award.objects.exists()  # graded but not yet released
    with django_capture_on_commit_callbacks(execute=True):
        review_services.grades_release_due(now=now + dt.timedelta(days=1))
    assert Award.objects.get().badge_class == badge


def test_peer_reviews_given_and_rated_helpful_award_the_reviewer_badge(
    django_capture_on_commit_callbacks,
):
    scenario = build_scenario(4, peer_reviews=2)
    course = scenario.cohort.course
    any_two = badge_class(course, kind="peer_reviews", config={"count": 2})
    helpful = badge_class(course, kind="peer_reviews", config={"count": 1, "min_helpfulness": 4})
    review_services.peer_reviews_allocate(run=scenario.run, now=scenario.due_at)
    reviewer = scenario.students[0]
    mine = list(Review.objects.filter(reviewer=reviewer, status=ReviewStatus.ASSIGNED))
    rubric = mine[0].rubric
    with django_capture_on_commit_callbacks(execute=True):
        for review in mine:
            review_services.review_submit(
                review=review,
                by=reviewer,
                scores=_scores(rubric),
                comment="Clear argument.",
                now=scenario.due_at + dt.timedelta(hours=1),
            )
    assert list(Award.objects.filter(recipient=reviewer).values_list("badge_class", flat=True)) == [
        any_two.pk
    ]
    with django_capture_on_commit_callbacks(execute=True):
        review_services.review_rate(review=mine[0], by=mine[0].submission.author, helpfulness=5)
    assert set(Award.objects.filter(recipient=reviewer).values_list("badge_class", flat=True)) == {
        any_two.pk,
        helpful.pk,
    }


def test_attending_live_sessions_awards_the_attendance_badge(
    enrolment, instructor, django_capture_on_commit_callbacks
):
    from live import services as live_services
    from tests.live.factories import LiveSessionFactory

    badge = badge_class(enrolment.cohort.course, kind="sessions_attended", config={"count": 2})
    now = timezone.now()
    first, second = (
        LiveSessionFactory(
            cohort=enrolment.cohort,
            starts_at=now + dt.timedelta(minutes=5 + 60 * n),
            ends_at=now + dt.timedelta(minutes=65 + 60 * n),
        )
        for n in range(2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        live_services.session_join(session=first, user=enrolment.user, now=now)
    assert not Award.objects.exists()  # 1 of 2
    with django_capture_on_commit_callbacks(execute=True):  # marked present afterwards
        live_services.attendance_set(
            session=second, by=instructor, user_id=enrolment.user_id, attended=True
        )
    assert list(Award.objects.values_list("badge_class", "recipient")) == [
        (badge.pk, enrolment.user_id)
    ]
    with pytest.raises(ValidationFailed, match="how many live sessions"):
        badge_class(enrolment.cohort.course, kind="sessions_attended", config={"count": 0})


def test_a_draft_badge_is_not_awarded(enrolment, django_capture_on_commit_callbacks):
    course = enrolment.cohort.course
    badge = badge_class(course, kind="module_lessons", config={"module": _module(course).pk})
    BadgeClass.objects.filter(pk=badge.pk).update(live=False)
    _complete(enrolment, _lessons(_module(course)), django_capture_on_commit_callbacks)
    assert not Award.objects.exists()


def test_a_revoked_automatic_badge_is_not_awarded_again_by_its_rule(enrolment, instructor):
    course = enrolment.cohort.course
    badge = badge_class(course, kind="module_lessons", config={"module": _module(course).pk})
    for lesson in _lessons(_module(course)):
        cohort_services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)
    tasks.evaluate_student(enrolment.cohort_id, enrolment.user_id)
    award = Award.objects.get(badge_class=badge)
    services.award_revoke(award=award, by=instructor, reason="Copied work.")
    tasks.evaluate_student(enrolment.cohort_id, enrolment.user_id)
    tasks.reevaluate_cohort(enrolment.cohort_id)
    assert Award.objects.count() == 1
    assert Award.objects.get().revoked_at is not None


def test_publishing_a_new_rule_awards_it_to_students_who_did_the_work_already(
    cohort, django_capture_on_commit_callbacks
):
    enrolments = [EnrolmentFactory(cohort=cohort) for _ in range(5)]
    module = _module(cohort.course)
    for enrolment in enrolments[:3]:
        for lesson in _lessons(module):
            cohort_services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)
    with django_capture_on_commit_callbacks(execute=True):
        badge = badge_class(cohort.course, kind="module_lessons", config={"module": module.pk})
    assert set(Award.objects.filter(badge_class=badge).values_list("recipient", flat=True)) == {
        e.user_id for e in enrolments[:3]
    }


def test_re_evaluating_a_cohort_works_in_batches_and_covers_every_student(
    cohort, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks, "REEVALUATE_BATCH", 2)
    enrolments = [EnrolmentFactory(cohort=cohort) for _ in range(5)]
    EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED)
    badge = BadgeClass.objects.create(
        course=cohort.course,
        name="Finisher",
        description="d",
        criteria_narrative="c",
        rule_kind="all_modules",
        image="badges/x.png",
        live=True,
    )
    from cohorts.models import LessonCompletion

    lessons = list(LessonPage.objects.filter(path__startswith=cohort.course.path))
    for enrolment in enrolments:
        LessonCompletion.objects.bulk_create(
            LessonCompletion(enrolment=enrolment, lesson=lesson, completed_at=timezone.now())
            for lesson in lessons
        )
    calls = []
    original = services.awards_evaluate

    def spy(**kwargs):
        calls.append(list(kwargs["enrolment_ids"]))
        return original(**kwargs)

    monkeypatch.setattr(services, "awards_evaluate", spy)
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_reevaluation_request(cohort_id=cohort.pk)
    assert [len(c) for c in calls] == [2, 2, 1]
    assert Award.objects.filter(badge_class=badge).count() == 5
    job = Reevaluation.objects.get(cohort=cohort)
    assert job.finished_at is not None and job.after_enrolment_id == enrolments[3].pk
    # Each award's notification was written with it.
    assert Notification.objects.filter(kind="badge_awarded").count() == 5


# --- Evaluation costs a fixed number of queries -------------------------------------------


@pytest.mark.parametrize("size", [1, 12])
def test_evaluating_one_event_costs_the_same_queries_whatever_the_number_of_badges(
    size, cohort, django_assert_max_num_queries
):
    students = [EnrolmentFactory(cohort=cohort) for _ in range(size)]
    course = cohort.course
    modules = list(ModulePage.objects.child_of(course))
    kinds = [
        ("module_lessons", {"module": modules[0].pk}),
        ("all_modules", {}),
        ("assignments_passed", {"min_percent": "50"}),
        ("peer_reviews", {"count": 2}),
        ("cohort_completed", {}),
        ("manual", {}),
    ]
    for i in range(size):
        for kind, config in kinds:
            BadgeClass.objects.create(
                course=course,
                name=f"{kind} {i}",
                description="d",
                criteria_narrative="c",
                rule_kind=kind,
                rule_config=config,
                image="badges/x.png",
                live=True,
            )
    # Earlier awards to this student and others.
    for badge in BadgeClass.objects.filter(rule_kind="cohort_completed"):
        for enrolment in students[1:]:
            Award.objects.create(
                badge_class=badge,
                recipient=enrolment.user,
                cohort=cohort,
                awarded_at=timezone.now(),
                salt="s",
                identity_hash="h",
            )
    target = students[0]
    for lesson in _lessons(modules[0]):
        cohort_services.lesson_mark_complete(enrolment=target, lesson=lesson)

    # enrolments, badge classes, decided awards, modules, lessons, completions,
    # assignments, grades, reviews, the insert, the read-back of what was inserted, its
    # history rows, the recipients' choices for badge emails and their notifications;
    # and the savepoint around it all.
    with django_assert_max_num_queries(16):
        awarded = services.awards_evaluate(cohort=cohort, user_ids=[target.user_id])
    assert len(awarded) == size  # every "module 1 done" badge


# --- Manual awards and revoking -----------------------------------------------------------


@pytest.fixture
def manual_badge(cohort):
    return badge_class(cohort.course, kind="manual", name="Helpful peer")


def test_an_instructor_awards_a_manual_badge_with_a_note_and_the_student_is_emailed(
    enrolment, instructor, manual_badge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        award = services.award_grant(
            badge_class=manual_badge,
            recipient=enrolment.user,
            cohort=enrolment.cohort,
            by=instructor,
            note="Answered every question in the forum.",
        )
    assert award.awarded_by == instructor
    assert award.note == "Answered every question in the forum."
    assert len(mail.outbox) == 1
    assert "Answered every question" in mail.outbox[0].body


def test_awarding_twice_is_a_conflict_and_writes_nothing(enrolment, instructor, manual_badge):
    services.award_grant(
        badge_class=manual_badge,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="Great work.",
    )
    with pytest.raises(Conflict) as exc:
        services.award_grant(
            badge_class=manual_badge,
            recipient=enrolment.user,
            cohort=enrolment.cohort,
            by=instructor,
            note="Again.",
        )
    assert exc.value.code == "already_awarded"
    assert Award.objects.count() == 1


@pytest.mark.parametrize(
    "case",
    ["outside the cohort", "waitlisted", "no note", "not an instructor", "automatic badge"],
)
def test_bad_manual_awards_are_refused_and_write_nothing(
    case, cohort, enrolment, instructor, manual_badge
):
    recipient, by, note, badge = enrolment.user, instructor, "Well done.", manual_badge
    expected = ValidationFailed
    if case == "outside the cohort":
        recipient = UserFactory()
        EnrolmentFactory(user=recipient)  # enrolled elsewhere
    elif case == "waitlisted":
        recipient = EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED).user
    elif case == "no note":
        note = "   "
    elif case == "not an instructor":
        by, expected = UserFactory(), NotAllowed
    elif case == "automatic badge":
        badge, expected = badge_class(cohort.course, kind="cohort_completed"), Conflict
    with pytest.raises(expected):
        services.award_grant(
            badge_class=badge, recipient=recipient, cohort=cohort, by=by, note=note
        )
    assert not Award.objects.exists()
    assert not mail.outbox


def test_a_badge_of_another_course_cannot_be_awarded_in_this_cohort(enrolment, instructor):
    other = badge_class(course_page(title="Other"), kind="manual")
    with pytest.raises(NotFound):
        services.award_grant(
            badge_class=other,
            recipient=enrolment.user,
            cohort=enrolment.cohort,
            by=instructor,
            note="x",
        )
    assert not Award.objects.exists()


def test_revoking_needs_a_reason_and_then_allows_a_new_award(enrolment, instructor, manual_badge):
    award = services.award_grant(
        badge_class=manual_badge,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="Great work.",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.award_revoke(award=award, by=instructor, reason="  ")
    assert exc.value.field == "reason"
    award.refresh_from_db()
    assert award.revoked_at is None

    with pytest.raises(NotAllowed):
        services.award_revoke(award=award, by=UserFactory(), reason="No.")

    services.award_revoke(award=award, by=instructor, reason="Given to the wrong student.")
    award.refresh_from_db()
    assert award.revocation_reason == "Given to the wrong student."
    assert award.revoked_by == instructor
    with pytest.raises(Conflict):
        services.award_revoke(award=award, by=instructor, reason="Again.")
    again = services.award_grant(
        badge_class=manual_badge,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="This time for real.",
    )
    assert again.pk != award.pk
    assert [h.history_change_reason for h in award.history.order_by("history_id")] == [
        "awarded",
        "revoked",
    ]


def test_only_the_student_changes_whether_an_award_is_public(enrolment, instructor, manual_badge):
    award = services.award_grant(
        badge_class=manual_badge,
        recipient=enrolment.user,
        cohort=enrolment.cohort,
        by=instructor,
        note="Great work.",
    )
    with pytest.raises(NotFound):
        services.award_set_public(award=award, by=instructor, public=False)
    services.award_set_public(award=award, by=enrolment.user, public=False)
    award.refresh_from_db()
    assert award.is_public is False


# --- Badge classes --------------------------------------------------------------------------


def test_a_badge_image_must_be_a_png_or_svg_within_the_size_limit(course, settings):
    settings.LMS_BADGE_IMAGE_MAX_BYTES = 2048
    fields = {
        "course": course,
        "name": "N",
        "description": "D",
        "criteria_narrative": "C",
    }
    for bad in (
        SimpleUploadedFile("badge.png", b"GIF89a" + b"\x00" * 20, content_type="image/png"),
        SimpleUploadedFile("badge.svg", b"<html><body/></html>", content_type="image/svg+xml"),
        png_upload(padding=4096),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.badge_class_create(image=bad, **fields)
        assert exc.value.field == "image"
    assert not BadgeClass.objects.exists()

    svg = services.badge_class_create(
        image=SimpleUploadedFile("whatever.bin", SVG, content_type="image/svg+xml"), **fields
    )
    png = services.badge_class_create(
        image=SimpleUploadedFile("x", png_bytes(), content_type="image/png"), **fields
    )
    assert svg.image.name.endswith(".svg") and png.image.name.endswith(".png")


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        ("module_lessons", {}, "module"),
        ("assignments_passed", {"min_percent": "120"}, "min_percent"),
        ("peer_reviews", {"count": 0}, "count"),
        ("peer_reviews", {"count": 2, "min_helpfulness": 9}, "min_helpfulness"),
        ("no_such_kind", {}, "rule_kind"),
    ],
)
def test_rule_settings_are_checked(kind, config, field, course):
    with pytest.raises(ValidationFailed) as exc:
        badge_class(course, kind=kind, config=config)
    assert exc.value.field == field
    assert not BadgeClass.objects.exists()


def test_a_module_of_another_course_is_refused(course):
    other = course_page(title="Other")
    with pytest.raises(ValidationFailed) as exc:
        badge_class(course, kind="module_lessons", config={"module": _module(other).pk})
    assert exc.value.field == "module"


def test_the_daily_sweep_awards_what_a_lost_event_missed_in_running_cohorts(
    cohort, django_capture_on_commit_callbacks
):
    from badges.selectors import cohorts_to_sweep
    from cohorts.models import LessonCompletion

    long_ago = CohortFactory(
        course=cohort.course,
        starts_on=timezone.now().date() - dt.timedelta(days=120),
        ends_on=timezone.now().date() - dt.timedelta(days=60),
        enrolment_opens_at=timezone.now() - dt.timedelta(days=150),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=130),
    )
    module = _module(cohort.course)
    badge_class(cohort.course, kind="module_lessons", config={"module": module.pk})
    enrolment = EnrolmentFactory(cohort=cohort)
    # Completions whose events never reached a worker.
    for lesson in _lessons(module):
        LessonCompletion.objects.create(
            enrolment=enrolment, lesson=lesson, completed_at=timezone.now()
        )
    assert cohorts_to_sweep() == [cohort.pk]
    assert long_ago.pk not in cohorts_to_sweep()

    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_running_cohorts()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_running_cohorts()
    assert Award.objects.filter(recipient=enrolment.user).count() == 1


def _finisher(cohort, n):
    from cohorts.models import LessonCompletion

    enrolments = [EnrolmentFactory(cohort=cohort) for _ in range(n)]
    lessons = list(LessonPage.objects.filter(path__startswith=cohort.course.path))
    for enrolment in enrolments:
        LessonCompletion.objects.bulk_create(
            LessonCompletion(enrolment=enrolment, lesson=lesson, completed_at=timezone.now())
            for lesson in lessons
        )
    return enrolments


def test_a_re_evaluation_whose_next_message_was_lost_is_resumed_by_the_sweep(
    cohort, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks, "REEVALUATE_BATCH", 2)
    enrolments = _finisher(cohort, 5)
    badge_class(cohort.course, kind="all_modules")
    # The request is written, but its message never reaches a worker; one batch ran
    # and the message for the next one was lost too.
    services.cohort_reevaluation_request(cohort_id=cohort.pk)
    assert services.cohort_reevaluate_batch(cohort_id=cohort.pk, size=2) == (2, True)
    job = Reevaluation.objects.get(cohort=cohort)
    assert job.after_enrolment_id == enrolments[1].pk
    # Not stale yet: nothing is queued twice while a worker may still be on it.
    assert services.reevaluations_resume() == []
    later = timezone.now() + dt.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reevaluations_resume(now=later) == [cohort.pk]
    assert Award.objects.filter(cohort=cohort).count() == 5
    assert Reevaluation.objects.get(cohort=cohort).finished_at is not None
    assert Notification.objects.filter(kind="badge_awarded").count() == 5


def test_publishing_a_badge_records_the_re_evaluation_in_the_same_transaction(cohort):
    _finisher(cohort, 1)
    badge = badge_class(cohort.course, kind="all_modules")
    Reevaluation.objects.all().delete()
    services.badge_class_published(badge_class=badge)
    assert Reevaluation.objects.filter(cohort=cohort, finished_at__isnull=True).count() == 1
    # A second publication while it is open starts the same row again from the start.
    Reevaluation.objects.update(after_enrolment_id=99)
    services.badge_class_published(badge_class=badge)
    job = Reevaluation.objects.get(cohort=cohort)
    assert job.after_enrolment_id == 0 and job.finished_at is None


def test_a_second_worker_on_the_same_re_evaluation_skips_it(cohort):
    _finisher(cohort, 3)
    badge_class(cohort.course, kind="all_modules")
    services.cohort_reevaluation_request(cohort_id=cohort.pk)
    assert services.cohort_reevaluate_batch(cohort_id=cohort.pk, size=10) == (3, False)
    # Finished: another delivery of the same message does nothing.
    assert services.cohort_reevaluate_batch(cohort_id=cohort.pk, size=10) == (0, False)
    assert Award.objects.filter(cohort=cohort).count() == 3


def test_a_students_evaluation_whose_task_was_lost_is_run_by_the_sweep(
    cohort, django_capture_on_commit_callbacks
):
    """A lesson completed commits; its evaluation task never runs (lost with a worker or
    a broker restart): the evaluation stays pending and the resume sweep runs it."""
    from badges.models import PendingEvaluation

    module = _module(cohort.course)
    badge_class(cohort.course, kind="module_lessons", config={"module": module.pk})
    enrolment = EnrolmentFactory(cohort=cohort)
    with django_capture_on_commit_callbacks() as callbacks:  # the signals, not run yet
        for lesson in _lessons(module):
            cohort_services.lesson_mark_complete(enrolment=enrolment, lesson=lesson)
    for callback in callbacks:  # the event's signal fires on commit...
        with django_capture_on_commit_callbacks():  # ...but the task it queues is lost
            callback()
    pending = PendingEvaluation.objects.get(cohort=cohort, user=enrolment.user)
    assert not Award.objects.exists()
    assert services.reevaluations_resume() == []  # not stale yet: its task may still run
    assert not Award.objects.exists()
    later = pending.requested_at + dt.timedelta(minutes=5)
    services.reevaluations_resume(now=later)  # eager here: runs at once
    assert Award.objects.filter(recipient=enrolment.user).count() == 1
    assert not PendingEvaluation.objects.exists()
    assert Notification.objects.filter(kind="badge_awarded", user=enrolment.user).count() == 1
