"""The community's REST API: each endpoint per role, the locked-space rule (a locked
module space shows its title and unlock moment and nothing else, anywhere), and bad
input refused with a 400 and nothing written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from cms.models import CourseSpace
from cohorts.services import module_unlock_override_set
from community import services
from community.models import (
    DirectoryListing,
    Follow,
    MemberProfile,
    ModerationAction,
    Mute,
    Post,
    PostImage,
    Reaction,
    Report,
    ReportStatus,
    Role,
    RoleKind,
    Space,
    SpaceKind,
    Thread,
    ThreadRead,
)
from tests.community.conftest import member_of
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
LOCKED_KEYS = {"id", "kind", "title", "locked", "unlocks_at"}


def _as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def sam(enrolment):
    return enrolment.user


@pytest.fixture
def mentor(cohort):
    user = UserFactory(username="mo")
    Role.objects.create(user=user, role=RoleKind.MENTOR, cohort=cohort)
    return user


@pytest.fixture
def moderator(cohort):
    user = UserFactory(username="mia")
    Role.objects.create(user=user, role=RoleKind.MODERATOR, course=cohort.course)
    return user


@pytest.fixture
def staff(db):
    return staff_user(username="stef")


@pytest.fixture
def stranger(db):
    return UserFactory(username="zed")


@pytest.fixture
def qa_space(cohort, course):
    CourseSpace.objects.create(course=course, name="Ask the instructors", is_qa=True)
    services.course_spaces_sync(course_id=course.pk)
    return Space.objects.get(cohort=cohort, kind=SpaceKind.COURSE)


def _thread(user, space, title="Hello", body="First words."):
    return services.thread_create(
        member=member_of(user, space.cohort), space=space, title=title, body=body
    )


def _reply(user, thread, body="A reply.", parent_id=None):
    return services.reply_create(
        member=member_of(user, thread.space.cohort), thread=thread, body=body, parent_id=parent_id
    )


def _opening(thread) -> Post:
    return Post.objects.get(thread=thread, is_opening=True)


def _relock(cohort, space) -> None:
    """A later unlock override moves the space's module back into the future."""
    module_unlock_override_set(
        cohort=cohort,
        module=space.module,
        unlocks_at=timezone.now() + dt.timedelta(days=30),
        reason="Moved to next month",
    )


# --- The community home -----------------------------------------------------------------


def test_a_student_sees_the_spaces_and_a_locked_space_shows_only_its_title_and_unlock_moment(
    sam, cohort
):
    response = _as(sam).get(f"{API}/cohorts/{cohort.pk}/community/")
    assert response.status_code == 200
    body = response.json()
    assert body["member"]["role"] == "student"
    assert body["member"]["may_moderate"] is False and body["member"]["may_write"] is True
    assert body["needs_hello"] is True
    assert body["unanswered"] is None and body["open_reports"] is None
    spaces = {(s["kind"], s["title"]): s for s in body["spaces"]}
    general = spaces[("general", "Cohort space")]
    assert general["locked"] is False and general["unread"] == 0
    assert general["hosts_only"] is False and general["is_qa"] is False
    assert spaces[("announcements", "Announcements")]["hosts_only"] is True
    locked = spaces[("module", "Module 3")]
    assert set(locked) == LOCKED_KEYS
    assert locked["locked"] is True and locked["unlocks_at"]
    assert spaces[("module", "Module 1")]["locked"] is False


def test_hosts_and_mentors_see_what_waits_for_them(
    cohort, instructor, mentor, moderator, staff, qa_space, sam, classmate
):
    question = _thread(sam, qa_space, title="Where is the reading list?")
    Report.objects.create(
        post=_opening(question), reporter=classmate, reason="spam", created_at=timezone.now()
    )
    expected = {
        instructor: ("instructor", 1, 1),
        moderator: ("guest", 1, 1),
        mentor: ("guest", 1, None),
        staff: ("staff", 1, 1),
        classmate: ("student", None, None),
    }
    for user, (role, unanswered, reports) in expected.items():
        body = _as(user).get(f"{API}/cohorts/{cohort.pk}/community/").json()
        assert (body["member"]["role"], body["unanswered"], body["open_reports"]) == (
            role,
            unanswered,
            reports,
        ), user.username
    assert _as(mentor).get(f"{API}/cohorts/{cohort.pk}/community/").json()["member"]["mentor"]


def test_a_stranger_hears_404_and_an_anonymous_caller_401(cohort, stranger):
    assert _as(stranger).get(f"{API}/cohorts/{cohort.pk}/community/").status_code == 404
    response = _as(None).get(f"{API}/cohorts/{cohort.pk}/community/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Spaces and threads -----------------------------------------------------------------


def test_a_student_starts_a_thread_and_finds_it_in_the_space(sam, classmate, general):
    response = _as(sam).post(
        f"{API}/spaces/{general.pk}/threads/",
        {"title": "Hello all", "body": "I am **Sam**."},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["title"] == "Hello all"
    assert created["author"] == {"id": sam.pk, "name": sam.get_display_name()}
    assert created["reply_count"] == 0 and created["unread"] is False
    listing = _as(classmate).get(f"{API}/spaces/{general.pk}/threads/").json()
    assert listing["count"] == 1 and listing["page"] == 1 and listing["may_start"] is True
    row = listing["results"][0]
    assert row["id"] == created["id"] and row["unread"] is True
    assert row["waiting_seconds"] is None


def test_only_hosts_start_threads_in_announcements(sam, instructor, announcements):
    url = f"{API}/spaces/{announcements.pk}/threads/"
    refused = _as(sam).post(url, {"title": "Hi", "body": "Hello"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "hosts_only"
    assert not Thread.objects.filter(space=announcements).exists()
    assert _as(instructor).post(url, {"title": "Hi", "body": "Hello"}, format="json").status_code
    assert Thread.objects.filter(space=announcements).count() == 1


def test_a_thread_of_a_deleted_account_reads_a_former_member(sam, classmate, general):
    thread = _thread(sam, general)
    sam.delete()
    row = _as(classmate).get(f"{API}/spaces/{general.pk}/threads/").json()["results"][0]
    assert row["id"] == thread.pk
    assert row["author"] is None and row["author_name"] == "A former member"


def test_hosts_see_how_long_an_unanswered_question_waits(sam, instructor, qa_space):
    _thread(sam, qa_space, title="How long should the essay be?")
    row = _as(instructor).get(f"{API}/spaces/{qa_space.pk}/threads/").json()["results"][0]
    assert row["is_question"] is True and row["answered"] is False
    assert row["waiting_seconds"] >= 0
    mine = _as(sam).get(f"{API}/spaces/{qa_space.pk}/threads/").json()["results"][0]
    assert mine["waiting_seconds"] is None


def test_marking_a_space_read_clears_its_unread_threads(sam, classmate, general):
    _thread(sam, general)
    client = _as(classmate)
    assert client.post(f"{API}/spaces/{general.pk}/read/").status_code == 204
    assert client.get(f"{API}/spaces/{general.pk}/threads/").json()["results"][0]["unread"] is False


def test_a_page_of_threads_costs_the_same_queries_for_many_threads(
    sam, general, django_assert_max_num_queries
):
    client = _as(sam)
    url = f"{API}/spaces/{general.pk}/threads/"
    _thread(sam, general)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(12):
        Thread.objects.create(
            space=general,
            author=sam,
            title=f"Thread {n}",
            created_at=timezone.now(),
            last_activity_at=timezone.now(),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).json()["results"]) == 13


# --- A thread ---------------------------------------------------------------------------


def test_a_thread_shows_its_opening_post_and_nested_replies_and_marks_it_read(
    sam, classmate, instructor, general
):
    thread = _thread(sam, general, body="Hello @bea")
    top = _reply(classmate, thread, body="Welcome!")
    _reply(instructor, thread, body="Glad you are here.", parent_id=top.pk)
    Reaction.objects.create(post=top, user=sam, kind="heart", created_at=timezone.now())
    response = _as(sam).get(f"{API}/threads/{thread.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["thread"]["title"] == "Hello"
    assert body["opening"]["body_html"].startswith('<p>Hello <span class="mention">@bea')
    assert body["opening"]["state"] == "visible" and body["opening"]["mine"] is True
    assert body["count"] == 1 and body["may_reply"] is True and body["following"] is True
    reply = body["replies"][0]
    assert reply["author"]["id"] == classmate.pk and reply["parent_id"] is None
    heart = next(r for r in reply["reactions"] if r["kind"] == "heart")
    assert (heart["count"], heart["mine"], heart["emoji"]) == (1, True, "❤️")
    child = reply["children"][0]
    assert child["parent_id"] == top.pk and child["author_role"] == "Instructor"
    # Reading it marked it read up to its latest activity.
    thread.refresh_from_db()
    assert ThreadRead.objects.get(user=sam, thread=thread).read_at == thread.last_activity_at


def test_a_hidden_reply_has_no_text_for_members_and_its_reason_for_moderators(
    sam, classmate, instructor, general
):
    thread = _thread(sam, general)
    reply = _reply(classmate, thread, body="Buy cheap watches")
    services.post_hide(
        member=member_of(instructor, general.cohort), post_id=reply.pk, reason="Spam"
    )
    members = _as(sam).get(f"{API}/threads/{thread.pk}/").json()["replies"][0]
    assert (members["state"], members["body_html"], members["hidden_reason"]) == (
        "hidden",
        None,
        None,
    )
    hosts = _as(instructor).get(f"{API}/threads/{thread.pk}/").json()["replies"][0]
    assert "cheap watches" in hosts["body_html"] and hosts["hidden_reason"] == "Spam"


def test_a_thread_page_costs_the_same_queries_for_many_replies(
    sam, classmate, general, django_assert_max_num_queries
):
    thread = _thread(sam, general)
    top = _reply(classmate, thread)
    _reply(sam, thread, parent_id=top.pk)
    client = _as(sam)
    with django_assert_max_num_queries(40) as few:
        client.get(f"{API}/threads/{thread.pk}/")
    for _n in range(8):
        parent = Post.objects.create(
            thread=thread, author=classmate, body_source="x", body_html="<p>x</p>",
            created_at=timezone.now(),
        )  # fmt: skip
        Post.objects.create(
            thread=thread, parent=parent, author=sam, body_source="y", body_html="<p>y</p>",
            created_at=timezone.now(),
        )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{API}/threads/{thread.pk}/").json()["replies"]) == 9


def test_replies_nest_one_level_and_answer_201(sam, classmate, general):
    thread = _thread(sam, general)
    top = _reply(classmate, thread)
    response = _as(sam).post(
        f"{API}/threads/{thread.pk}/replies/",
        {"body": "Thanks!", "parent_id": top.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["parent_id"] == top.pk
    assert response.json()["body_html"] == "<p>Thanks!</p>\n"


def test_a_member_posting_too_fast_hears_429_with_retry_after(sam, classmate, general, settings):
    settings.LMS_COMMUNITY_RATE_LIMITS = {"thread": (5, 600), "reply": (1, 600)}
    thread = _thread(classmate, general)
    client = _as(sam)
    url = f"{API}/threads/{thread.pk}/replies/"
    assert client.post(url, {"body": "One"}, format="json").status_code == 201
    response = client.post(url, {"body": "Two"}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "posting_too_fast"
    assert 1 <= int(response["Retry-After"]) <= 600
    assert Post.objects.filter(thread=thread, author=sam).count() == 1


def test_following_a_thread_can_be_turned_off_and_on(sam, classmate, general):
    thread = _thread(classmate, general)
    client = _as(sam)
    url = f"{API}/threads/{thread.pk}/follow/"
    assert client.put(url, {"following": True}, format="json").json() == {"following": True}
    assert Follow.objects.filter(thread=thread, user=sam).exists()
    assert client.put(url, {"following": False}, format="json").status_code == 200
    assert not Follow.objects.filter(thread=thread, user=sam).exists()
    for wrong in ("yes", 1, None, "True"):
        response = client.put(url, {"following": wrong}, format="json")
        assert response.status_code == 400, wrong
        assert list(response.json()["errors"]) == ["following"]
    assert not Follow.objects.filter(thread=thread, user=sam).exists()


def test_the_asker_accepts_an_answer_and_another_student_may_not(sam, classmate, qa_space):
    question = _thread(sam, qa_space, title="Which font?")
    answer = _reply(classmate, question, body="Georgia.")
    url = f"{API}/threads/{question.pk}/accepted-answer/"
    refused = _as(classmate).put(url, {"post_id": answer.pk}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_asker"
    response = _as(sam).put(url, {"post_id": answer.pk}, format="json")
    assert response.status_code == 200 and response.json()["accepted"] is True
    assert _as(sam).put(url, {"post_id": None}, format="json").json()["accepted"] is False


def test_moderators_lock_a_thread_and_students_may_not(sam, classmate, moderator, general):
    thread = _thread(classmate, general)
    url = f"{API}/threads/{thread.pk}/lock/"
    refused = _as(sam).post(url, {"locked": True, "reason": "Heated"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_moderator"
    missing = _as(moderator).post(url, {"locked": True}, format="json")
    assert missing.status_code == 400 and list(missing.json()["errors"]) == ["reason"]
    response = _as(moderator).post(url, {"locked": True, "reason": "Heated"}, format="json")
    assert response.status_code == 200 and response.json()["locked"] is True
    reply = _as(sam).post(f"{API}/threads/{thread.pk}/replies/", {"body": "Hi"}, format="json")
    assert reply.status_code == 409 and reply.json()["code"] == "thread_locked"
    assert ModerationAction.objects.filter(action="lock").count() == 1


def test_mentors_pin_threads_and_students_may_not(sam, mentor, general):
    thread = _thread(sam, general)
    url = f"{API}/threads/{thread.pk}/pin/"
    assert _as(sam).post(url, {"pinned": True}, format="json").status_code == 403
    response = _as(mentor).post(url, {"pinned": True}, format="json")
    assert response.status_code == 200 and response.json()["pinned"] is True


def test_moderators_move_a_thread_to_another_space(sam, instructor, general, introductions):
    thread = _thread(sam, general)
    url = f"{API}/threads/{thread.pk}/move/"
    body = {"space_id": introductions.pk, "reason": "An introduction"}
    assert _as(sam).post(url, body, format="json").status_code == 403
    response = _as(instructor).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["space_id"] == introductions.pk


def test_staff_may_moderate_every_cohort(sam, staff, general):
    thread = _thread(sam, general)
    response = _as(staff).post(f"{API}/threads/{thread.pk}/pin/", {"pinned": True}, format="json")
    assert response.status_code == 200


# --- Posts ------------------------------------------------------------------------------


def test_the_author_edits_a_post_and_its_history_is_kept(sam, classmate, instructor, general):
    thread = _thread(sam, general, body="First draft")
    post = _opening(thread)
    url = f"{API}/posts/{post.pk}/"
    refused = _as(instructor).patch(url, {"body": "Not mine"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_author"
    response = _as(sam).patch(url, {"body": "Second draft", "title": "Hi there"}, format="json")
    assert response.status_code == 200
    assert response.json()["body_html"] == "<p>Second draft</p>\n"
    assert response.json()["edited_at"]
    assert Thread.objects.get(pk=thread.pk).title == "Hi there"
    history = _as(sam).get(f"{url}history/").json()
    assert [r["title"] for r in history["revisions"]] == ["Hello"]
    assert "First draft" in history["revisions"][0]["body_html"]
    assert _as(instructor).get(f"{url}history/").status_code == 200
    assert _as(classmate).get(f"{url}history/").status_code == 404


def test_the_author_removes_a_post_and_the_replies_stay(sam, classmate, general):
    thread = _thread(classmate, general)
    reply = _reply(sam, thread)
    assert _as(classmate).delete(f"{API}/posts/{reply.pk}/").status_code == 403
    assert _as(sam).delete(f"{API}/posts/{reply.pk}/").status_code == 204
    shown = _as(classmate).get(f"{API}/threads/{thread.pk}/").json()["replies"][0]
    assert (shown["state"], shown["body_html"]) == ("removed", None)


def test_reactions_go_on_and_off_and_unknown_kinds_are_refused(sam, classmate, general):
    post = _opening(_thread(classmate, general))
    client = _as(sam)
    response = client.put(f"{API}/posts/{post.pk}/reactions/celebrate/")
    assert response.status_code == 200
    celebrate = next(r for r in response.json() if r["kind"] == "celebrate")
    assert (celebrate["count"], celebrate["mine"]) == (1, True)
    assert client.put(f"{API}/posts/{post.pk}/reactions/celebrate/").status_code == 200
    assert Reaction.objects.filter(post=post).count() == 1
    assert client.delete(f"{API}/posts/{post.pk}/reactions/celebrate/").status_code == 200
    assert not Reaction.objects.filter(post=post).exists()
    unknown = client.put(f"{API}/posts/{post.pk}/reactions/poop/")
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["kind"] and "heart" in unknown.json()["detail"]
    assert not Reaction.objects.filter(post=post).exists()


def test_a_member_reports_a_post_once_and_not_their_own(sam, classmate, general):
    post = _opening(_thread(classmate, general))
    url = f"{API}/posts/{post.pk}/report/"
    response = _as(sam).post(url, {"reason": "spam", "note": "Links"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "open" and response.json()["reporter"]["id"] == sam.pk
    again = _as(sam).post(url, {"reason": "spam"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reported"
    own = _as(classmate).post(url, {"reason": "spam"}, format="json")
    assert own.status_code == 409 and own.json()["code"] == "own_post"
    wrong = _as(sam).post(url, {"reason": "boring"}, format="json")
    assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["reason"]
    assert Report.objects.count() == 1


def test_moderators_hide_and_restore_a_post(sam, classmate, moderator, general):
    thread = _thread(sam, general)
    reply = _reply(classmate, thread, body="Rude words")
    url = f"{API}/posts/{reply.pk}/"
    assert _as(sam).post(f"{url}hide/", {"reason": "Rude"}, format="json").status_code == 403
    blank = _as(moderator).post(f"{url}hide/", {"reason": ""}, format="json")
    assert blank.status_code == 400 and Post.objects.get(pk=reply.pk).hidden_at is None
    hidden = _as(moderator).post(f"{url}hide/", {"reason": "Rude"}, format="json")
    assert hidden.status_code == 200
    assert hidden.json()["state"] == "hidden" and hidden.json()["hidden_reason"] == "Rude"
    restored = _as(moderator).post(f"{url}restore/", {}, format="json")
    assert restored.status_code == 200 and restored.json()["state"] == "visible"


def test_mentors_endorse_an_answer_and_students_may_not(sam, classmate, mentor, qa_space):
    question = _thread(sam, qa_space)
    answer = _reply(classmate, question)
    url = f"{API}/posts/{answer.pk}/endorsement/"
    refused = _as(sam).put(url, {"endorsed": True}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_mentor"
    response = _as(mentor).put(url, {"endorsed": True}, format="json")
    assert response.status_code == 200
    assert response.json()["endorsed_by"] == {"id": mentor.pk, "name": mentor.get_display_name()}
    assert _as(mentor).put(url, {"endorsed": False}, format="json").json()["endorsed_by"] is None


# --- People ------------------------------------------------------------------------------


def test_mention_suggestions_are_members_in_the_shape_the_pages_use(
    sam, classmate, instructor, stranger, cohort
):
    response = _as(sam).get(f"{API}/cohorts/{cohort.pk}/community/members/", {"q": "b"})
    assert response.json() == {
        "results": [{"id": classmate.pk, "username": "bea", "name": classmate.get_display_name()}]
    }
    everyone = _as(sam).get(f"{API}/cohorts/{cohort.pk}/community/members/").json()["results"]
    assert {p["username"] for p in everyone} == {"bea", "ines"}
    assert _as(stranger).get(f"{API}/cohorts/{cohort.pk}/community/members/").status_code == 404


def test_a_member_chooses_to_be_listed_with_a_profile(sam, classmate, cohort):
    client = _as(sam)
    profile = {"bio": "Baker", "interests": "bread", "links": ["https://example.org/sam"]}
    assert client.put(f"{API}/me/community-profile/", profile, format="json").json() == profile
    assert client.get(f"{API}/me/community-profile/").json() == profile
    listed = client.put(
        f"{API}/cohorts/{cohort.pk}/community/directory/me/", {"listed": True}, format="json"
    )
    assert listed.json() == {"listed": True}
    directory = _as(classmate).get(f"{API}/cohorts/{cohort.pk}/community/directory/").json()
    assert directory["listed"] is False
    assert directory["results"] == [
        {
            "id": sam.pk,
            "username": "sam",
            "name": sam.get_display_name(),
            "bio": "Baker",
            "interests": "bread",
            "links": ["https://example.org/sam"],
        }
    ]


def test_a_profile_with_a_link_that_is_not_a_web_address_is_refused(sam):
    client = _as(sam)
    for links in (["javascript:alert(1)"], ["https://a.org"] * 4, "https://a.org", [{"a": 1}]):
        response = client.put(f"{API}/me/community-profile/", {"links": links}, format="json")
        assert response.status_code == 400, links
        assert list(response.json()["errors"]) == ["links"]
    assert not MemberProfile.objects.filter(user=sam).exists()


def _png(size=(3, 2)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, "red").save(data, "PNG")
    data.seek(0)
    data.name = "photo.png"
    return data


def test_a_member_uploads_an_image_and_gets_its_markdown(sam, cohort):
    url = f"{API}/cohorts/{cohort.pk}/community/images/"
    response = _as(sam).post(url, {"image": _png()}, format="multipart")
    assert response.status_code == 201, response.content
    image = PostImage.objects.get()
    assert response.json() == {
        "id": image.pk,
        "url": f"/community/images/{image.pk}/",
        "markdown": f"![](/community/images/{image.pk}/)",
        "width": 3,
        "height": 2,
    }


def test_a_file_that_is_not_an_image_is_refused(sam, cohort):
    url = f"{API}/cohorts/{cohort.pk}/community/images/"
    text = io.BytesIO(b"not an image")
    text.name = "photo.png"
    response = _as(sam).post(url, {"image": text}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "not_an_image"
    missing = _as(sam).post(url, {}, format="multipart")
    assert missing.status_code == 400 and list(missing.json()["errors"]) == ["image"]
    as_json = _as(sam).post(url, {"image": "x"}, format="json")
    assert as_json.status_code == 415
    assert not PostImage.objects.exists()


def test_search_finds_posts_in_open_spaces(sam, classmate, cohort, general):
    thread = _thread(classmate, general, title="Sourdough", body="My starter died")
    response = _as(sam).get(f"{API}/cohorts/{cohort.pk}/community/search/", {"q": "starter"})
    assert response.status_code == 200
    [hit] = response.json()["results"]
    assert (hit["thread_id"], hit["thread_title"], hit["excerpt"]) == (
        thread.pk,
        "Sourdough",
        "My starter died",
    )
    assert hit["space"]["kind"] == "general"


def test_guidelines_are_accepted_before_the_first_post(sam, cohort, course, general):
    course.community_guidelines = "<p>Be kind.</p>"
    course.save()
    url = f"{API}/spaces/{general.pk}/threads/"
    home = _as(sam).get(f"{API}/cohorts/{cohort.pk}/community/").json()
    assert home["guidelines_pending"] is True
    refused = _as(sam).post(url, {"title": "Hi", "body": "Hello"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "guidelines_not_accepted"
    assert not Thread.objects.exists()
    accepted = _as(sam).post(f"{API}/cohorts/{cohort.pk}/community/guidelines/accept/")
    assert accepted.status_code == 200 and accepted.json()["accepted_at"]
    assert _as(sam).post(url, {"title": "Hi", "body": "Hello"}, format="json").status_code == 201


# --- Moderation -------------------------------------------------------------------------


def test_hosts_see_the_report_queue_and_dismiss_a_report(sam, classmate, instructor, general):
    post = _opening(_thread(classmate, general, body="Odd text"))
    report = services.report_create(
        member=member_of(sam, general.cohort), post_id=post.pk, reason="off_topic"
    )
    url = f"{API}/cohorts/{general.cohort_id}/community/reports/"
    assert _as(sam).get(url).status_code == 403
    [queued] = _as(instructor).get(url).json()["results"]
    assert queued["id"] == report.pk and queued["post"]["body_html"] == "<p>Odd text</p>\n"
    dismiss = f"{API}/community/reports/{report.pk}/dismiss/"
    assert _as(sam).post(dismiss, {}, format="json").status_code == 403
    response = _as(instructor).post(dismiss, {"reason": "Fine"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    again = _as(instructor).post(dismiss, {}, format="json")
    assert again.status_code == 409
    assert Report.objects.get().status == ReportStatus.DISMISSED


def test_a_moderator_mutes_a_member_for_1_to_90_days_and_lifts_it(sam, moderator, cohort, general):
    url = f"{API}/cohorts/{cohort.pk}/community/mutes/"
    assert (
        _as(sam).post(url, {"user_id": sam.pk, "days": 1, "reason": "x"}, format="json")
    ).status_code == 403
    for days in (0, 91, "seven", 2.5, None):
        response = _as(moderator).post(
            url, {"user_id": sam.pk, "days": days, "reason": "Spam"}, format="json"
        )
        assert response.status_code == 400, days
        assert list(response.json()["errors"]) == ["days"]
    assert not Mute.objects.exists()
    response = _as(moderator).post(
        url, {"user_id": sam.pk, "days": 7, "reason": "Spam"}, format="json"
    )
    assert response.status_code == 201 and response.json()["user_id"] == sam.pk
    post = _as(sam).post(
        f"{API}/spaces/{general.pk}/threads/", {"title": "Hi", "body": "Hi"}, format="json"
    )
    assert post.status_code == 403 and post.json()["code"] == "muted"
    assert _as(moderator).delete(f"{url}{sam.pk}/").status_code == 204
    lifted = _as(moderator).delete(f"{url}{sam.pk}/")
    assert lifted.status_code == 409 and lifted.json()["code"] == "not_muted"


def test_the_pulse_is_for_hosts_and_mentors(sam, mentor, staff, cohort, qa_space):
    _thread(sam, qa_space)
    url = f"{API}/cohorts/{cohort.pk}/community/pulse/"
    assert _as(sam).get(url).status_code == 403
    body = _as(mentor).get(url).json()
    assert body["weeks"][0]["number"] == 1 and sum(w["posts"] for w in body["weeks"]) == 1
    assert body["unanswered"][0]["waiting_seconds"] >= 0
    assert _as(staff).get(url).status_code == 200


# --- The locked-space rule --------------------------------------------------------------


def test_a_locked_space_refuses_its_threads_with_the_unlock_moment(sam, locked_module_space):
    url = f"{API}/spaces/{locked_module_space.pk}/threads/"
    for response in (
        _as(sam).get(url),
        _as(sam).post(url, {"title": "Early", "body": "Hi"}, format="json"),
        _as(sam).post(f"{API}/spaces/{locked_module_space.pk}/read/"),
    ):
        assert response.status_code == 403
        body = response.json()
        assert set(body) == {"detail", "code", "unlocks_at"}
        assert body["code"] == "space_locked" and "opens with its module on" in body["detail"]
    assert not Thread.objects.exists()


def test_a_space_locked_again_shows_nothing_of_its_threads_anywhere(
    sam, classmate, instructor, cohort, open_module_space
):
    thread = _thread(classmate, open_module_space, title="Secret title", body="Secret body")
    reply = _reply(sam, thread, body="Secret reply")
    services.report_create(
        member=member_of(classmate, cohort), post_id=reply.pk, reason="off_topic"
    )
    _relock(cohort, open_module_space)
    refusals = [
        ("get", f"{API}/threads/{thread.pk}/", None),
        ("post", f"{API}/threads/{thread.pk}/replies/", {"body": "More"}),
        ("put", f"{API}/threads/{thread.pk}/follow/", {"following": True}),
        ("post", f"{API}/threads/{thread.pk}/pin/", {"pinned": True}),
        ("patch", f"{API}/posts/{reply.pk}/", {"body": "Changed"}),
        ("get", f"{API}/posts/{reply.pk}/history/", None),
        ("put", f"{API}/posts/{reply.pk}/reactions/heart/", None),
        ("post", f"{API}/posts/{reply.pk}/report/", {"reason": "spam"}),
        ("get", f"{API}/spaces/{open_module_space.pk}/threads/", None),
    ]
    for user in (sam, instructor):
        for method, url, data in refusals:
            response = getattr(_as(user), method)(url, data, format="json")
            assert response.status_code == 403, (user.username, url, response.content)
            assert response.json()["code"] == "space_locked"
            assert "Secret" not in response.content.decode()
    home = _as(instructor).get(f"{API}/cohorts/{cohort.pk}/community/").json()
    space = next(s for s in home["spaces"] if s["id"] == open_module_space.pk)
    assert set(space) == LOCKED_KEYS and space["locked"] is True
    for url in (
        f"{API}/cohorts/{cohort.pk}/community/search/?q=Secret",
        f"{API}/cohorts/{cohort.pk}/community/reports/",
        f"{API}/cohorts/{cohort.pk}/community/pulse/",
    ):
        response = _as(instructor).get(url)
        assert response.status_code == 200 and "Secret" not in response.content.decode(), url
    assert Post.objects.filter(thread=thread).count() == 2
    assert not Follow.objects.filter(thread=thread, user=instructor).exists()


def test_a_question_in_a_space_locked_again_is_not_counted_as_waiting(
    sam, instructor, cohort, course, open_module_space
):
    open_module_space.is_qa = True
    open_module_space.save()
    _thread(sam, open_module_space, title="Secret question")
    _relock(cohort, open_module_space)
    home = _as(instructor).get(f"{API}/cohorts/{cohort.pk}/community/").json()
    assert home["unanswered"] == 0
    pulse = _as(instructor).get(f"{API}/cohorts/{cohort.pk}/community/pulse/").json()
    assert pulse["unanswered"] == []


# --- Bad input --------------------------------------------------------------------------


def _bad(client, url, payload, *, content_type="application/json", method="post"):
    return getattr(client, method)(url, payload, content_type=content_type)


def test_bad_thread_input_is_a_400_with_a_message_and_nothing_is_written(sam, general):
    client = _as(sam)
    url = f"{API}/spaces/{general.pk}/threads/"
    cases = [
        ('{"title": "Hi", "body": ', "parse_error"),
        ('{"title": "Hi\\u0000", "body": "x"}', "parse_error"),
        ('{"title": "Hi", "body": "a\\u0000b"}', "parse_error"),
        ('["title", "body"]', "invalid"),
        ('{"title": ["Hi"], "body": "x"}', "invalid"),
        ('{"title": "Hi", "body": {"text": "x"}}', "invalid"),
        ('{"title": "Hi", "body": "x", "accept_guidelines": "yes"}', "invalid"),
        ('{"title": "", "body": "x"}', "invalid"),
        ('{"title": "' + "t" * 201 + '", "body": "x"}', "invalid"),
        ('{"title": "Hi", "body": "' + "b" * 20_001 + '"}', "invalid"),
        ('{"title": "Hi", "body": "   "}', "invalid"),
    ]
    for payload, code in cases:
        response = _bad(client, url, payload)
        assert response.status_code == 400, (payload[:60], response.content)
        body = response.json()
        assert body["code"] == code and body["detail"], payload[:60]
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_bad_reply_and_post_input_is_a_400_and_nothing_is_written(sam, classmate, general):
    thread = _thread(classmate, general)
    post = _opening(thread)
    client = _as(sam)
    for payload in (
        '{"body": "x", "parent_id": "first"}',
        '{"body": "x", "parent_id": 0}',
        '{"body": "x", "parent_id": 99999999999999999999999}',
        '{"body": null}',
        '{"body": "x\\u0007"}',
    ):
        response = _bad(client, f"{API}/threads/{thread.pk}/replies/", payload)
        assert response.status_code == 400, payload
    missing_parent = _bad(
        client, f"{API}/threads/{thread.pk}/replies/", '{"body": "x", "parent_id": 123456}'
    )
    assert missing_parent.status_code == 404
    own = _as(classmate)
    for payload in ('{"body": 5.5e400}', '{"body": ""}', '{"body": "x", "title": null}'):
        response = _bad(own, f"{API}/posts/{post.pk}/", payload, method="patch")
        assert response.status_code == 400, payload
    assert Post.objects.count() == 1
    assert Post.objects.get().edited_at is None


def test_a_form_body_with_a_nul_byte_is_refused(sam, classmate, general):
    thread = _thread(classmate, general)
    response = _as(sam).post(
        f"{API}/threads/{thread.pk}/replies/",
        "body=a%00b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert Post.objects.count() == 1


def test_unknown_ids_are_404_not_a_server_error(sam):
    client = _as(sam)
    for url in (
        f"{API}/threads/999999/",
        f"{API}/spaces/999999/threads/",
        f"{API}/posts/999999/history/",
        f"{API}/cohorts/999999/community/",
        f"{API}/threads/99999999999999999999/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_directory_listing_takes_a_boolean_only(sam, cohort):
    url = f"{API}/cohorts/{cohort.pk}/community/directory/me/"
    for wrong in ('{"listed": "yes"}', '{"listed": 1}', "{}"):
        assert _bad(_as(sam), url, wrong, method="put").status_code == 400, wrong
    assert not DirectoryListing.objects.exists()


def test_searching_too_often_is_a_429_with_retry_after(sam, cohort, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"community_search": "2/minute"})
    client = _as(sam)
    url = f"{API}/cohorts/{cohort.pk}/community/search/"
    assert [client.get(url, {"q": "bread"}).status_code for _ in range(2)] == [200, 200]
    response = client.get(url, {"q": "bread"})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) >= 1
