"""The community's pages: who sees what, posting through the forms, and refused input
coming back as a 4xx page with the message and nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community import services
from community.models import Mute, Post, Reaction, Report, Role, RoleKind, Thread
from tests.community.conftest import member_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _thread(user, cohort, space, title="Hello", body="Hi all"):
    return services.thread_create(
        member=member_of(user, cohort), space=space, title=title, body=body
    )


def _opening(thread):
    return Post.objects.get(thread=thread, is_opening=True)


def test_member_pages_render_for_a_student_and_are_not_found_for_a_stranger(
    client, enrolment, general, locked_module_space
):
    cohort = enrolment.cohort
    thread = _thread(enrolment.user, cohort, general)
    post = _opening(thread)
    pages = [
        reverse("community:home", args=[cohort.pk]),
        reverse("community:space", args=[general.pk]),
        reverse("community:thread_new", args=[general.pk]),
        reverse("community:thread", args=[thread.pk]),
        reverse("community:search", args=[cohort.pk]) + "?q=Hello",
        reverse("community:directory", args=[cohort.pk]),
        reverse("community:guidelines", args=[cohort.pk]),
        reverse("community:image_upload", args=[cohort.pk]),
        reverse("community:post_edit", args=[post.pk]),
        reverse("community:post_delete", args=[post.pk]),
        reverse("community:post_history", args=[post.pk]),
    ]
    client.force_login(enrolment.user)
    for url in [reverse("community:index"), reverse("community:profile"), *pages]:
        assert client.get(url).status_code == 200, url
    client.force_login(UserFactory(username="stranger"))
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert b"Community</a>" not in client.get(reverse("community:index")).content


def test_host_pages_are_for_hosts_and_refused_to_students(
    client, enrolment, classmate, instructor, general
):
    cohort = enrolment.cohort
    thread = _thread(classmate, cohort, general)
    host_pages = [
        reverse("community:moderation", args=[cohort.pk]),
        reverse("community:pulse", args=[cohort.pk]),
        reverse("community:mute", args=[cohort.pk, classmate.pk]),
        reverse("community:thread_move", args=[thread.pk]),
    ]
    client.force_login(instructor)
    for url in host_pages:
        assert client.get(url).status_code == 200, url
    client.force_login(enrolment.user)
    for url in host_pages:
        assert client.get(url).status_code == 403, url
    mentor = UserFactory(username="mona")
    Role.objects.create(user=mentor, role=RoleKind.MENTOR, cohort=cohort)
    client.force_login(mentor)
    assert client.get(host_pages[1]).status_code == 200  # the pulse is for mentors too
    assert client.get(host_pages[0]).status_code == 403


def test_a_locked_module_space_shows_its_title_and_unlock_moment_only(
    client, enrolment, locked_module_space
):
    client.force_login(enrolment.user)
    response = client.get(reverse("community:space", args=[locked_module_space.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert locked_module_space.title in html and "Unlocks" in html
    assert "thread" not in html.split('id="main"')[1].lower()
    home = client.get(reverse("community:home", args=[enrolment.cohort.pk])).content.decode()
    assert reverse("community:space", args=[locked_module_space.pk]) not in home
    assert (
        client.get(reverse("community:thread_new", args=[locked_module_space.pk])).status_code
        == 403
    )


def test_the_header_shows_community_with_its_unread_count(client, enrolment, classmate, general):
    _thread(classmate, enrolment.cohort, general)
    client.force_login(enrolment.user)
    html = client.get(reverse("cohorts:my_cohorts")).content.decode()
    assert 'href="/community/"' in html and "data-community-unread>1<" in html


def test_posting_flows_through_the_pages(client, enrolment, classmate, instructor, general):
    client.force_login(enrolment.user)
    response = client.post(
        reverse("community:thread_new", args=[general.pk]),
        {"title": "Study group?", "body": "Anyone **in**, @bea?"},
    )
    thread = Thread.objects.get(title="Study group?")
    assert response.status_code == 302 and response.url == f"/community/threads/{thread.pk}/"
    page = client.get(response.url).content.decode()
    assert '<span class="mention">@bea</span>' in page

    client.force_login(classmate)
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Me!"})
    assert response.status_code == 302
    reply = Post.objects.get(thread=thread, body_source="Me!")
    client.force_login(enrolment.user)
    client.post(
        reverse("community:thread_reply", args=[thread.pk]),
        {"body": "Great", "parent_id": reply.pk},
    )
    assert Post.objects.get(body_source="Great").parent_id == reply.pk

    client.post(reverse("community:post_react", args=[reply.pk]), {"kind": "heart", "on": "1"})
    assert Reaction.objects.filter(post=reply, user=enrolment.user, kind="heart").exists()
    page = client.get(f"/community/threads/{thread.pk}/").content.decode()
    assert 'aria-pressed="true" title="Heart"' in page

    opening = _opening(thread)
    client.post(
        reverse("community:post_edit", args=[opening.pk]),
        {"title": "Study group", "body": "Edited"},
    )
    page = client.get(f"/community/threads/{thread.pk}/").content.decode()
    assert reverse("community:post_history", args=[opening.pk]) in page and ">edited<" in page

    client.post(reverse("community:thread_follow", args=[thread.pk]), {"on": "0"})
    assert (
        'aria-pressed="false">Follow<'
        in client.get(f"/community/threads/{thread.pk}/").content.decode()
    )

    client.post(reverse("community:post_delete", args=[opening.pk]))
    page = client.get(f"/community/threads/{thread.pk}/").content.decode()
    assert "This post was removed by its author." in page and "Me!" in page


def test_questions_are_accepted_by_the_asker_and_endorsed_by_the_instructor(
    client, enrolment, classmate, instructor, course
):
    from cms.models import CourseSpace
    from community.models import Space

    CourseSpace.objects.create(course=course, name="Help", is_qa=True)
    services.course_spaces_sync(course_id=course.pk)
    qa = Space.objects.get(cohort=enrolment.cohort, is_qa=True)
    thread = _thread(enrolment.user, enrolment.cohort, qa, title="How?", body="Help")
    answer = services.reply_create(
        member=member_of(classmate, enrolment.cohort), thread=thread, body="So."
    )
    client.force_login(enrolment.user)
    client.post(reverse("community:thread_accept", args=[thread.pk]), {"post_id": answer.pk})
    client.force_login(instructor)
    assert b"Endorse<" in client.get(f"/community/threads/{thread.pk}/").content
    client.post(reverse("community:post_endorse", args=[answer.pk]), {"on": "1"})
    page = client.get(f"/community/threads/{thread.pk}/").content.decode()
    assert "Accepted answer" in page and "Endorsed by Ines" in page.replace("ines", "Ines")


def test_a_reported_post_hidden_by_a_moderator_is_gone_for_the_reporter(
    client, enrolment, classmate, instructor, general
):
    thread = _thread(classmate, enrolment.cohort, general, body="Buy my stuff")
    client.force_login(enrolment.user)
    post = _opening(thread)
    response = client.post(
        reverse("community:post_report", args=[post.pk]), {"reason": "spam", "note": "ad"}
    )
    assert response.status_code == 302 and Report.objects.filter(post=post).count() == 1
    client.force_login(instructor)
    queue = client.get(reverse("community:moderation", args=[enrolment.cohort.pk])).content.decode()
    assert "Buy my stuff" in queue and "Spam or advertising" in queue
    client.post(reverse("community:post_hide", args=[post.pk]), {"reason": "Advertising"})
    assert (
        "Hidden from members by" in client.get(f"/community/threads/{thread.pk}/").content.decode()
    )
    client.force_login(enrolment.user)
    assert client.get(f"/community/threads/{thread.pk}/").status_code == 404


def test_a_muted_member_gets_the_form_back_with_the_moderators_message(
    client, enrolment, classmate, instructor, general
):
    thread = _thread(classmate, enrolment.cohort, general)
    client.force_login(instructor)
    response = client.post(
        reverse("community:mute", args=[enrolment.cohort.pk, enrolment.user.pk]),
        {"days": "3", "reason": "Cool down"},
    )
    assert response.status_code == 302 and Mute.objects.filter(user=enrolment.user).exists()
    client.force_login(enrolment.user)
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "But!"})
    assert response.status_code == 403
    assert "Cool down" in response.content.decode() and "But!" in response.content.decode()
    assert not Post.objects.filter(body_source="But!").exists()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("   ", 400, "the text is empty"),
        ("x" * 20_001, 400, "the limit is 20000"),
        ("hi @nobody", 400, "@nobody is not a member of this cohort"),
    ],
    ids=["empty", "oversized", "mention of a non-member"],
)
def test_bad_replies_come_back_with_the_message_and_write_nothing(
    client, enrolment, classmate, general, body, status, message
):
    thread = _thread(classmate, enrolment.cohort, general)
    client.force_login(enrolment.user)
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": body})
    assert response.status_code == status
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Post.objects.filter(thread=thread).count() == 1


def test_scripts_are_shown_as_text(client, enrolment, general):
    client.force_login(enrolment.user)
    client.post(
        reverse("community:thread_new", args=[general.pk]),
        {"title": "x", "body": "<script>alert(1)</script>"},
    )
    thread = Thread.objects.get(title="x")
    page = client.get(f"/community/threads/{thread.pk}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_a_locked_thread_and_a_foreign_space_refuse_replies_and_threads(
    client, enrolment, classmate, instructor, general
):
    from tests.factories import CohortFactory

    thread = _thread(classmate, enrolment.cohort, general)
    services.thread_lock(
        member=member_of(instructor, enrolment.cohort),
        thread_id=thread.pk,
        locked=True,
        reason="Done",
    )
    client.force_login(enrolment.user)
    page = client.get(f"/community/threads/{thread.pk}/").content.decode()
    assert "A moderator locked this thread" in page and 'name="body"' not in page
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Hey"})
    assert response.status_code == 409
    other = CohortFactory(course=enrolment.cohort.course)
    foreign = other.spaces.get(kind="general")
    response = client.post(
        reverse("community:thread_new", args=[foreign.pk]), {"title": "t", "body": "b"}
    )
    assert response.status_code == 404
    assert Post.objects.count() == 1
