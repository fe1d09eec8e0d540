"""Who reviews what. Two parts:

* ``allocate_on_time`` runs once per cohort assignment at the deadline. The on-time
  submissions are put in a random cycle and each author reviews the next k in it: every
  submission gets exactly k distinct reviewers, everybody gives exactly k reviews and
  nobody gets their own. It is one INSERT … SELECT whatever the number of submissions.
* ``ReviewerPool`` picks reviewers one at a time afterwards: for late submissions (the
  rolling pool) and to replace reviews that went overdue or whose reviewer left. It
  picks only reviewers with an active seat, prefers those not known to be absent and
  with the lowest load, so load stays within one.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter, defaultdict

from django.db import connection
from django.db.models import Exists, OuterRef

from assignments.models import Submission, SubmissionStatus
from cohorts.models import Enrolment, EnrolmentStatus
from reviews.models import Review, ReviewKind, ReviewStatus

# A prime above any id this table will reach; (id * a) mod P is a different random
# permutation of the ids for every random multiplier a.
_PRIME = 2_147_483_647


def _moment(value: dt.datetime):
    """Raw SQL bypasses the field adapters: store moments as the ORM would (UTC text on
    SQLite, timestamptz on PostgreSQL)."""
    return connection.ops.adapt_datetimefield_value(value)


def _json_param() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _random_uuid() -> str:
    """A fresh version-4 UUID per inserted row, made by the database: a bulk INSERT …
    SELECT never passes through the model field's Python default."""
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    # SQLite keeps a UUIDField as 32 hex digits; set the version (4) and variant bits
    # ("%%" because the statement is run with parameters).
    return (
        "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2)"
        " || substr('89ab', 1 + (abs(random()) %% 4), 1) || substr(hex(randomblob(2)), 2)"
        " || hex(randomblob(6)))"
    )


def allocate_on_time(
    *, run_id: int, k: int, rubric_id: int, now: dt.datetime, due_at: dt.datetime
) -> int:
    """Insert the cyclic peer allocation for the run's on-time submissions. Returns the
    number of reviews created; k must already be capped at (submitters - 1)."""
    if k <= 0:
        return 0
    review, submission = Review._meta.db_table, Submission._meta.db_table
    multiplier = random.SystemRandom().randrange(2, _PRIME - 1)
    # Only table names from model metadata and a fixed SQL expression are formatted in;
    # every value is a parameter.
    sql = f"""
        INSERT INTO {review}
            (public_id, submission_id, reviewer_id, rubric_id, kind, status, assigned_at,
             due_at, scores, comment, flag_reason)
        WITH RECURSIVE
        ranked AS (
            SELECT id, author_id, COUNT(*) OVER () AS n,
                   ROW_NUMBER() OVER (ORDER BY (id * %s) %% {_PRIME}, id) - 1 AS pos
            FROM {submission}
            WHERE cohort_assignment_id = %s AND is_late = %s AND status = %s
        ),
        offsets(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM offsets WHERE j < %s)
        SELECT {_random_uuid()}, author.id, reviewer.author_id, %s, %s, %s, %s, %s,
               {_json_param()}, '', ''
        FROM ranked author
        CROSS JOIN offsets
        JOIN ranked reviewer ON reviewer.pos = (author.pos + offsets.j) %% author.n
    """  # noqa: S608
    params = [
        multiplier,
        run_id,
        False,
        SubmissionStatus.SUBMITTED,
        k,
        rubric_id,
        ReviewKind.PEER,
        ReviewStatus.ASSIGNED,
        _moment(now),
        _moment(due_at),
        json.dumps({}),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def allocate_self_reviews(
    *, run_id: int, rubric_id: int, now: dt.datetime, due_at: dt.datetime
) -> int:
    review, submission = Review._meta.db_table, Submission._meta.db_table
    # Only table names from model metadata and a fixed SQL expression are formatted in;
    # every value is a parameter.
    sql = f"""
        INSERT INTO {review}
            (public_id, submission_id, reviewer_id, rubric_id, kind, status, assigned_at,
             due_at, scores, comment, flag_reason)
        SELECT {_random_uuid()}, id, author_id, %s, %s, %s, %s, %s, {_json_param()}, '', ''
        FROM {submission}
        WHERE cohort_assignment_id = %s AND is_late = %s AND status = %s
    """  # noqa: S608
    params = [
        rubric_id,
        ReviewKind.SELF,
        ReviewStatus.ASSIGNED,
        _moment(now),
        _moment(due_at),
        json.dumps({}),
        run_id,
        False,
        SubmissionStatus.SUBMITTED,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class ReviewerPool:
    """The peer-review state of one cohort assignment, read in two queries, for picking
    reviewers one submission at a time. Call ``add`` for every review created."""

    def __init__(self, run_id: int):
        self.authors: dict[int, int] = {}
        self.late: set[int] = set()
        self.ungraded: set[int] = set()
        self.with_instructor: set[int] = set()
        # Reviewers without an active seat (they left, or are suspended) are given no
        # new reviews; in the same query as the submissions.
        self.unavailable: set[int] = set()
        seated = Enrolment.objects.filter(
            user=OuterRef("author"),
            cohort=OuterRef("cohort_assignment__cohort"),
            status=EnrolmentStatus.ACTIVE,
        )
        for pk, author_id, is_late, status, active in (
            Submission.objects.filter(cohort_assignment_id=run_id)
            .annotate(active=Exists(seated))
            .values_list("pk", "author_id", "is_late", "status", "active")
        ):
            self.authors[pk] = author_id
            if not active:
                self.unavailable.add(author_id)
            if is_late:
                self.late.add(pk)
            if status != SubmissionStatus.GRADED:
                self.ungraded.add(pk)
            if status == SubmissionStatus.WITH_INSTRUCTOR:
                self.with_instructor.add(pk)
        self.load: Counter[int] = Counter()  # peer reviews ever given to each reviewer
        self.active: Counter[int] = Counter()  # non-expired peer reviews per submission
        self.absent: set[int] = set()  # reviewers who let a review expire
        self.pairs: set[tuple[int, int]] = set()
        self.given_to: defaultdict[int, set[int]] = defaultdict(set)
        rows = Review.objects.filter(
            submission__cohort_assignment_id=run_id, kind=ReviewKind.PEER
        ).values_list("submission_id", "reviewer_id", "status")
        for submission_id, reviewer_id, status in rows:
            self.pairs.add((submission_id, reviewer_id))
            self.load[reviewer_id] += 1
            if status == ReviewStatus.EXPIRED:
                self.absent.add(reviewer_id)
            else:
                self.active[submission_id] += 1
        self._rng = random.SystemRandom()

    def add(self, submission_id: int, reviewer_id: int) -> None:
        self.pairs.add((submission_id, reviewer_id))
        self.load[reviewer_id] += 1
        self.active[submission_id] += 1

    def reviewers_for(self, submission_id: int, count: int) -> list[int]:
        """Up to ``count`` new reviewers for a submission: present before absent, lowest
        load first (those who still owe reviews); at equal load, authors of late work
        first (their reviews so far were extras, so late work is spread among them
        rather than left to chance), then at random."""
        author = self.authors[submission_id]
        late_authors = {self.authors[s] for s in self.late}
        candidates = {
            reviewer
            for reviewer in self.authors.values()
            if reviewer != author
            and (submission_id, reviewer) not in self.pairs
            and reviewer not in self.unavailable
        }
        ranked = sorted(
            candidates,
            key=lambda r: (
                r in self.absent,
                self.load[r],
                r not in late_authors,
                self._rng.random(),
            ),
        )
        return ranked[:count]

    def submissions_for(self, reviewer_id: int, count: int, k: int) -> list[int]:
        """``count`` submissions for a late author to review, so they give k reviews like
        everyone else: late work still short of k reviewers first, then other work short
        of reviewers, then extra reviews of the work with the fewest (extra feedback; a
        peer grade counts the first k reviews)."""
        candidates = [
            s
            for s in self.authors
            if self.authors[s] != reviewer_id
            and (s, reviewer_id) not in self.pairs
            # Extra reviews are feedback for peers; work an instructor grades gets none.
            and (self.active[s] < k or s not in self.with_instructor)
        ]

        def priority(s: int) -> tuple:
            if self.active[s] < k:  # needed: late work first, then the shortest
                return (0, s not in self.late, self.active[s], self._rng.random())
            # Extra: the fewest first, late work first among equals.
            return (1, self.active[s], s not in self.late, self._rng.random())

        candidates.sort(key=priority)
        return candidates[:count]
