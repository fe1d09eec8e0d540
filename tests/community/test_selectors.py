"""The community's reads and the rest of its writes: who is a member, locks in every
read, unread marks, the welcome, moderation on record, the directory, the pulse."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cohorts.models import EnrolmentStatus, ModuleUnlockOverride
from community import selectors, services
from community.models import (
    ModerationAction,
    Report,
    ReportStatus,
    Role,
    RoleKind,
    Space,
    SpaceKind,
    Thread,
)
from lms.errors import NotAllowed, NotFound, ValidationFailed
from notifications.models import Kind, Notification
from tests.community.conftest import member_of
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


# --- who is a member --------------------------------------------------------------------


def test_strangers_pending_and_suspended_students_are_not_members(cohort):
    with pytest.raises(NotFound):
        member_of(UserFactory(), cohort)
    for status in (
        EnrolmentStatus.PENDING_PAYMENT,
        EnrolmentStatus.SUSPENDED,
        EnrolmentStatus.WAITLISTED,
    ):
        seat = EnrolmentFactory(cohort=cohort, status=status)
        with pytest.raises((NotFound, NotAllowed)):
            member_of(seat.user, cohort)


def test_a_mentor_of_the_course_is_a_member_of_each_of_its_cohorts(cohort, course):
    alumna = UserFactory()
    Role.objects.create(user=alumna, role=RoleKind.MENTOR, course=course)
    member = member_of(alumna, cohort)
    assert member.mentor and member.may_endorse and member.may_pin and not member.may_moderate
    assert member_of(alumna, CohortFactory(course=course)).mentor


def test_members_are_students_instructors_and_appointed_people_not_staff(
    cohort, enrolment, instructor
):
    mentor = UserFactory()
    Role.objects.create(user=mentor, role=RoleKind.MENTOR, cohort=cohort)
    staff_user()
    EnrolmentFactory(cohort=cohort, status=EnrolmentStatus.WAITLISTED)
    ids = set(selectors.cohort_members(cohort=cohort).values_list("pk", flat=True))
    assert ids == {enrolment.user_id, instructor.pk, mentor.pk}


def test_staff_appoint_roles_and_nobody_else_does(cohort, student):
    with pytest.raises(NotAllowed):
        services.role_appoint(
            by=UserFactory(), user=student, role=RoleKind.MODERATOR, cohort=cohort
        )
    role = services.role_appoint(
        by=staff_user(), user=student, role=RoleKind.MODERATOR, cohort=cohort
    )
    assert role.appointed_by is not None


# --- locks in every read ----------------------------------------------------------------


def test_a_locked_space_shows_only_its_title_and_unlock_moment(member, locked_module_space):
    page = selectors.space_page(user=member.user, space_id=locked_module_space.pk)
    assert page.row.locked and page.row.unlocks_at > timezone.now()
    assert page.threads is None and not page.may_start


def test_a_space_locked_again_hides_its_threads_from_pages_and_search(
    member, open_module_space, cohort
):
    thread = services.thread_create(
        member=member, space=open_module_space, title="Findme", body="needle"
    )
    assert [p.thread_id for p in selectors.community_search(member=member, query="needle")] == [
        thread.pk
    ]
    ModuleUnlockOverride.objects.create(
        cohort=cohort,
        module=open_module_space.module,
        unlocks_at=timezone.now() + dt.timedelta(days=3),
    )
    assert selectors.community_search(member=member, query="needle") == []
    with pytest.raises(NotAllowed):
        selectors.thread_page(user=member.user, thread_id=thread.pk)
    home = selectors.community_home(user=member.user, cohort_id=cohort.pk)
    row = next(r for r in home.spaces if r.space.pk == open_module_space.pk)
    assert row.locked and row.unread == 0


# --- unread -----------------------------------------------------------------------------


def test_unread_counts_follow_reading_and_mark_space_read(member, general, classmate, cohort):
    other = member_of(classmate, cohort)
    thread = services.thread_create(member=other, space=general, title="T", body="b")
    assert selectors.unread_total(user=member.user) == 1
    services.thread_mark_read(user=member.user, thread=thread)
    assert selectors.unread_total(user=member.user) == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        services.reply_create(member=other, thread=thread, body="more")
        services.thread_create(member=other, space=general, title="T2", body="b")
    assert selectors.unread_total(user=member.user) == 2
    assert selectors.unread_total(user=classmate) == 0  # their own activity
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        services.space_mark_read(member=member, space=general)
    assert selectors.unread_total(user=member.user) == 0


# --- welcome ----------------------------------------------------------------------------


def test_a_new_member_is_welcomed_once_and_says_hello(
    cohort, course, django_capture_on_commit_callbacks
):
    course.community_welcome = "Hoi! Tell us about you."
    course.save()
    from cohorts import services as cohort_services

    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        cohort_services.enrolment_create(cohort=cohort, user=person)
    welcome = Notification.objects.get(user=person, kind=Kind.COMMUNITY_WELCOME)
    assert welcome.params["message"] == "Hoi! Tell us about you."
    assert services.welcomes_resume() == 0
    space = Space.objects.get(cohort=cohort, kind=SpaceKind.INTRODUCTIONS)
    assert [s.pk for s in selectors.hello_due(user=person)] == [space.pk]
    services.thread_create(
        member=member_of(person, cohort), space=space, title="Hi", body="I'm new"
    )
    assert selectors.hello_due(user=person) == []


def test_a_lost_welcome_is_sent_by_the_sweep(enrolment):
    assert not Notification.objects.filter(kind=Kind.COMMUNITY_WELCOME).exists()
    assert services.welcomes_resume() == 1
    assert services.welcomes_resume() == 0
    assert (
        Notification.objects.filter(user=enrolment.user, kind=Kind.COMMUNITY_WELCOME).count() == 1
    )


# --- moderation -------------------------------------------------------------------------


def test_hiding_a_reported_post_closes_its_reports_and_is_on_record(
    member, general, classmate, cohort, instructor
):
    thread = services.thread_create(member=member, space=general, title="T", body="b")
    post = thread.posts.get()
    report = services.report_create(
        member=member_of(classmate, cohort), post_id=post.pk, reason="spam"
    )
    host = member_of(instructor, cohort)
    services.post_hide(member=host, post_id=post.pk, reason="Spam")
    services.post_hide(member=host, post_id=post.pk, reason="Spam again")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACTIONED and report.resolved_by == instructor
    assert Thread.objects.get(pk=thread.pk).hidden_at is not None
    log = list(ModerationAction.objects.values_list("action", "detail"))
    assert log == [("hide", {"already": True}), ("hide", {"already": False})]
    # Hidden from members, still there for hosts.
    with pytest.raises(NotFound):
        selectors.thread_page(user=classmate, thread_id=thread.pk)
    assert selectors.thread_page(user=instructor, thread_id=thread.pk).opening.state == "hidden"
    services.post_restore(member=host, post_id=post.pk, reason="Appeal")
    selectors.thread_page(user=classmate, thread_id=thread.pk)


def test_members_cannot_moderate_or_report_twice(member, general, classmate, cohort):
    thread = services.thread_create(member=member, space=general, title="T", body="b")
    other = member_of(classmate, cohort)
    with pytest.raises(NotAllowed):
        services.post_hide(member=other, post_id=thread.posts.get().pk, reason="x")
    services.report_create(member=other, post_id=thread.posts.get().pk, reason="abuse")
    with pytest.raises(Exception) as twice:
        services.report_create(member=other, post_id=thread.posts.get().pk, reason="abuse")
    assert twice.value.code == "already_reported"
    assert Report.objects.count() == 1


def test_moving_a_thread_into_a_qa_space_makes_it_a_question(
    member, general, instructor, cohort, course
):
    from cms.models import CourseSpace

    CourseSpace.objects.create(course=course, name="Q", is_qa=True)
    services.course_spaces_sync(course_id=course.pk)
    qa = Space.objects.get(cohort=cohort, kind=SpaceKind.COURSE)
    thread = services.thread_create(member=member, space=general, title="Why?", body="b")
    services.thread_move(member=member_of(instructor, cohort), thread_id=thread.pk, space_id=qa.pk)
    thread.refresh_from_db()
    assert thread.space == qa and thread.is_question
    assert [t.pk for t in selectors.unanswered_questions(cohort=cohort)] == [thread.pk]
    assert Space.objects.get(pk=general.pk).thread_count == 0


def test_a_mute_runs_out_by_itself(member, general, instructor, cohort):
    services.member_mute(
        member=member_of(instructor, cohort), user_id=member.user.pk, days=1, reason="Cool down"
    )
    with pytest.raises(ValidationFailed):
        services.member_mute(
            member=member_of(instructor, cohort), user_id=member.user.pk, days=91, reason="x"
        )
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        services.thread_create(
            member=member_of(member.user, cohort), space=general, title="Back", body="b"
        )


# --- people -----------------------------------------------------------------------------


def test_the_directory_lists_only_who_chose_to_be_listed(member, classmate, cohort):
    services.profile_update(
        user=classmate, bio="Translator", interests="plain language", links=["https://bea.example"]
    )
    services.directory_listing_set(member=member_of(classmate, cohort), listed=True)
    directory = selectors.directory_get(user=member.user, cohort_id=cohort.pk)
    assert [e.user.pk for e in directory.entries] == [classmate.pk]
    assert directory.entries[0].profile.bio == "Translator"
    assert not directory.listed
    with pytest.raises(ValidationFailed):
        services.profile_update(user=classmate, bio="", interests="", links=["javascript:alert(1)"])


def test_mention_suggestions_are_members_only(member, classmate, cohort):
    UserFactory(username="beatrix")  # not in the cohort
    assert [u.username for u in selectors.mention_suggestions(member=member, query="@be")] == [
        "bea"
    ]


def _png(width=10, height=10) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return SimpleUploadedFile("me at home.png", buffer.getvalue(), content_type="image/png")


def test_an_image_is_checked_stored_under_a_random_name_and_shown_to_members_only(
    member, general, cohort
):
    image = services.image_upload(member=member, file=_png())
    assert "home" not in image.file.name and image.format == "PNG"
    thread = services.thread_create(
        member=member, space=general, title="Pic", body=f"![chart](/community/images/{image.pk}/)"
    )
    assert f'src="/community/images/{image.pk}/"' in thread.posts.get().body_html
    assert selectors.image_get(user=member.user, image_id=image.pk) == image
    with pytest.raises(NotFound):
        selectors.image_get(user=UserFactory(), image_id=image.pk)
    with pytest.raises(ValidationFailed):
        services.image_upload(member=member, file=SimpleUploadedFile("x.png", b"not an image"))
    with pytest.raises(ValidationFailed):
        services.image_upload(member=member, file=_png(4001, 10))


def test_an_image_of_another_cohort_cannot_be_shown(member, general):
    other = EnrolmentFactory()
    image = services.image_upload(member=member_of(other.user, other.cohort), file=_png())
    with pytest.raises(ValidationFailed) as refused:
        services.thread_create(
            member=member, space=general, title="P", body=f"![x](/community/images/{image.pk}/)"
        )
    assert refused.value.code == "unknown_image"


# --- pulse ------------------------------------------------------------------------------


def test_the_pulse_counts_posts_and_people_per_week(member, general, classmate, cohort, instructor):
    services.thread_create(member=member, space=general, title="T", body="b")
    services.thread_create(member=member_of(classmate, cohort), space=general, title="T2", body="b")
    pulse = selectors.pulse_get(user=instructor, cohort_id=cohort.pk)
    assert sum(w.posts for w in pulse.weeks) == 2
    assert pulse.weeks[-1].active_members == 2
    with pytest.raises(NotAllowed):
        selectors.pulse_get(user=member.user, cohort_id=cohort.pk)


def test_a_member_who_turned_welcomes_off_is_not_asked_again_by_the_sweep(enrolment):
    from notifications.services import preference_set

    preference_set(user=enrolment.user, kind=Kind.COMMUNITY_WELCOME, delivery="off")
    assert services.welcomes_resume() == 0
