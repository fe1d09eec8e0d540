"""Races in the community, on PostgreSQL with real concurrent connections: one outcome,
everything on record, nobody told twice, no limit exceeded."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail

from cohorts.models import Cohort
from community import services
from community.models import (
    ModerationAction,
    ModerationActionKind,
    Post,
    PostRevision,
    Report,
    ReportStatus,
    Space,
    SpaceKind,
    Thread,
)
from lms.errors import Conflict, NotFound, TooManyAttempts
from notifications.models import Kind, Notification
from tests.community.conftest import member_of, space_of
from tests.concurrency import race
from tests.factories import EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _students(cohort, n, prefix="m"):
    return [
        member_of(
            EnrolmentFactory(cohort=cohort, user=UserFactory(username=f"{prefix}{i}")).user, cohort
        )
        for i in range(n)
    ]


def _moderators(cohort, n):
    hosts = [UserFactory(username=f"host{i}") for i in range(n)]
    cohort.instructors.add(*hosts)
    return [member_of(u, cohort) for u in hosts]


@pytest.fixture
def qa_space(cohort, course):
    from cms.models import CourseSpace

    CourseSpace.objects.create(course=course, name="Questions", is_qa=True)
    services.course_spaces_sync(course_id=course.pk)
    return Space.objects.get(cohort=cohort, kind=SpaceKind.COURSE)


# --- moderation -------------------------------------------------------------------------


def test_two_moderators_hiding_a_post_at_once_hide_it_once_and_both_are_on_record(cohort):
    author, *reporters = _students(cohort, 4)
    first, second = _moderators(cohort, 2)
    general = space_of(cohort, SpaceKind.GENERAL)
    thread = services.thread_create(member=author, space=general, title="T", body="b")
    post = services.reply_create(member=author, thread=thread, body="rude words")
    for reporter in reporters:
        services.report_create(member=reporter, post_id=post.pk, reason="abuse")

    results = race(
        [
            lambda m=m: services.post_hide(member=m, post_id=post.pk, reason=f"by {m.user}")
            for m in (first, second)
        ]
    )

    assert all(isinstance(r, Post) for r in results), results
    post.refresh_from_db()
    assert post.hidden_at is not None
    assert post.hidden_by in (first.user, second.user)
    actions = list(ModerationAction.objects.filter(post=post, action=ModerationActionKind.HIDE))
    assert {a.actor for a in actions} == {first.user, second.user}
    assert sorted(a.detail["already"] for a in actions) == [False, True]
    winner = next(a for a in actions if not a.detail["already"])
    assert winner.actor == post.hidden_by and winner.reason == post.hidden_reason
    reports = Report.objects.filter(post=post)
    assert set(reports.values_list("status", flat=True)) == {ReportStatus.ACTIONED}
    assert set(reports.values_list("resolved_by", flat=True)) == {post.hidden_by.pk}
    # Each report: its creation and one move to "actioned", never a second.
    for report in reports:
        assert list(report.history.order_by("history_id").values_list("status", flat=True)) == [
            ReportStatus.OPEN,
            ReportStatus.ACTIONED,
        ]
    assert Thread.objects.get(pk=thread.pk).reply_count == 0


def test_an_author_editing_while_a_moderator_hides_keeps_the_edit_and_the_hide(cohort):
    (author,) = _students(cohort, 1)
    (moderator,) = _moderators(cohort, 1)
    general = space_of(cohort, SpaceKind.GENERAL)
    thread = services.thread_create(member=author, space=general, title="T", body="b")
    post = services.reply_create(member=author, thread=thread, body="first words")

    results = race(
        [
            lambda: services.post_edit(member=author, post_id=post.pk, body="second words"),
            lambda: services.post_hide(member=moderator, post_id=post.pk, reason="Off topic"),
        ]
    )

    assert all(isinstance(r, Post) for r in results), results
    post.refresh_from_db()
    assert post.hidden_at is not None and post.hidden_by == moderator.user
    assert post.body_source == "second words" and post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert revision.body_source == "first words" and revision.replaced_by == author.user
    assert ModerationAction.objects.filter(post=post, action=ModerationActionKind.HIDE).count() == 1


def test_a_moderator_hiding_a_reply_while_members_answer_it_neither_deadlocks(cohort):
    """The reply's row is locked by the hide; an answer to it refers to that row while
    holding the thread. Neither waits on the other for ever (no deadlock, no 500)."""
    author, *others = _students(cohort, 4)
    (moderator,) = _moderators(cohort, 1)
    general = space_of(cohort, SpaceKind.GENERAL)
    thread = services.thread_create(member=author, space=general, title="T", body="b")
    for round_ in range(5):
        target = services.reply_create(member=author, thread=thread, body=f"reply {round_}")
        results = race(
            [
                lambda t=target: services.post_hide(member=moderator, post_id=t.pk, reason="Spam"),
                *[
                    lambda m=m, t=target: services.reply_create(
                        member=m, thread=thread, body="an answer", parent_id=t.pk
                    )
                    for m in others
                ],
            ]
        )
        assert isinstance(results[0], Post), results
        for result in results[1:]:
            # Before the hide: a nested reply; after it: refused, the post is gone.
            assert isinstance(result, Post) or result.code == "post_removed", result
    visible = Post.objects.filter(thread=thread, is_opening=False, hidden_at__isnull=True)
    assert Thread.objects.get(pk=thread.pk).reply_count == visible.count()


def test_reports_filed_while_a_moderator_hides_the_post_are_actioned_or_refused(cohort):
    """Never an open report left on a post that is hidden already."""
    author, *reporters = _students(cohort, 5)
    (moderator,) = _moderators(cohort, 1)
    general = space_of(cohort, SpaceKind.GENERAL)
    thread = services.thread_create(member=author, space=general, title="T", body="b")
    for round_ in range(3):
        post = services.reply_create(member=author, thread=thread, body=f"spam {round_}")
        results = race(
            [
                lambda p=post: services.post_hide(member=moderator, post_id=p.pk, reason="Spam"),
                *[
                    lambda m=m, p=post: services.report_create(
                        member=m, post_id=p.pk, reason="spam"
                    )
                    for m in reporters
                ],
            ]
        )
        assert isinstance(results[0], Post), results
        for result in results[1:]:
            assert isinstance(result, (Report, NotFound)), result
        assert not Report.objects.filter(post=post, status=ReportStatus.OPEN).exists()
        filed = [r.pk for r in results[1:] if isinstance(r, Report)]
        assert Report.objects.filter(pk__in=filed, status=ReportStatus.ACTIONED).count() == len(
            filed
        )


# --- replies ----------------------------------------------------------------------------


def test_replies_to_a_question_at_once_are_all_counted_and_it_is_answered_once(cohort, qa_space):
    asker, *answerers = _students(cohort, 7)
    question = services.thread_create(member=asker, space=qa_space, title="How?", body="?")

    results = race(
        [
            lambda m=m: services.reply_create(member=m, thread=question, body="Like this")
            for m in answerers
        ]
    )

    assert all(isinstance(r, Post) for r in results), results
    question.refresh_from_db()
    assert question.reply_count == len(answerers)
    assert question.answered_at == min(r.created_at for r in results)


def test_a_reply_racing_a_lock_lands_before_the_lock_or_is_refused(cohort):
    author, *repliers = _students(cohort, 6)
    (moderator,) = _moderators(cohort, 1)
    general = space_of(cohort, SpaceKind.GENERAL)
    thread = services.thread_create(member=author, space=general, title="T", body="b")

    results = race(
        [
            lambda: services.thread_lock(
                member=moderator, thread_id=thread.pk, locked=True, reason="Enough"
            ),
            *[
                lambda m=m: services.reply_create(member=m, thread=thread, body="one more")
                for m in repliers
            ],
        ]
    )

    thread.refresh_from_db()
    assert thread.locked_at is not None
    landed = [r for r in results[1:] if isinstance(r, Post)]
    refused = [r for r in results[1:] if not isinstance(r, Post)]
    assert all(isinstance(r, Conflict) and r.code == "thread_locked" for r in refused), refused
    assert all(p.created_at < thread.locked_at for p in landed)
    replies = Post.objects.filter(thread=thread, is_opening=False)
    assert not replies.filter(created_at__gte=thread.locked_at).exists()
    assert replies.count() == thread.reply_count == len(landed)


# --- the fan-out ------------------------------------------------------------------------


def test_a_posts_fan_out_run_by_several_workers_at_once_tells_everyone_once(cohort):
    author, replier, mentioned, *followers = _students(cohort, 23)
    general = space_of(cohort, SpaceKind.GENERAL)
    thread = services.thread_create(member=author, space=general, title="T", body="b")
    for follower in followers:
        services.follow_set(member=follower, thread_id=thread.pk, on=True)
    reply = services.reply_create(
        member=replier, thread=thread, body=f"see @{mentioned.user.username}"
    )
    # As if its task was lost before it ran: nothing made yet.
    Notification.objects.all().delete()
    Post.objects.filter(pk=reply.pk).update(fanned_out_at=None)
    mail.outbox.clear()

    results = race([lambda: services.post_fan_out(post_id=reply.pk) for _ in range(4)])

    expected = {
        author.user.pk: Kind.COMMUNITY_REPLY,
        mentioned.user.pk: Kind.COMMUNITY_MENTION,
        **{f.user.pk: Kind.COMMUNITY_FOLLOWED for f in followers},
    }
    rows = list(Notification.objects.filter(key=f"post:{reply.pk}").values_list("user_id", "kind"))
    assert Counter(user for user, _kind in rows) == Counter(set(expected))  # once each
    assert dict(rows) == expected
    assert sum(results) == len(expected)  # one run made them, the others found them done
    assert Post.objects.get(pk=reply.pk).fanned_out_at is not None
    # The two told at once are emailed once; followers wait for their digest.
    recipients = Counter(m.to[0] for m in mail.outbox)
    assert recipients == Counter({author.user.email: 1, mentioned.user.email: 1})


# --- spaces -----------------------------------------------------------------------------


def test_two_syncs_of_a_new_cohort_at_once_make_each_space_once(cohort):
    Space.objects.filter(cohort=cohort).delete()

    results = race(
        [lambda: services.spaces_sync(cohort=Cohort.objects.get(pk=cohort.pk)) for _ in range(3)]
    )

    spaces = Space.objects.filter(cohort=cohort)
    assert sum(results) == spaces.count() == 3 + 4
    assert Counter(spaces.values_list("kind", flat=True)) == {
        "general": 1,
        "introductions": 1,
        "announcements": 1,
        "module": 4,
    }
    assert spaces.values("module").distinct().count() == 5  # four modules and None


# --- the rate limit ---------------------------------------------------------------------


@pytest.fixture
def tight_limits(settings):
    settings.LMS_COMMUNITY_RATE_LIMITS = {"thread": (3, 600), "reply": (3, 600)}


def test_threads_started_in_a_burst_from_parallel_connections_stay_within_the_limit(
    cohort, tight_limits
):
    (member,) = _students(cohort, 1)
    general = space_of(cohort, SpaceKind.GENERAL)

    results = race(
        [
            lambda n=n: services.thread_create(
                member=member, space=general, title=f"T{n}", body="b"
            )
            for n in range(8)
        ]
    )

    started = [r for r in results if isinstance(r, Thread)]
    refused = [r for r in results if not isinstance(r, Thread)]
    assert len(started) == 3, results
    assert all(isinstance(r, TooManyAttempts) for r in refused), refused
    assert Thread.objects.filter(author=member.user).count() == 3


def test_replies_posted_in_a_burst_across_threads_stay_within_the_limit(cohort, tight_limits):
    (member,) = _students(cohort, 1)
    hosts = _moderators(cohort, 1)
    general = space_of(cohort, SpaceKind.GENERAL)
    threads = [
        services.thread_create(member=hosts[0], space=general, title=f"T{n}", body="b")
        for n in range(8)
    ]

    results = race(
        [lambda t=t: services.reply_create(member=member, thread=t, body="me too") for t in threads]
    )

    assert sum(isinstance(r, Post) for r in results) == 3, results
    assert all(isinstance(r, (Post, TooManyAttempts)) for r in results), results
    assert Post.objects.filter(author=member.user).count() == 3
