"""The community's writes: spaces that follow the cohort, threads and replies, edits
and removal, mentions, questions, reactions and follows, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cms.models import CourseSpace, SpacePosting
from cohorts.models import Cohort
from community import services
from community.models import (
    Follow,
    Post,
    PostRevision,
    Reaction,
    Space,
    SpaceKind,
    Thread,
)
from lms.errors import Conflict, NotAllowed, NotFound, TooManyAttempts, ValidationFailed
from notifications.models import Kind, Notification
from tests.community.conftest import member_of
from tests.factories import CohortFactory, EnrolmentFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- spaces -----------------------------------------------------------------------------


def test_a_new_cohort_has_its_standard_spaces_and_one_per_module(cohort):
    kinds = list(Space.objects.filter(cohort=cohort).values_list("kind", flat=True))
    assert kinds[:3] == ["general", "introductions", "announcements"]
    assert kinds.count("module") == 4


def test_a_designers_space_reaches_every_cohort_of_the_course_and_is_archived_when_removed(course):
    first, second = CohortFactory(course=course), CohortFactory(course=course)
    source = CourseSpace.objects.create(course=course, name="Show your work", is_qa=False)
    assert services.course_spaces_sync(course_id=course.pk) == 2
    for cohort in (first, second):
        space = Space.objects.get(cohort=cohort, kind=SpaceKind.COURSE)
        assert (space.name, space.posting, space.archived_at) == (
            "Show your work",
            SpacePosting.MEMBERS,
            None,
        )
    source.delete()
    services.course_spaces_sync(course_id=course.pk)
    assert Space.objects.filter(kind=SpaceKind.COURSE, archived_at__isnull=False).count() == 2


def test_syncing_twice_creates_nothing_more(cohort):
    before = Space.objects.filter(cohort=cohort).count()
    assert services.spaces_sync(cohort=Cohort.objects.get(pk=cohort.pk)) == 0
    assert Space.objects.filter(cohort=cohort).count() == before


# --- threads and replies ----------------------------------------------------------------


def test_a_member_starts_a_thread_and_follows_it(member, general):
    thread = services.thread_create(
        member=member, space=general, title="  Hello   all ", body="**Hi** there"
    )
    post = Post.objects.get(thread=thread, is_opening=True)
    assert thread.title == "Hello all"
    assert post.body_html == "<p><strong>Hi</strong> there</p>\n"
    assert Follow.objects.filter(thread=thread, user=member.user).exists()
    assert Space.objects.get(pk=general.pk).thread_count == 1


def test_scripts_are_shown_as_text_and_foreign_images_are_dropped(member, general):
    thread = services.thread_create(
        member=member,
        space=general,
        title="x",
        body="<script>alert(1)</script> <img src=x onerror=alert(1)> [a](javascript:alert(1)) ![p](https://tracker.example/p.png)",
    )
    html = thread.posts.get().body_html
    assert "<script" not in html and "onerror" not in html.replace("onerror=alert(1)&gt;", "")
    assert "javascript:" not in html.split("&lt;")[0] or 'href="javascript' not in html
    assert "tracker.example" not in html


def test_replies_nest_one_level(member, general, classmate, cohort):
    thread = services.thread_create(member=member, space=general, title="T", body="b")
    other = member_of(classmate, cohort)
    top = services.reply_create(member=other, thread=thread, body="top")
    nested = services.reply_create(member=member, thread=thread, body="nested", parent_id=top.pk)
    deeper = services.reply_create(member=other, thread=thread, body="deeper", parent_id=nested.pk)
    assert nested.parent_id == top.pk
    assert deeper.parent_id == top.pk
    assert Thread.objects.get(pk=thread.pk).reply_count == 3


def test_an_edit_keeps_the_previous_text_and_shows_edited(member, general):
    thread = services.thread_create(member=member, space=general, title="T", body="first")
    post = thread.posts.get()
    services.post_edit(member=member, post_id=post.pk, body="second", title="T2")
    post.refresh_from_db()
    assert post.edited_at is not None and post.body_source == "second"
    revision = PostRevision.objects.get(post=post)
    assert (revision.title, revision.body_source) == ("T", "first")
    assert Thread.objects.get(pk=thread.pk).title == "T2"


def test_only_the_author_edits(member, general, classmate, cohort):
    thread = services.thread_create(member=member, space=general, title="T", body="first")
    with pytest.raises(NotAllowed):
        services.post_edit(
            member=member_of(classmate, cohort), post_id=thread.posts.get().pk, body="x"
        )


def test_a_removed_post_shows_removed_and_its_replies_stay(member, general, classmate, cohort):
    thread = services.thread_create(member=member, space=general, title="T", body="b")
    other = member_of(classmate, cohort)
    top = services.reply_create(member=other, thread=thread, body="top")
    services.reply_create(member=member, thread=thread, body="under", parent_id=top.pk)
    services.post_remove(member=other, post_id=top.pk)
    top.refresh_from_db()
    assert top.removed_at is not None and top.body_source == "" and top.body_html == ""
    assert Post.objects.filter(parent=top).count() == 1
    with pytest.raises(Conflict) as refused:
        services.reply_create(member=member, thread=thread, body="again", parent_id=top.pk)
    assert refused.value.code == "post_removed"


# --- refusals ---------------------------------------------------------------------------


def test_a_locked_module_space_takes_nothing(member, locked_module_space):
    with pytest.raises(NotAllowed) as refused:
        services.thread_create(member=member, space=locked_module_space, title="T", body="b")
    assert refused.value.code == "space_locked"
    assert not Thread.objects.exists()


def test_students_do_not_start_announcements_but_reply_to_them(
    member, announcements, instructor, cohort
):
    with pytest.raises(NotAllowed) as refused:
        services.thread_create(member=member, space=announcements, title="T", body="b")
    assert refused.value.code == "hosts_only"
    thread = services.thread_create(
        member=member_of(instructor, cohort), space=announcements, title="Welcome", body="Hi all"
    )
    services.reply_create(member=member, thread=thread, body="Thanks!")


def test_a_foreign_space_is_not_found(member):
    other_space = Space.objects.filter(cohort=CohortFactory()).first()
    with pytest.raises(NotFound):
        services.thread_create(member=member, space=other_space, title="T", body="b")


def test_mentioning_someone_outside_the_cohort_is_refused(member, general):
    UserFactory(username="stranger")
    with pytest.raises(ValidationFailed) as refused:
        services.thread_create(member=member, space=general, title="T", body="hi @stranger")
    assert refused.value.code == "mention_not_member"
    assert not Thread.objects.exists()


def test_a_mention_of_a_classmate_is_linked_and_recorded(member, general, classmate):
    thread = services.thread_create(member=member, space=general, title="T", body="hi @Bea!")
    post = thread.posts.get()
    assert post.mentioned_ids == [classmate.pk]
    assert '<span class="mention">@Bea</span>' in post.body_html


def test_oversized_and_empty_bodies_are_refused(member, general):
    with pytest.raises(ValidationFailed):
        services.thread_create(member=member, space=general, title="T", body="x" * 20_001)
    with pytest.raises(ValidationFailed):
        services.thread_create(member=member, space=general, title="T", body="   ")
    with pytest.raises(ValidationFailed):
        services.thread_create(member=member, space=general, title=" ", body="b")


def test_a_new_member_cannot_post_fifty_threads_a_minute(member, general):
    for n in range(5):
        services.thread_create(member=member, space=general, title=f"T{n}", body="b")
    with pytest.raises(TooManyAttempts) as refused:
        services.thread_create(member=member, space=general, title="T6", body="b")
    assert refused.value.retry_after > 0
    assert Thread.objects.count() == 5


def test_a_muted_member_reads_but_cannot_post(member, general, instructor, cohort):
    host = member_of(instructor, cohort)
    services.member_mute(member=host, user_id=member.user.pk, days=3, reason="Tone")
    with pytest.raises(NotAllowed) as refused:
        services.thread_create(member=member, space=general, title="T", body="b")
    assert refused.value.code == "muted"


def test_a_locked_thread_takes_no_replies_from_members(member, general, instructor, cohort):
    thread = services.thread_create(member=member, space=general, title="T", body="b")
    host = member_of(instructor, cohort)
    services.thread_lock(member=host, thread_id=thread.pk, locked=True, reason="Done")
    with pytest.raises(Conflict) as refused:
        services.reply_create(member=member, thread=thread, body="more")
    assert refused.value.code == "thread_locked"
    services.reply_create(member=host, thread=thread, body="closing note")


def test_alumni_read_but_no_longer_post(member, general):
    later = timezone.now() + dt.timedelta(weeks=10)
    with time_machine.travel(later):
        alumnus = member_of(member.user, member.cohort)
        assert alumnus.is_alumnus
        with pytest.raises(NotAllowed) as refused:
            services.thread_create(member=alumnus, space=general, title="T", body="b")
    assert refused.value.code == "term_ended"


def test_guidelines_are_accepted_with_the_first_post(member, general, course):
    course.community_guidelines = "<p>Be kind.</p>"
    course.save()
    member = member_of(member.user, member.cohort)
    with pytest.raises(ValidationFailed) as refused:
        services.thread_create(member=member, space=general, title="T", body="b")
    assert refused.value.code == "guidelines_not_accepted"
    services.thread_create(
        member=member, space=general, title="T", body="b", accept_guidelines=True
    )
    services.thread_create(member=member, space=general, title="T2", body="b")


# --- questions, reactions ---------------------------------------------------------------


@pytest.fixture
def qa_space(cohort, course):
    CourseSpace.objects.create(course=course, name="Questions", is_qa=True)
    services.course_spaces_sync(course_id=course.pk)
    return Space.objects.get(cohort=cohort, kind=SpaceKind.COURSE)


def test_a_question_is_answered_accepted_and_endorsed(
    member, qa_space, classmate, cohort, instructor
):
    question = services.thread_create(member=member, space=qa_space, title="How?", body="?")
    assert question.is_question and question.answered_at is None
    services.reply_create(member=member, thread=question, body="any ideas?")
    assert Thread.objects.get(pk=question.pk).answered_at is None  # the asker's own reply
    answer = services.reply_create(
        member=member_of(classmate, cohort), thread=question, body="Like this"
    )
    assert Thread.objects.get(pk=question.pk).answered_at is not None
    with pytest.raises(NotAllowed):
        services.answer_accept(
            member=member_of(classmate, cohort), thread_id=question.pk, post_id=answer.pk
        )
    services.answer_accept(member=member, thread_id=question.pk, post_id=answer.pk)
    with pytest.raises(NotAllowed):
        services.post_endorse(member=member, post_id=answer.pk, on=True)
    services.post_endorse(member=member_of(instructor, cohort), post_id=answer.pk, on=True)
    answer.refresh_from_db()
    assert answer.endorsed_by == instructor
    assert Thread.objects.get(pk=question.pk).accepted_post_id == answer.pk


def test_reactions_come_from_a_fixed_set_once_each(member, general):
    thread = services.thread_create(member=member, space=general, title="T", body="b")
    post = thread.posts.get()
    services.reaction_set(member=member, post_id=post.pk, kind="heart", on=True)
    services.reaction_set(member=member, post_id=post.pk, kind="heart", on=True)
    assert Reaction.objects.count() == 1
    with pytest.raises(ValidationFailed):
        services.reaction_set(member=member, post_id=post.pk, kind="poop", on=True)
    services.reaction_set(member=member, post_id=post.pk, kind="heart", on=False)
    assert not Reaction.objects.exists()


# --- notifications ----------------------------------------------------------------------


def test_a_reply_tells_the_author_the_mentioned_and_the_followers_once_each(
    member, general, classmate, cohort, django_capture_on_commit_callbacks
):
    follower = EnrolmentFactory(cohort=cohort, user=UserFactory(username="cas")).user
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(member=member, space=general, title="T", body="b")
        services.follow_set(member=member_of(follower, cohort), thread_id=thread.pk, on=True)
        reply = services.reply_create(
            member=member_of(classmate, cohort), thread=thread, body="hey @cas"
        )
    kinds = dict(Notification.objects.filter(key=f"post:{reply.pk}").values_list("user_id", "kind"))
    assert kinds == {member.user.pk: Kind.COMMUNITY_REPLY, follower.pk: Kind.COMMUNITY_MENTION}
    assert services.post_fan_out(post_id=reply.pk) == 0  # done: nothing twice


def test_an_announcement_tells_every_member(
    member, announcements, instructor, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_create(
            member=member_of(instructor, cohort), space=announcements, title="Week 2", body="b"
        )
    assert list(
        Notification.objects.filter(kind=Kind.COMMUNITY_ANNOUNCEMENT).values_list(
            "user_id", flat=True
        )
    ) == [member.user.pk]


def test_a_lost_fan_out_is_made_by_the_sweep(member, general, classmate, cohort):
    thread = services.thread_create(member=member, space=general, title="T", body="b")
    reply = services.reply_create(member=member_of(classmate, cohort), thread=thread, body="r")
    Post.objects.update(fanned_out_at=None)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert services.fan_out_resume() == 2
    assert Notification.objects.filter(user=member.user, key=f"post:{reply.pk}").count() == 1
