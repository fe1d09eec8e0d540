"""The review and grading pages: what a reviewer sees (and never sees), writing a review,
rating and flagging feedback, regrades, the instructors' queue, grading and release,
who may open what, and what each page costs in queries."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from assignments.models import SubmissionStatus
from assignments.services import submission_submit
from reviews.models import (
    Grade,
    GradeSource,
    QueueItem,
    QueueReason,
    RegradeRequest,
    RegradeStatus,
    Review,
    ReviewKind,
    ReviewStatus,
)
from reviews.services import (
    peer_reviews_allocate,
    queue_claim_next,
    regrade_request,
    review_submit,
)
from tests.assertions import unchanged
from tests.assignments.files import AUTHOR, pdf_with_author
from tests.factories import UserFactory
from tests.reviews.conftest import Scenario, build_scenario

pytestmark = pytest.mark.django_db


def allocate(s: Scenario) -> dt.datetime:
    at = s.due_at + dt.timedelta(minutes=1)
    peer_reviews_allocate(run=s.run, now=at)
    return at


def marks(rubric, pick=max) -> dict:
    return {
        c["id"]: {"points": pick(level["points"] for level in c["levels"]), "comment": "Noted."}
        for c in rubric.criteria
    }


def form_data(rubric, pick=max, comment="Clear argument; tighten the ending.") -> dict:
    data = {"comment": comment}
    for c in rubric.criteria:
        data[f"score-{c['id']}"] = pick(level["points"] for level in c["levels"])
        data[f"comment-{c['id']}"] = f"About {c['title']}."
    return data


def write_reviews(s: Scenario, at: dt.datetime, pick=max) -> None:
    for review in Review.objects.filter(
        submission__cohort_assignment=s.run, kind=ReviewKind.PEER, status=ReviewStatus.ASSIGNED
    ).select_related("rubric", "reviewer"):
        review_submit(
            review=review,
            by=review.reviewer,
            scores=marks(review.rubric, pick),
            comment="Good work.",
            now=at,
        )


def review_of(s: Scenario, author) -> Review:
    return Review.objects.select_related("rubric", "reviewer").get(
        submission__author=author, kind=ReviewKind.PEER, reviewer=s.students[1]
    )


def review_url(review: Review, s: Scenario) -> str:
    return reverse("reviews:review", args=[s.cohort.pk, review.public_id])


def graded_scenario() -> tuple[Scenario, dt.datetime]:
    """Three students, two peer reviews each, all written and agreeing: every
    submission has a released peer grade."""
    s = build_scenario(3, peer_reviews=2)
    at = allocate(s)
    write_reviews(s, at + dt.timedelta(minutes=5))
    return s, at


# --- The reviewer's side ----------------------------------------------------------------


def test_the_review_page_never_shows_who_wrote_the_work(client):
    s = build_scenario(2, submit=False, peer_reviews=1, accepts_file=True, accepts_link=True)
    author, reviewer = s.students
    author.display_name, author.username = "Zelda Quixote", "zquixote"
    author.first_name, author.last_name = "Zelda", "Quixote"
    author.save()
    content = pdf_with_author()
    submission_submit(
        cohort=s.cohort,
        assignment_id=s.assignment.pk,
        author=author,
        text="An essay about windmills.",
        link="https://example.org/windmills",
        file=SimpleUploadedFile("zelda-quixote-final.pdf", content),
        now=s.due_at - dt.timedelta(hours=1),
    )
    s.submit(reviewer)
    allocate(s)
    review = Review.objects.get(reviewer=reviewer)
    client.force_login(reviewer)
    response = client.get(review_url(review, s))
    page = response.content.decode()
    assert response.status_code == 200
    assert "An essay about windmills." in page
    assert "https://example.org/windmills" in page
    file_url = reverse("reviews:review_file", args=[s.cohort.pk, review.public_id])
    assert file_url in page
    for leak in ("Zelda", "Quixote", "zquixote", "zelda-quixote-final"):
        assert leak not in page, leak
    assert str(filesizeformat(len(content))) not in page

    download = client.get(file_url)
    assert download.status_code == 200
    assert (
        download["Content-Disposition"]
        == f'attachment; filename="submission-{review.public_id}.pdf"'
    )
    assert download["Content-Type"] == "application/pdf"
    served = b"".join(download.streaming_content)
    assert AUTHOR.encode() in content and AUTHOR.encode() not in served
    with pikepdf.open(io.BytesIO(served)) as pdf:
        assert "/Author" not in pdf.docinfo and "/Metadata" not in pdf.Root


def test_a_reviewer_submits_scores_and_comments(client):
    s = build_scenario(3, peer_reviews=2)
    allocate(s)
    review = review_of(s, s.students[0])
    client.force_login(s.students[1])
    page = client.get(review_url(review, s)).content.decode()
    assert 'type="radio"' in page and f'name="score-{review.rubric.criteria[0]["id"]}"' in page
    response = client.post(review_url(review, s), form_data(review.rubric))
    assert response.status_code == 302
    assert response.url == reverse("reviews:my_reviews", args=[s.cohort.pk])
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    assert review.points == 6
    assert review.comment == "Clear argument; tighten the ending."
    first = review.rubric.criteria[0]
    assert review.scores[first["id"]] == {"points": 4, "comment": "About Argument."}
    # Afterwards the page shows the review as written, with no form.
    page = client.get(review_url(review, s)).content.decode()
    assert "Submitted" in page and "About Argument." in page
    assert 'type="radio"' not in page


def test_a_review_missing_a_score_comes_back_with_what_was_typed(client):
    s = build_scenario(3, peer_reviews=2)
    allocate(s)
    review = review_of(s, s.students[0])
    data = form_data(review.rubric, comment="Half done, but thoughtful.")
    del data[f"score-{review.rubric.criteria[1]['id']}"]
    client.force_login(s.students[1])
    response = client.post(review_url(review, s), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Score “Style”: choose one of its levels." in page
    assert "Half done, but thoughtful." in page
    assert 'value="4" required checked' in page
    review.refresh_from_db()
    assert review.status == ReviewStatus.ASSIGNED


def test_a_peer_review_needs_an_overall_comment(client):
    s = build_scenario(3, peer_reviews=2)
    allocate(s)
    review = review_of(s, s.students[0])
    client.force_login(s.students[1])
    response = client.post(review_url(review, s), form_data(review.rubric, comment=" "))
    assert response.status_code == 400
    assert "Add an overall comment" in response.content.decode()


def test_nobody_else_opens_a_review_or_its_file(client):
    s = build_scenario(3, peer_reviews=1)
    allocate(s)
    review = Review.objects.filter(kind=ReviewKind.PEER).first()
    for user in [u for u in s.students if u.pk != review.reviewer_id] + [s.instructor]:
        client.force_login(user)
        assert client.get(review_url(review, s)).status_code == 404
        file_url = reverse("reviews:review_file", args=[s.cohort.pk, review.public_id])
        assert client.get(file_url).status_code == 404
    # Its own reviewer through another cohort's address: not found either.
    client.force_login(review.reviewer)
    other = build_scenario(1, submit=False)
    assert (
        client.get(reverse("reviews:review", args=[other.cohort.pk, review.public_id])).status_code
        == 404
    )


def test_an_expired_review_shows_no_work(client):
    s = build_scenario(3, peer_reviews=1)
    allocate(s)
    review = Review.objects.filter(kind=ReviewKind.PEER).first()
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.EXPIRED)
    client.force_login(review.reviewer)
    page = client.get(review_url(review, s)).content.decode()
    assert "passed its deadline" in page
    assert "My essay." not in page


def test_my_reviews_lists_what_is_owed_and_done(client):
    s = build_scenario(3, peer_reviews=2)
    allocate(s)
    reviewer = s.students[1]
    done = Review.objects.filter(reviewer=reviewer).select_related("rubric").first()
    review_submit(review=done, by=reviewer, scores=marks(done.rubric), comment="Fine.")
    client.force_login(reviewer)
    page = client.get(reverse("reviews:my_reviews", args=[s.cohort.pk])).content.decode()
    assert page.count(f"/learn/{s.cohort.pk}/reviews/") >= 2
    assert "To do" in page and "Done" in page
    assert "due <time" in page


def test_the_dashboard_lists_reviews_owed_with_their_deadline(client):
    s = build_scenario(3, peer_reviews=2)
    allocate(s)
    client.force_login(s.students[0])
    page = client.get(reverse("cohorts:dashboard", args=[s.cohort.pk])).content.decode()
    assert "Reviews to write" in page
    for review in Review.objects.filter(reviewer=s.students[0]):
        assert review_url(review, s) in page


# --- Feedback: rating, flagging, regrades -----------------------------------------------


def test_the_author_rates_a_review(client):
    s, _at = graded_scenario()
    review = Review.objects.filter(submission__author=s.students[0]).first()
    url = reverse("reviews:rate", args=[s.cohort.pk, review.public_id])
    client.force_login(s.students[0])
    response = client.post(url, {"helpfulness": "4"})
    assert response.status_code == 302
    assert response.url.endswith(f"#review-{review.public_id}")
    review.refresh_from_db()
    assert review.helpfulness == 4
    assert client.post(url, {"helpfulness": "9"}).status_code == 400
    assert client.post(url, {"helpfulness": "lots"}).status_code == 400
    review.refresh_from_db()
    assert review.helpfulness == 4


def test_only_the_author_rates_or_flags_a_review(client):
    s, _at = graded_scenario()
    review = Review.objects.filter(submission__author=s.students[0]).first()
    client.force_login(review.reviewer)
    rate = reverse("reviews:rate", args=[s.cohort.pk, review.public_id])
    flag = reverse("reviews:flag", args=[s.cohort.pk, review.public_id])
    assert client.post(rate, {"helpfulness": "5"}).status_code == 404
    assert client.post(flag, {"reason": "Mine is better."}).status_code == 404
    assert client.get(rate).status_code == 405


def test_the_author_flags_a_review_once_and_it_goes_to_the_queue(client):
    s, _at = graded_scenario()
    review = Review.objects.filter(submission__author=s.students[0]).first()
    url = reverse("reviews:flag", args=[s.cohort.pk, review.public_id])
    client.force_login(s.students[0])
    assert client.post(url, {"reason": " "}).status_code == 400
    response = client.post(url, {"reason": "It insults me."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.flag_reason == "It insults me."
    item = QueueItem.objects.get(submission=review.submission, resolved_at__isnull=True)
    assert QueueReason.FLAGGED in item.reasons
    again = client.post(url, {"reason": "Still rude."})
    assert again.status_code == 409
    assert "flagged this review already" in again.content.decode()
    page = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    assert "You reported this review on" in page.content.decode()


def test_a_student_asks_for_a_regrade_once(client):
    s, _at = graded_scenario()
    author = s.students[0]
    submission = s.submission_of(author)
    url = reverse("reviews:regrade", args=[s.cohort.pk, submission.pk])
    client.force_login(author)
    assert client.post(url, {"reason": "Why?"}).status_code == 400
    response = client.post(url, {"reason": "The style criterion ignores my second part."})
    assert response.status_code == 302
    assert RegradeRequest.objects.get(submission=submission).status == RegradeStatus.OPEN
    again = client.post(url, {"reason": "Please look once more at all of it."})
    assert again.status_code == 409
    assert RegradeRequest.objects.count() == 1
    page = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    page = page.content.decode()
    assert "Your regrade request" in page and "Ask for a regrade" not in page


def test_nobody_asks_a_regrade_of_someone_elses_work(client):
    s, _at = graded_scenario()
    submission = s.submission_of(s.students[0])
    client.force_login(s.students[1])
    url = reverse("reviews:regrade", args=[s.cohort.pk, submission.pk])
    assert client.post(url, {"reason": "Their grade is too high."}).status_code == 404


# --- Instructors: queue, grade next, grading, release -----------------------------------


def test_the_queue_lists_waiting_work_oldest_first_with_names_and_reasons(client):
    s = build_scenario(3, instructor_grading="all")
    allocate(s)
    client.force_login(s.instructor)
    response = client.get(reverse("reviews:queue", args=[s.cohort.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 submissions wait for an instructor" in page
    assert "Instructors grade every submission" in page
    for student in s.students:
        assert student.get_display_name() in page
    assert "Grade next" in page


def test_grade_next_leases_the_oldest_item_and_opens_its_grade_page(client):
    s = build_scenario(3, instructor_grading="all")
    allocate(s)
    oldest = QueueItem.objects.order_by("entered_at", "pk").first()
    client.force_login(s.instructor)
    response = client.post(reverse("reviews:grade_next", args=[s.cohort.pk]))
    assert response.status_code == 302
    assert response.url == reverse("reviews:grade", args=[s.cohort.pk, oldest.submission_id])
    oldest.refresh_from_db()
    assert oldest.leased_by == s.instructor
    page = client.get(reverse("reviews:queue", args=[s.cohort.pk])).content.decode()
    assert "Continue grading it" in page and "Give back" in page


def test_grade_next_on_an_empty_queue_says_so(client):
    s = build_scenario(2)
    client.force_login(s.instructor)
    response = client.post(reverse("reviews:grade_next", args=[s.cohort.pk]), follow=True)
    assert response.redirect_chain == [(reverse("reviews:queue", args=[s.cohort.pk]), 302)]
    assert "Nothing is waiting" in response.content.decode()


def test_an_instructor_gives_a_claimed_item_back(client):
    s = build_scenario(2, instructor_grading="all")
    allocate(s)
    item = queue_claim_next(cohort=s.cohort, by=s.instructor)
    client.force_login(s.instructor)
    response = client.post(reverse("reviews:release_item", args=[s.cohort.pk, item.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.leased_by is None and item.lease_expires_at is None


def test_the_grade_page_shows_names_reviews_and_regrade(client):
    s, _at = graded_scenario()
    author = s.students[0]
    submission = s.submission_of(author)
    regrade_request(submission=submission, by=author, reason="Please look at the style part.")
    client.force_login(s.instructor)
    response = client.get(reverse("reviews:grade", args=[s.cohort.pk, submission.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert author.get_display_name() in page
    for review in Review.objects.filter(submission=submission).select_related("reviewer"):
        assert review.reviewer.get_display_name() in page
    assert "Please look at the style part." in page
    assert "Keep the grade and answer" in page
    assert "Regrade requested" in page
    assert 'type="datetime-local"' in page


def test_an_instructor_grades_and_releases_now(client):
    s = build_scenario(3, instructor_grading="all")
    allocate(s)
    item = queue_claim_next(cohort=s.cohort, by=s.instructor)
    submission = item.submission
    rubric_criteria = [c for c in s.assignment.rubric]
    data = {"feedback": "Solid work.", "release": "now", "reason": "first grade"}
    for block in rubric_criteria:
        data[f"score-{block.id}"] = "2" if block.value["title"] == "Argument" else "1"
        data[f"comment-{block.id}"] = "See margin."
    client.force_login(s.instructor)
    response = client.post(reverse("reviews:grade", args=[s.cohort.pk, submission.pk]), data)
    assert response.status_code == 302
    assert response.url == reverse("reviews:queue", args=[s.cohort.pk])
    grade = Grade.objects.get(submission=submission)
    assert (grade.source, grade.points, grade.graded_by) == (
        GradeSource.INSTRUCTOR,
        3,
        s.instructor,
    )
    assert grade.released_at is not None
    assert grade.feedback == "Solid work."
    item.refresh_from_db()
    assert item.resolved_at is not None
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.GRADED
    # The student sees it.
    client.force_login(submission.author)
    page = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    assert "50%" in page.content.decode() and "Solid work." in page.content.decode()


def test_a_release_moment_is_read_in_the_instructors_timezone(client):
    s = build_scenario(2, instructor_grading="all")
    allocate(s)
    s.instructor.timezone = "Asia/Tokyo"
    s.instructor.save()
    submission = s.submission_of(s.students[0])
    later = (timezone.now() + dt.timedelta(days=3)).astimezone(ZoneInfo("Asia/Tokyo"))
    data = {"release": "later", "release_at": f"{later:%Y-%m-%d}T09:30"}
    for block in s.assignment.rubric:
        data[f"score-{block.id}"] = "0"
    client.force_login(s.instructor)
    response = client.post(reverse("reviews:grade", args=[s.cohort.pk, submission.pk]), data)
    assert response.status_code == 302
    grade = Grade.objects.get(submission=submission)
    expected = dt.datetime.combine(later.date(), dt.time(9, 30), tzinfo=ZoneInfo("Asia/Tokyo"))
    assert grade.release_at == expected
    assert grade.released_at is None
    client.force_login(submission.author)
    page = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    assert "Your grade" not in page.content.decode()


def test_a_grade_with_a_missing_level_or_release_moment_comes_back_filled_in(client):
    s = build_scenario(2, instructor_grading="all")
    allocate(s)
    submission = s.submission_of(s.students[0])
    blocks = list(s.assignment.rubric)
    url = reverse("reviews:grade", args=[s.cohort.pk, submission.pk])
    client.force_login(s.instructor)
    data = {f"score-{blocks[0].id}": "4", "feedback": "Keep this text."}
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "choose one of its levels" in page and "Keep this text." in page
    data[f"score-{blocks[1].id}"] = "2"
    response = client.post(url, {**data, "release": "later", "release_at": "soon"})
    assert response.status_code == 400
    assert "Choose the day and time to release" in response.content.decode()
    assert not Grade.objects.filter(submission=submission).exists()


def test_an_item_held_by_another_instructor_cannot_be_graded(client):
    s = build_scenario(2, instructor_grading="all")
    allocate(s)
    colleague = UserFactory(display_name="Carla Colleague")
    s.cohort.instructors.add(colleague)
    item = queue_claim_next(cohort=s.cohort, by=colleague)
    data = {f"score-{b.id}": "0" for b in s.assignment.rubric}
    client.force_login(s.instructor)
    url = reverse("reviews:grade", args=[s.cohort.pk, item.submission_id])
    assert (
        "Carla Colleague is grading this submission right now" in client.get(url).content.decode()
    )
    response = client.post(url, data)
    assert response.status_code == 409
    assert not Grade.objects.exists()


def test_a_grade_changed_since_the_form_was_opened_is_not_overwritten(client):
    s = build_scenario(2, instructor_grading="all")
    allocate(s)
    colleague = UserFactory(display_name="Carla Colleague")
    s.cohort.instructors.add(colleague)
    submission = s.submission_of(s.students[0])
    url = reverse("reviews:grade", args=[s.cohort.pk, submission.pk])
    client.force_login(s.instructor)
    opened = client.get(url).context["form"]["seen_version"]
    client.force_login(colleague)
    client.post(
        url, {"seen_version": opened, **{f"score-{b.id}": "0" for b in s.assignment.rubric}}
    )
    client.force_login(s.instructor)
    data = {"seen_version": opened, **{f"score-{b.id}": "2" for b in s.assignment.rubric}}
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Carla Colleague changed this grade" in response.content.decode()
    assert Grade.objects.get(submission=submission).points == 0


def test_an_instructor_keeps_the_grade_after_a_flag_and_clears_the_queue(client):
    s, _at = graded_scenario()
    author = s.students[0]
    submission = s.submission_of(author)
    grade_before = Grade.objects.get(submission=submission).final_percent
    flagged = Review.objects.filter(submission=submission).first()
    client.force_login(author)
    client.post(reverse("reviews:flag", args=[s.cohort.pk, flagged.public_id]), {"reason": "Rude."})
    item = QueueItem.objects.get(submission=submission, resolved_at__isnull=True)
    client.force_login(s.instructor)
    page = client.get(reverse("reviews:grade", args=[s.cohort.pk, submission.pk]))
    assert "Keep the grade and take this off the queue" in page.content.decode()
    url = reverse("reviews:resolve_item", args=[s.cohort.pk, item.pk])
    response = client.post(url, {"note": "Blunt, not rude."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.resolved_at is not None and item.note == "Blunt, not rude."
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.GRADED
    assert Grade.objects.get(submission=submission).final_percent == grade_before
    assert client.post(url, {"note": "again"}).status_code == 404


def test_an_instructor_answers_a_regrade_and_keeps_the_grade(client):
    s, _at = graded_scenario()
    author = s.students[0]
    submission = s.submission_of(author)
    grade_before = Grade.objects.get(submission=submission).final_percent
    regrade = regrade_request(
        submission=submission, by=author, reason="Please look at the style part."
    )
    url = reverse("reviews:answer_regrade", args=[s.cohort.pk, regrade.pk])
    client.force_login(s.instructor)
    assert client.post(url, {"keep": "1", "answer": ""}).status_code == 400
    response = client.post(url, {"keep": "1", "answer": "The style score stands: see the rubric."})
    assert response.status_code == 302
    regrade.refresh_from_db()
    assert regrade.status == RegradeStatus.ANSWERED
    assert Grade.objects.get(submission=submission).final_percent == grade_before
    assert not QueueItem.objects.filter(submission=submission, resolved_at__isnull=True).exists()
    client.force_login(author)
    page = client.get(reverse("assignments:detail", args=[s.cohort.pk, s.assignment.pk]))
    assert "The style score stands: see the rubric." in page.content.decode()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("queue", "get"),
        ("grade_next", "post"),
        ("grade", "get"),
        ("grade", "post"),
        ("release_item", "post"),
        ("resolve_item", "post"),
        ("answer_regrade", "post"),
    ],
)
def test_students_and_strangers_are_kept_out_of_instructor_pages(client, name, method):
    s, _at = graded_scenario()
    author = s.students[0]
    submission = s.submission_of(author)
    regrade = regrade_request(submission=submission, by=author, reason="Please look again at it.")
    item = QueueItem.objects.get(submission=submission)
    args = {
        "queue": [s.cohort.pk],
        "grade_next": [s.cohort.pk],
        "grade": [s.cohort.pk, submission.pk],
        "release_item": [s.cohort.pk, item.pk],
        "resolve_item": [s.cohort.pk, item.pk],
        "answer_regrade": [s.cohort.pk, regrade.pk],
    }[name]
    url = reverse(f"reviews:{name}", args=args)
    with unchanged(Grade, QueueItem, RegradeRequest, Review):
        client.force_login(author)
        assert getattr(client, method)(url, {"answer": "x", "keep": "1"}).status_code == 403
        client.force_login(UserFactory())
        assert getattr(client, method)(url, {"answer": "x", "keep": "1"}).status_code == 404
    regrade.refresh_from_db()
    assert regrade.status == RegradeStatus.OPEN


# --- Query counts -----------------------------------------------------------------------


@pytest.mark.parametrize(("students", "peer_reviews"), [(3, 1), (14, 6)], ids=["small", "large"])
def test_the_review_page_costs_the_same_queries_at_any_size(
    client, django_assert_max_num_queries, students, peer_reviews
):
    s = build_scenario(students, peer_reviews=peer_reviews, self_assessment=True)
    allocate(s)
    review = Review.objects.filter(reviewer=s.students[0], kind=ReviewKind.PEER).first()
    client.force_login(s.students[0])
    # +2: the unread-notification and community counts in the header.
    with django_assert_max_num_queries(6):
        response = client.get(review_url(review, s))
    assert response.status_code == 200


@pytest.mark.parametrize("students", [2, 60], ids=["small", "large"])
def test_the_queue_page_costs_the_same_queries_at_any_size(
    client, django_assert_max_num_queries, students
):
    s = build_scenario(students, instructor_grading="all", peer_reviews=1)
    allocate(s)
    colleague = UserFactory()
    s.cohort.instructors.add(colleague)
    queue_claim_next(cohort=s.cohort, by=colleague)
    queue_claim_next(cohort=s.cohort, by=s.instructor)
    client.force_login(s.instructor)
    # +2: the unread-notification and community counts in the header.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("reviews:queue", args=[s.cohort.pk]))
    assert response.status_code == 200
    assert len(response.context["queue"].entries) == min(students, 50)


@pytest.mark.parametrize(("students", "peer_reviews"), [(3, 2), (14, 6)], ids=["small", "large"])
def test_the_grade_page_costs_the_same_queries_at_any_size(
    client, django_assert_max_num_queries, students, peer_reviews
):
    # Every section shows: reviews (one flagged), a self-assessment, a grade, a regrade
    # request and the queue item it opened.
    s = build_scenario(students, peer_reviews=peer_reviews, self_assessment=True)
    at = allocate(s)
    write_reviews(s, at + dt.timedelta(minutes=5))
    author = s.students[0]
    submission = s.submission_of(author)
    own = Review.objects.select_related("rubric").get(reviewer=author, kind=ReviewKind.SELF)
    review_submit(review=own, by=author, scores=marks(own.rubric), comment="")
    client.force_login(author)
    flagged = Review.objects.filter(submission=submission, kind=ReviewKind.PEER).first()
    client.post(reverse("reviews:flag", args=[s.cohort.pk, flagged.public_id]), {"reason": "Rude."})
    client.force_login(s.instructor)
    grade_url = reverse("reviews:grade", args=[s.cohort.pk, submission.pk])
    client.post(grade_url, {f"score-{b.id}": "0" for b in s.assignment.rubric})
    regrade_request(submission=submission, by=author, reason="Please look at it once more.")
    # +2: the unread-notification and community counts in the header.
    with django_assert_max_num_queries(18):
        response = client.get(grade_url)
    assert response.status_code == 200
    assert len(response.context["reviews"]) == peer_reviews + 1
    page = response.content.decode()
    assert "Flagged by the author" in page and "Keep the grade and answer" in page
