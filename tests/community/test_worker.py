"""A reply through a real `celery worker` on Redis: the fan-out and the deliveries run in
the worker; the mentioned member is emailed once, followers get one digest, and a
duplicated task message or another sweep changes nothing."""

from __future__ import annotations

from collections import Counter
from email import message_from_string, policy

import pytest

from community import services
from community.models import Post, SpaceKind
from community.tasks import fan_out
from lms.celery import app
from lms.models import SentEmail
from notifications.models import Delivery, Kind, Notification
from tests.community.conftest import member_of, space_of
from tests.factories import EnrolmentFactory, UserFactory
from tests.worker_support import broker_drained, wait_until, worker  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEPARATOR = "\n" + "-" * 79 + "\n"


@pytest.fixture
def digests_due_at_any_hour(monkeypatch):
    """The worker sends a digest whatever the hour of the run (set before it starts)."""
    monkeypatch.setenv("LMS_DIGEST_HOUR", "0")


def _mailbox(directory) -> list:
    if not directory.exists():
        return []
    texts = [path.read_text() for path in sorted(directory.iterdir())]
    return [
        message_from_string(chunk.strip(), policy=policy.default)
        for text in texts
        for chunk in text.split(SEPARATOR)
        if chunk.strip()
    ]


def _recipients(directory) -> Counter:
    return Counter(message["To"] for message in _mailbox(directory))


def test_a_mention_is_emailed_once_and_followers_get_one_digest_through_the_worker(
    digests_due_at_any_hour,
    worker,  # noqa: F811
    cohort,
):
    def student(name):
        return member_of(
            EnrolmentFactory(cohort=cohort, user=UserFactory(username=name)).user, cohort
        )

    author, replier, mentioned = student("ann"), student("ben"), student("cai")
    followers = [student(f"fol{n}") for n in range(3)]
    # Each was welcomed on joining (what activation does); the sweep below has none due.
    for who in (author, replier, mentioned, *followers):
        services.member_welcome(cohort_id=cohort.pk, user_id=who.user.pk)
    assert wait_until(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists())
    assert wait_until(broker_drained)
    welcomes = _recipients(worker)
    assert welcomes == Counter(
        {who.user.email: 1 for who in (author, replier, mentioned, *followers)}
    )
    general = space_of(cohort, SpaceKind.GENERAL)
    thread = services.thread_create(member=author, space=general, title="Week 2", body="Hi")
    # The mentioned member follows the thread too: told once, as mentioned.
    for follower in [*followers, mentioned]:
        services.follow_set(member=follower, thread_id=thread.pk, on=True)

    reply = services.reply_create(
        member=replier, thread=thread, body="Thanks! @cai, you asked about this."
    )

    rows = Notification.objects.filter(key=f"post:{reply.pk}")
    assert wait_until(lambda: Post.objects.get(pk=reply.pk).fanned_out_at is not None)
    assert wait_until(
        lambda: rows.filter(delivery=Delivery.IMMEDIATELY, emailed_at__isnull=False).count() == 2
    )
    assert wait_until(broker_drained)
    assert dict(rows.values_list("user_id", "kind")) == {
        author.user.pk: Kind.COMMUNITY_REPLY,
        mentioned.user.pk: Kind.COMMUNITY_MENTION,
        **{f.user.pk: Kind.COMMUNITY_FOLLOWED for f in followers},
    }
    assert _recipients(worker) - welcomes == Counter(
        {mentioned.user.email: 1, author.user.email: 1}
    )
    subjects = [m["Subject"] for m in _mailbox(worker) if m["To"] == mentioned.user.email]
    assert "Ben mentioned you in “Week 2”" in subjects
    # Followers chose nothing: theirs wait for the digest.
    waiting = rows.filter(kind=Kind.COMMUNITY_FOLLOWED)
    assert set(waiting.values_list("delivery", flat=True)) == {Delivery.DIGEST}
    assert not waiting.filter(emailed_at__isnull=False).exists()

    app.send_task("notifications.tasks.send_digests")
    assert wait_until(lambda: not waiting.filter(emailed_at__isnull=True).exists())
    assert wait_until(broker_drained)
    after_digest = _recipients(worker)
    assert after_digest - welcomes == Counter(
        {mentioned.user.email: 1, author.user.email: 1, **{f.user.email: 1 for f in followers}}
    )
    digest = next(m for m in _mailbox(worker) if m["Subject"].startswith("Your daily summary"))
    assert "Week 2" in digest.get_body(preferencelist=("plain",)).get_content()

    # A duplicated task message, the sweep, another delivery and another digest run.
    fan_out.delay(reply.pk)
    fan_out.delay(reply.pk)
    app.send_task("community.tasks.resume")
    app.send_task("notifications.tasks.deliver_pending")
    app.send_task("notifications.tasks.send_digests")
    assert wait_until(broker_drained)
    assert rows.count() == 2 + len(followers)
    assert _recipients(worker) == after_digest
    digests = SentEmail.objects.filter(key__startswith="digest:")
    assert sorted(digests.values_list("recipient", flat=True)) == sorted(
        f.user.email for f in followers
    )
