"""The running cohort's community: introductions (all but the demo student's, so the
dashboard says "say hello"), a Q&A space with answered, accepted, endorsed and
unanswered questions, an announcement, a busy module thread, a mentor and a report
waiting in the moderation queue.

Written through the services as the people themselves; the moments are then moved
into the past weeks (a demo-only touch-up: the services write "now"), and every post's
notifications are marked made so that loading the demo sends no emails.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cms.models import CoursePage, CourseSpace, SpacePosting
from cohorts.models import Cohort
from community import services
from community.access import community_member
from community.models import Post, Role, RoleKind, Space, SpaceKind, Thread
from home.demo import people
from lms.models import User

WELCOME = (
    "Welcome! I'm Iris, your host for the next eight weeks. Start by telling the group "
    "who you are, where you work and what you want to write better by the end."
)
GUIDELINES = (
    "<p>Be kind and specific. Critique the work, not the person. Keep what others share "
    "in this cohort inside it. No advertising.</p>"
)

INTRODUCTIONS = [
    (
        "learner01",
        "Hi from Utrecht",
        "I write newsletters for a housing co-op and want them read to the end.",
    ),
    (
        "learner02",
        "Emma here 👋",
        "Copywriter at a small agency. Here to get faster at first drafts.",
    ),
    (
        "learner03",
        "Hello everyone",
        "I run the website of our sports club. Looking forward to the peer reviews!",
    ),
    ("learner05", "Finn, Rotterdam", "Policy advisor; my goal is shorter memos."),
    ("learner08", "Mila — hi!", "Freelance translator moving into content writing."),
]


def community(
    course: CoursePage,
    running: Cohort,
    student: User,
    instructor: User,
    classmates: list[User],
    now: dt.datetime,
) -> None:
    course.community_welcome = WELCOME
    course.community_guidelines = GUIDELINES
    course.save(update_fields=["community_welcome", "community_guidelines"])
    CourseSpace.objects.create(
        course=course,
        name="Questions",
        description="Stuck on a lesson or an assignment? Ask here; answers can be accepted.",
        posting=SpacePosting.MEMBERS,
        is_qa=True,
        sort_order=0,
    )
    CourseSpace.objects.create(
        course=course,
        name="Show your work",
        description="Drafts, headlines and before/after rewrites for quick feedback.",
        sort_order=1,
    )
    services.course_spaces_sync(course_id=course.pk)

    mentor = people.user("mentor", name="Bram Koster")
    Role.objects.create(user=mentor, role=RoleKind.MENTOR, course=course)
    by_name = {u.username: u for u in classmates}
    spaces = {
        s.kind if s.kind != SpaceKind.COURSE else s.name: s
        for s in Space.objects.filter(cohort=running)
    }

    def as_member(user: User):
        return community_member(user=user, cohort=running, now=now)

    host = as_member(instructor)
    moments: list[tuple[object, dt.datetime]] = []

    def at(obj, days_ago: float) -> None:
        moments.append((obj, now - dt.timedelta(days=days_ago)))

    welcome = services.thread_create(
        member=host,
        space=spaces[SpaceKind.ANNOUNCEMENTS],
        title="Welcome to the Autumn cohort",
        body="Week 1 opens today. Read the **first two lessons**, then introduce yourself in "
        "*Introductions*. Our first live session is on Thursday.",
    )
    at(welcome, 15)
    for offset, (username, title, body) in enumerate(INTRODUCTIONS):
        thread = services.thread_create(
            member=as_member(by_name[username]),
            space=spaces[SpaceKind.INTRODUCTIONS],
            title=title,
            body=body,
            accept_guidelines=True,
        )
        at(thread, 14 - offset * 2)
        reply = services.reply_create(member=host, thread=thread, body="Welcome! Glad you're here.")
        at(reply, 13.8 - offset * 2)

    questions = spaces["Questions"]
    asker = as_member(by_name["learner03"])
    q1 = services.thread_create(
        member=asker,
        space=questions,
        title="How long should a headline be?",
        body="Lesson 1.2 says *short*, but how short? Is there a rule of thumb?",
        accept_guidelines=True,
    )
    at(q1, 10)
    answer = services.reply_create(
        member=as_member(by_name["learner02"]),
        thread=q1,
        body="We aim for 6 to 10 words at the agency, and put the key word first.",
        accept_guidelines=True,
    )
    at(answer, 9.5)
    services.answer_accept(member=asker, thread_id=q1.pk, post_id=answer.pk)
    services.post_endorse(member=as_member(mentor), post_id=answer.pk, on=True)
    thanks = services.reply_create(
        member=asker, thread=q1, body="Thanks, that helps!", parent_id=answer.pk
    )
    at(thanks, 9.4)

    q2 = services.thread_create(
        member=as_member(by_name["learner05"]),
        space=questions,
        title="Can I hand in a memo instead of a blog post?",
        body="My work is all memos. Would that count for the week 2 assignment?",
        accept_guidelines=True,
    )
    at(q2, 3)
    q3 = services.thread_create(
        member=as_member(by_name["learner08"]),
        space=questions,
        title="Passive voice in translations",
        body="Dutch source texts are full of passive constructions. Do you rewrite all of them?",
        accept_guidelines=True,
    )
    at(q3, 1.2)

    module_space = (
        Space.objects.filter(cohort=running, kind=SpaceKind.MODULE).order_by("position").first()
    )
    busy = services.thread_create(
        member=as_member(by_name["learner01"]),
        space=module_space,
        title="Share your rewritten opening paragraph",
        body="Post your before and after. Mine: *We are pleased to announce…* became "
        "*Rent goes down in May.*",
        accept_guidelines=True,
    )
    at(busy, 12)
    for n, username in enumerate(["learner02", "learner05", "learner08", "learner10", "learner11"]):
        reply = services.reply_create(
            member=as_member(by_name[username]),
            thread=busy,
            body="Before: a long sentence. After: a short one. "
            f"(@{by_name['learner01'].username}, what do you think?)",
            accept_guidelines=True,
        )
        at(reply, 11 - n)
    services.follow_set(member=as_member(student), thread_id=busy.pk, on=True)

    spam = services.thread_create(
        member=as_member(by_name["learner12"]),
        space=spaces[SpaceKind.GENERAL],
        title="Cheap followers for your blog",
        body="Buy 10,000 followers today at example.com!",
        accept_guidelines=True,
    )
    at(spam, 0.5)
    services.report_create(
        member=as_member(by_name["learner02"]),
        post_id=spam.posts.get().pk,
        reason="spam",
        note="Looks like advertising.",
    )

    _move_into_the_past(moments, now)


def _move_into_the_past(moments, now: dt.datetime) -> None:
    for obj, moment in moments:
        if isinstance(obj, Thread):
            Thread.objects.filter(pk=obj.pk).update(created_at=moment, last_activity_at=moment)
            Post.objects.filter(thread=obj, is_opening=True).update(created_at=moment)
        else:
            Post.objects.filter(pk=obj.pk).update(created_at=moment)
            Thread.objects.filter(pk=obj.thread_id, last_activity_at__lt=moment).update(
                last_activity_at=moment
            )
    for thread in Thread.objects.filter(is_question=True):
        first = (
            Post.objects.filter(thread=thread, is_opening=False)
            .exclude(author_id=thread.author_id)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        Thread.objects.filter(pk=thread.pk).update(answered_at=first)
    # The demo's posts are history: nobody is emailed about them when it loads.
    Post.objects.filter(fanned_out_at__isnull=True).update(fanned_out_at=timezone.now())
