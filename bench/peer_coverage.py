"""Peer-review coverage of one assignment, simulated through the real services.

A cohort of 200 and one of 1,000 students each run one assignment with the page's
defaults: k = 3 peer reviews, due 6 days after the unlock at 23:59, review period 5
days, 48 hours per review, late work accepted for 3 days with a penalty. With a fixed
seed, 5% of the students hand in late (after the deadline, before the cut-off); of
the others 70% hand in at a uniformly random moment between the unlock and the
deadline and 30% in the last 24 hours. 10% of the students never finish a review; the
others finish each review they are given at a random moment between its assignment
and its due time, scoring close to the submission's "true quality" (each reviewer
with a small bias and some noise, so peers mostly agree).

Events run in time order with the clock moved to each one (time_machine):
``submission_submit`` for every hand-in, ``review_submit`` for every finished review
(scheduled as soon as the review exists), and ``review_tick`` every 15 simulated
minutes from the unlock until the tick that closes peer review. Prints, per cohort:
coverage at the review deadline, what went to an instructor and why, peer grades,
reviewer load, reassignments, the last submitters' wait for feedback, and where the
run time went.

    .venv/bin/python bench/peer_coverage.py              # SQLite
    .venv/bin/python bench/peer_coverage.py --postgres   # PostgreSQL (lms_bench_coverage)
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import os
import random
import tempfile
import time
from collections import Counter, defaultdict

from common import child_env, django_setup, postgres_reset, run_child

SIZES = (200, 1000)
SEED = 20260301
K = 3
TICK = dt.timedelta(minutes=15)
LATE_SHARE, LAST_DAY_SHARE, ABSENT_SHARE = 0.05, 0.30, 0.10
# Four criteria scored 0-4 (16 points): room for reviewers to be a level apart.
CRITERIA = [
    (title, [(label, points) for points, label in enumerate(levels)])
    for title, levels in (
        ("Argument", ("Missing", "Weak", "Adequate", "Strong", "Compelling")),
        ("Structure", ("None", "Loose", "Clear", "Tight", "Exemplary")),
        ("Style", ("Rough", "Uneven", "Readable", "Fluent", "Polished")),
        ("Sources", ("None", "Few", "Some", "Good", "Thorough")),
    )
]
# Each cohort runs in its own stretch of simulated time, far enough apart that the
# first is long finished (and outside the tick's horizon) when the second starts.
STARTS = {200: dt.date(2027, 1, 11), 1000: dt.date(2027, 9, 6)}
TZ = "Europe/Amsterdam"


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        if args.postgres:
            url = os.environ.get(
                "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/lms_bench_coverage"
            )
            postgres_reset(url)
            name = "postgresql"
        else:
            url = f"sqlite:///{scratch}/bench.sqlite3"
            name = "sqlite"
        extra = ["--profile"] if args.profile else []
        run_child(__file__, "--child", name, *extra, env=child_env(url, scratch))


def child(name: str, profile: bool) -> None:
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for size in SIZES:
        print(f"\n{name}: {size} students, one assignment, k={K}")
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(Simulation(size).run)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        else:
            Simulation(size).run()


class Simulation:
    def __init__(self, size: int):
        self.size = size
        self.rng = random.Random(SEED + size)
        self.events: list[tuple] = []
        self.sequence = 0
        self.seen_review = 0
        self.reassigned = 0
        self.replacements: set[int] = set()  # reviews handed out for overdue ones
        self.given_by_late: set[int] = set()  # reviews a late author was given to write
        self.refused: Counter[str] = Counter()
        self.spent: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.queries: Counter[str] = Counter()

    # --- set-up -------------------------------------------------------------------------

    def seed(self) -> None:
        from assignments.selectors import assignment_slot_get
        from assignments.services import rubric_criteria
        from cohorts.models import Cohort, Enrolment, EnrolmentStatus
        from lms.models import User
        from lms.timeutils import local_moment
        from tests.factories import assignment_page, course_page, rubric_value

        course = course_page(title=f"Course of {self.size}", modules=1, lessons=1)
        module = course.get_children().specific().get()
        self.assignment = assignment_page(module, peer_reviews=K, rubric=rubric_value(CRITERIA))
        starts_on = STARTS[self.size]
        opened = local_moment(starts_on - dt.timedelta(days=40), dt.time(9), TZ)
        self.cohort = Cohort.objects.create(
            course=course,
            name=f"Cohort of {self.size}",
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(weeks=8, days=-1),
            timezone=TZ,
            enrolment_opens_at=opened,
            enrolment_closes_at=opened + dt.timedelta(days=30),
            capacity=self.size,
            unlock_weekday=starts_on.weekday(),
        )
        prefix = f"c{self.cohort.pk}s"
        self.students = User.objects.bulk_create(
            User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org")
            for i in range(self.size)
        )
        Enrolment.objects.bulk_create(
            Enrolment(
                cohort=self.cohort, user=u, status=EnrolmentStatus.ACTIVE, activated_at=opened
            )
            for u in self.students
        )
        unlocks_at = local_moment(starts_on, self.cohort.unlock_time, TZ)
        self.deadlines = assignment_slot_get(
            cohort=self.cohort, assignment_id=self.assignment.pk, now=unlocks_at
        ).deadlines
        self.criteria = [c["id"] for c in rubric_criteria(assignment=self.assignment)]

    def plan(self) -> None:
        """Who hands in when, who never reviews, how good each piece of work is and how
        each reviewer leans. Everything drawn from the seeded generator."""
        d, rng = self.deadlines, self.rng
        order = list(self.students)
        rng.shuffle(order)
        late_n = round(self.size * LATE_SHARE)
        late, on_time = order[:late_n], order[late_n:]
        last_day_n = round(len(on_time) * LAST_DAY_SHARE)
        self.kind_of: dict[int, str] = {}
        for i, student in enumerate(on_time):
            if i < last_day_n:
                at = _uniform(rng, d.due_at - dt.timedelta(hours=24), d.due_at)
                self.kind_of[student.pk] = "last day"
            else:
                at = _uniform(rng, d.opens_at, d.due_at)
                self.kind_of[student.pk] = "during the week"
            self.push(at, "submit", student)
        for student in late:
            self.push(_uniform(rng, d.due_at, d.cutoff_at), "submit", student)
            self.kind_of[student.pk] = "late"
        absent = rng.sample(self.students, round(self.size * ABSENT_SHARE))
        self.absent = {u.pk for u in absent}
        # True quality per author and criterion (0-4 scale); reviewers' bias and noise.
        self.quality = {
            u.pk: [base + rng.gauss(0, 0.4) for _c in self.criteria]
            for u in self.students
            for base in [rng.uniform(0.6, 3.6)]
        }
        self.bias = {u.pk: rng.gauss(0, 0.2) for u in self.students}
        moment = d.opens_at
        while moment < d.review_closes_at + TICK:
            self.push(moment, "tick", None)
            moment += TICK

    def push(self, at: dt.datetime, kind: str, payload) -> None:
        # At the same moment, people act before the tick.
        self.sequence += 1
        heapq.heappush(self.events, (at, kind == "tick", self.sequence, kind, payload))

    # --- the run ------------------------------------------------------------------------

    def run(self) -> None:
        import time_machine
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        started = time.perf_counter()
        self.seed()
        self.plan()
        self.spent["seeding"] = time.perf_counter() - started
        with time_machine.travel(self.deadlines.opens_at, tick=False) as traveller:
            while self.events:
                at, _tick, _seq, kind, payload = heapq.heappop(self.events)
                traveller.move_to(at)
                connection.queries_log.clear()  # the log keeps 9,000: count from empty
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    getattr(self, f"on_{kind}")(at, payload)
                    self.spent[kind] += time.perf_counter() - began
                self.calls[kind] += 1
                self.queries[kind] += len(queries)
                if kind == "tick" and at >= self.deadlines.review_closes_at:
                    break
        self.spent["total"] = time.perf_counter() - started
        self.report()

    def on_submit(self, at, student) -> None:
        from assignments.services import submission_submit
        from lms.errors import Conflict

        try:
            submission_submit(
                cohort=self.cohort,
                assignment_id=self.assignment.pk,
                author=student,
                text=f"Work of {student.username}.",
                now=at,
            )
        except Conflict as refused:
            self.refused[refused.code] += 1
        if at >= self.deadlines.due_at:
            created = self.schedule_new_reviews()
            self.given_by_late.update(pk for pk, reviewer in created if reviewer == student.pk)

    def on_tick(self, at, _payload) -> None:
        from reviews.services import review_tick

        counts = review_tick(now=at)
        self.reassigned += counts["reassigned"]
        if counts["allocated"] or counts["reassigned"]:
            created = self.schedule_new_reviews()
            if counts["reassigned"]:
                self.replacements.update(pk for pk, _reviewer in created)

    def schedule_new_reviews(self) -> list[tuple[int, int]]:
        """Schedule the completion of every new review a diligent reviewer got; returns
        the new reviews as (id, reviewer)."""
        from reviews.models import Review, ReviewKind

        rows = Review.objects.filter(
            pk__gt=self.seen_review,
            kind=ReviewKind.PEER,
            submission__cohort_assignment__cohort=self.cohort,
        ).values_list("pk", "reviewer_id", "submission__author_id", "assigned_at", "due_at")
        created = []
        for pk, reviewer, author, assigned_at, due_at in rows:
            self.seen_review = max(self.seen_review, pk)
            created.append((pk, reviewer))
            if reviewer not in self.absent:
                self.push(_uniform(self.rng, assigned_at, due_at), "review", (pk, reviewer, author))
        return created

    def on_review(self, at, payload) -> None:
        from lms.errors import Conflict
        from lms.models import User
        from reviews.models import Review
        from reviews.services import review_submit

        pk, reviewer, author = payload
        bias = self.bias[reviewer]
        scores = {
            criterion: max(0, min(4, round(true + bias + self.rng.gauss(0, 0.45))))
            for criterion, true in zip(self.criteria, self.quality[author], strict=True)
        }
        try:
            review_submit(
                review=Review(pk=pk),
                by=User(pk=reviewer),
                scores=scores,
                comment="Clear opening; the second part needs sources.",
                now=at,
            )
        except Conflict as refused:
            self.refused[refused.code] += 1

    # --- figures ------------------------------------------------------------------------

    def report(self) -> None:
        from assignments.models import Submission
        from reviews.models import Grade, GradeSource, QueueItem, Review, ReviewKind, ReviewStatus

        d = self.deadlines
        submissions = {
            s.pk: s for s in Submission.objects.filter(cohort_assignment__cohort=self.cohort)
        }
        reviews = list(
            Review.objects.filter(
                submission__cohort_assignment__cohort=self.cohort, kind=ReviewKind.PEER
            ).values(
                "pk",
                "submission_id",
                "reviewer_id",
                "status",
                "assigned_at",
                "due_at",
                "submitted_at",
                "points",
            )
        )
        done: defaultdict[int, list] = defaultdict(list)
        for r in sorted(reviews, key=lambda r: r["submitted_at"] or d.review_closes_at):
            if r["status"] == ReviewStatus.SUBMITTED and r["submitted_at"] <= d.review_closes_at:
                done[r["submission_id"]].append((r["submitted_at"], r["points"]))
        max_points = self.assignment.rubric_versions.get().max_points
        apart = {
            pk
            for pk, given in done.items()
            if len(given) >= K
            and (max(p for _t, p in given[:K]) - min(p for _t, p in given[:K])) * 100 / max_points
            > self.assignment.disagreement_percent
        }
        n = len(submissions)
        late = {pk for pk, s in submissions.items() if s.is_late}
        covered = {pk for pk in submissions if len(done[pk]) >= K}
        grades = {
            g.submission_id: g
            for g in Grade.objects.filter(submission__cohort_assignment__cohort=self.cohort)
        }
        peer_graded = {
            pk
            for pk, g in grades.items()
            if g.source == GradeSource.PEERS and g.created_at <= d.review_closes_at
        }
        items = list(
            QueueItem.objects.filter(cohort=self.cohort, resolved_at__isnull=True).values_list(
                "submission_id", "reasons"
            )
        )
        reasons = Counter(reason for _s, rs in items for reason in rs)
        load = Counter({s.author_id: 0 for s in submissions.values()})
        load.update(r["reviewer_id"] for r in reviews)
        by_kind: defaultdict[str, list[int]] = defaultdict(list)
        for author, n_reviews in load.items():
            by_kind[self.kind_of[author]].append(n_reviews)
        statuses = Counter(r["status"] for r in reviews)

        def share(part, whole=n) -> str:
            return f"{len(part):>5} of {whole:<5} {100 * len(part) / max(whole, 1):5.1f}%"

        print(
            f"  deadline {d.due_at:%a %d %b %H:%M} UTC, "
            f"review closes {d.review_closes_at:%a %d %b %H:%M} UTC"
        )
        print(
            f"  submissions                      {n:>5} ({len(late)} late)"
            + (f"; refused: {dict(self.refused)}" if self.refused else "")
        )
        print(f"  k reviews done at review close   {share(covered)}")
        print(f"    on time                        {share(covered - late, n - len(late))}")
        print(f"    late                           {share(covered & late, len(late))}")
        print(f"  peer-graded by review close      {share(peer_graded)}")
        print(
            f"  peers apart > {self.assignment.disagreement_percent}% of the maximum  "
            f"{share(apart)}"
        )
        print(f"  needing an instructor            {share({s for s, _r in items})}")
        for reason, count in reasons.most_common():
            print(f"    {reason:<30} {count:>5}")
        print(
            f"  reviews: {len(reviews)} peer reviews assigned, "
            + ", ".join(f"{v} {k}" for k, v in statuses.most_common())
        )
        assigned = Counter(r["submission_id"] for r in reviews)
        for label, pool in (("on time", set(submissions) - late), ("late", late)):
            print(
                f"    per {label:<7} submission: reviewers "
                f"{dict(sorted(Counter(assigned[pk] for pk in pool).items()))}, done "
                f"{dict(sorted(Counter(len(done[pk]) for pk in pool).items()))}"
            )
        surplus = sum(max(0, len(given) - K) for given in done.values())
        print(f"  reviews done beyond the k-th     {surplus:>5}")
        print(f"  reassigned (overdue → another)   {self.reassigned:>5}")
        # Reviews handed out to work that, at that moment, already had k reviewers
        # who had not let theirs expire.
        covered_then = self.already_covered(reviews)
        for label, pks in (
            ("replacements", self.replacements),
            ("reviews given to late authors", self.given_by_late),
        ):
            if pks:
                extra = len(pks & covered_then)
                print(f"    {label} for work that had k reviewers already: {extra} of {len(pks)}")
        values = list(load.values())
        low, high = min(values), max(values)
        print(
            f"  reviewer load min/max/spread     {low}/{high}/{high - low}"
            f"   distribution {dict(sorted(Counter(values).items()))}"
        )
        for kind in ("during the week", "last day", "late"):
            spread = by_kind[kind]
            print(
                f"    {kind:<16} students {len(spread):>4}: load "
                f"{dict(sorted(Counter(spread).items()))}"
            )
        for label, pool in (
            ("last on-time submitter", [s for s in submissions.values() if not s.is_late]),
            ("last submitter (late)", [s for s in submissions.values() if s.is_late]),
        ):
            if not pool:
                continue
            last = max(pool, key=lambda s: s.submitted_at)
            print(f"  {label:<32} {self.wait(last, done, grades, items)}")
        print(f"  run time {self.spent['total']:.1f}s, seeding {self.spent['seeding']:.1f}s")
        for kind, label in (("submit", "hand-ins"), ("review", "reviews"), ("tick", "ticks")):
            calls = self.calls[kind]
            print(
                f"    {label:<9}{self.spent[kind]:>6.1f}s {calls:>5} calls, "
                f"{1000 * self.spent[kind] / calls:>4.0f} ms and "
                f"{self.queries[kind] / calls:>3.0f} queries each"
            )

    @staticmethod
    def already_covered(reviews) -> set[int]:
        from reviews.models import ReviewStatus

        by_submission: defaultdict[int, list] = defaultdict(list)
        for r in reviews:
            by_submission[r["submission_id"]].append(r)
        covered = set()
        for given in by_submission.values():
            for r in given:
                at = r["assigned_at"]
                earlier = [
                    o
                    for o in given
                    if o["assigned_at"] < at
                    and not (o["status"] == ReviewStatus.EXPIRED and o["due_at"] <= at)
                ]
                if len(earlier) >= K:
                    covered.add(r["pk"])
        return covered

    def wait(self, submission, done, grades, items) -> str:
        parts = [f"handed in {submission.submitted_at:%a %H:%M}"]
        moments = [t for t, _p in done[submission.pk]]
        if len(moments) >= K:
            parts.append(f"review {K} after {_hours(moments[K - 1] - submission.submitted_at)}")
        else:
            parts.append(f"{len(moments)} of {K} reviews")
        grade = grades.get(submission.pk)
        if grade is not None:
            parts.append(f"graded after {_hours(grade.created_at - submission.submitted_at)}")
        queued = [r for s, r in items if s == submission.pk]
        if queued:
            parts.append(f"with an instructor: {', '.join(queued[0])}")
        return "; ".join(parts)


def _uniform(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    return start + (end - start) * rng.random()


def _hours(delta: dt.timedelta) -> str:
    return f"{delta / dt.timedelta(hours=1):.1f} h"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument("--child")
    args = parser.parse_args()
    child(args.child, args.profile) if args.child else parent(args)
