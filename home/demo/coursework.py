"""The demo's coursework: module 1's assignment handed in and half-way through peer
review (with a disagreement, a flagged review and a regrade request in the
instructor's queue), module 2's open with some hand-ins."""

from __future__ import annotations

import datetime as dt

from assignments.models import CohortAssignment, Submission, SubmissionStatus
from assignments.selectors import assignment_slot_get
from assignments.services import submission_submit
from home.demo import curriculum
from home.demo.curriculum import RUBRIC
from lms.models import User
from reviews import services as review_services
from reviews.models import Review, ReviewKind, ReviewStatus

ESSAYS = [
    "My reader is a facilities manager at a school who visits our maintenance pages "
    "between two appointments, usually on a phone. She knows the building better "
    "than we do and wants the phone number and the opening hours, fast.",
    "Our typical reader is a first-year student looking for the deadline to change "
    "courses. The analytics show most of them arrive from a search for the word "
    "'deadline' and leave within twenty seconds when the date is not near the top.",
    "I interviewed three people who use our donation page. All three wanted to know "
    "where their money goes before they wanted to know how to give it. Two of them "
    "read the page on a tablet in the evening.",
    "The reader of our release notes is a developer who upgrades once a quarter and "
    "scans for breaking changes. The support tickets after each release show which "
    "changes they missed.",
]
COMMENTS = [
    "The reader comes alive in the first paragraph. One thing to improve: say what "
    "they do right after reading the page.",
    "Clear and short. The numbers would be stronger with the period they cover.",
    "I could picture this person. The last paragraph repeats the first; cut it.",
    "Good observations. Put the reader's goal in the first sentence, not the third.",
]


def coursework(course, running, student, classmates, now, rng):
    """Module 1's assignment handed in and half-way through peer review; module 2's
    open with some hand-ins. Every step at the moment it would have happened."""
    assignments = curriculum.assignments(course)
    first = assignments[1]
    due_at = assignment_slot_get(cohort=running, assignment_id=first.pk, now=now).deadlines.due_at
    authors = [student, *classmates[:10]]
    for i, person in enumerate(authors):
        submission_submit(
            cohort=running,
            assignment_id=first.pk,
            author=person,
            text=ESSAYS[i % len(ESSAYS)],
            now=due_at - dt.timedelta(hours=3 + 7 * i),
        )
    run = CohortAssignment.objects.get(cohort=running, assignment=first)
    # The periodic tick allocates within a minute of the deadline.
    review_services.peer_reviews_allocate(run=run, now=due_at + dt.timedelta(minutes=1))
    _reviews(run, student, classmates, due_at, rng)

    second = assignments[2]
    for i, person in enumerate(classmates[:5]):
        at = now - dt.timedelta(hours=6 + 20 * i)
        submission_submit(
            cohort=running,
            assignment_id=second.pk,
            author=person,
            text=f"{ESSAYS[(i + 1) % len(ESSAYS)]}\n\nWhat I changed: headings first.",
            now=at,
        )


def _reviews(run, student, classmates, due_at, rng):
    """A day of reviewing after the deadline. The demo student's work gets all its
    reviews (and so a peer grade); the student writes one of the three they owe;
    one classmate has not started; one submission's reviewers disagree."""
    reviews = list(
        Review.objects.filter(submission__cohort_assignment=run, kind=ReviewKind.PEER)
        .select_related("rubric")
        .order_by("pk")
    )
    by_submission: dict[int, list[Review]] = {}
    for review in reviews:
        by_submission.setdefault(review.submission_id, []).append(review)
    mine = Submission.objects.get(cohort_assignment=run, author=student)
    slow = classmates[9]
    disputed = next(
        pk
        for pk, given in by_submission.items()
        if pk != mine.pk and all(r.reviewer_id not in (student.pk, slow.pk) for r in given)
    )
    owed_by_student = [r for r in reviews if r.reviewer_id == student.pk]
    to_write = [
        r
        for r in reviews
        if r.submission_id == mine.pk
        or r == owed_by_student[0]
        or (r.reviewer_id not in (student.pk, slow.pk))
    ]
    quality = {pk: [rng.randint(1, 3) for _c in RUBRIC] for pk in by_submission}
    users = {u.pk: u for u in User.objects.filter(pk__in={r.reviewer_id for r in reviews})}
    step = dt.timedelta(hours=20) / len(to_write)
    for i, review in enumerate(to_write):
        levels = quality[review.submission_id]
        if review.submission_id == disputed:
            # One reviewer sees excellent work, the others weak work.
            first = review == by_submission[disputed][0]
            levels = [3, 3, 3] if first else [0, 1, 0]
        else:
            # Peers agree within a level on one criterion.
            levels = list(levels)
            slip = rng.randrange(len(levels) * 3)
            if slip < len(levels):
                levels[slip] = max(0, levels[slip] - 1)
        review_services.review_submit(
            review=review,
            by=users[review.reviewer_id],
            scores={
                c["id"]: level for c, level in zip(review.rubric.criteria, levels, strict=True)
            },
            comment=COMMENTS[i % len(COMMENTS)],
            now=due_at + dt.timedelta(hours=1) + step * i,
        )
    later = due_at + dt.timedelta(hours=22)
    review_services.review_rate(review=by_submission[mine.pk][0], by=student, helpfulness=4)
    graded = list(
        Submission.objects.filter(cohort_assignment=run, status=SubmissionStatus.GRADED)
        .exclude(pk=mine.pk)
        .select_related("author")
        .order_by("pk")
    )
    flagged, regraded = graded[0], graded[1]
    review_services.review_flag(
        review=by_submission[flagged.pk][0],
        by=flagged.author,
        reason="The comment is about my spelling, not about the reader I described.",
        now=later,
    )
    review_services.regrade_request(
        submission=regraded,
        by=regraded.author,
        reason="Two reviewers scored the evidence as thin, but I quote three interviews.",
        now=later + dt.timedelta(minutes=30),
    )
    assert Review.objects.filter(reviewer=student, status=ReviewStatus.ASSIGNED).exists()
