"""The social and paid side of a member's seeded history (bench/privacy_seed.py):
community posts, memberships, live sessions. Each function takes the seeding's World."""

from __future__ import annotations

import datetime as dt
import secrets

from privacy_seed import DAY, SECOND, YEAR, bulk, row, words

# --- community ---------------------------------------------------------------------


def community(self, posts: int) -> None:
    from community.models import (
        DirectoryListing,
        Follow,
        GuidelinesAcceptance,
        MemberProfile,
        Post,
        PostRevision,
        Reaction,
        Report,
        Space,
        SpaceRead,
        Thread,
        ThreadRead,
    )

    rng, member = self.rng, self.member
    threads = []
    # The member opens one post in five as a thread; the classmates open as many
    # threads again and write four replies each per cohort.
    mine_open = max(posts // 5, 1)
    mine_replies = posts - mine_open
    spaces = {
        c.pk: list(Space.objects.filter(cohort=c).exclude(kind="announcements"))
        for c in self.cohorts
    }
    for i in range(mine_open * 2):
        cohort, start, _a = self.runs[i % len(self.runs)]
        author = member if i % 2 == 0 else rng.choice(self.roster[cohort.pk][1:] or [member])
        at = min(start + rng.uniform(0, 80) * DAY, self.now - DAY)
        threads.append(
            Thread(
                space=rng.choice(spaces[cohort.pk]),
                author=author,
                title=words(rng, 6).capitalize() + "?",
                created_at=at,
                last_activity_at=at,
            )
        )
    threads = Thread.objects.bulk_create(threads, batch_size=2000)
    openings = [
        Post(
            thread=t,
            is_opening=True,
            author_id=t.author_id,
            body_source=words(rng, 50),
            body_html=f"<p>{words(rng, 50)}</p>",
            created_at=t.created_at,
            fanned_out_at=t.created_at,
        )
        for t in threads
    ]
    by_cohort: dict[int, list] = {}
    for t in threads:
        by_cohort.setdefault(t.space.cohort_id, []).append(t)
    replies = []

    def reply(thread, author, mention=False):
        at = min(thread.created_at + rng.uniform(0.01, 20) * DAY, self.now)
        text = words(rng, 40)
        html = f"<p>{text}</p>"
        if mention:
            text = f"@{member.username} {text}"
            html = f'<p><a class="mention" href="#">@{member.username}</a> {text}</p>'
        replies.append(
            Post(
                thread=thread,
                author=author,
                body_source=text,
                body_html=html,
                mentioned_ids=[member.pk] if mention else [],
                created_at=at,
                fanned_out_at=at,
            )
        )
        thread.reply_count += 1
        thread.last_activity_at = max(thread.last_activity_at, at)

    cohort_ids = list(by_cohort)
    for i in range(mine_replies):
        reply(rng.choice(by_cohort[cohort_ids[i % len(cohort_ids)]]), member)
    for cohort, _start, _a in self.runs:
        for user in self.roster[cohort.pk][1:]:
            for _ in range(4):
                reply(rng.choice(by_cohort[cohort.pk]), user, mention=rng.random() < 0.1)
    Post.objects.bulk_create(openings + replies, batch_size=2000)
    Thread.objects.bulk_update(threads, ["reply_count", "last_activity_at"], batch_size=2000)
    mine = list(Post.objects.filter(author=member).order_by("pk"))
    theirs = list(
        Post.objects.filter(thread__space__cohort__in=self.cohorts)
        .exclude(author=member)
        .order_by("pk")[:2000]
    )
    PostRevision.objects.bulk_create(
        PostRevision(
            post=p,
            body_source=words(rng, 30),
            body_html=f"<p>{words(rng, 30)}</p>",
            written_at=p.created_at,
            replaced_at=p.created_at + DAY,
            replaced_by=member,
        )
        for p in mine[:: max(len(mine) // 10, 1)]
    )
    reactions = {
        (p.pk, u.pk, rng.choice(["thumbs_up", "thanks", "insightful"]))
        for p in rng.sample(mine, min(100, len(mine)))
        for u in [rng.choice(self.classmates)]
        if self.classmates
    }
    reactions |= {
        (p.pk, member.pk, "heart") for p in rng.sample(theirs, min(len(mine) // 6, len(theirs)))
    }
    when = {p.pk: p.created_at for p in mine + theirs}
    Reaction.objects.bulk_create(
        (Reaction(post_id=p, user_id=u, kind=k, created_at=when[p] + DAY) for p, u, k in reactions),
        ignore_conflicts=True,
    )
    Follow.objects.bulk_create(
        (Follow(thread=t, user_id=t.author_id, created_at=t.created_at) for t in threads),
        ignore_conflicts=True,
    )
    ThreadRead.objects.bulk_create(
        ThreadRead(thread=t, user=member, read_at=t.last_activity_at)
        for t in rng.sample(threads, len(threads) // 2)
    )
    SpaceRead.objects.bulk_create(
        SpaceRead(space=s, user=member, read_at=self.now - rng.uniform(0, 600) * DAY)
        for c in self.cohorts
        for s in spaces[c.pk]
    )
    people = [member, *self.classmates]
    MemberProfile.objects.bulk_create(
        MemberProfile(
            user=u,
            bio=words(rng, 20),
            interests=words(rng, 5),
            links=[f"https://example.org/{u.username}"],
            updated_at=self.now,
        )
        for u in people
    )
    GuidelinesAcceptance.objects.bulk_create(
        GuidelinesAcceptance(user=u, course_id=c.course_id, accepted_at=s)
        for c, s, _a in self.runs
        for u in self.roster[c.pk]
    )
    DirectoryListing.objects.bulk_create(
        DirectoryListing(cohort=c, user=u, created_at=s)
        for c, s, _a in self.runs
        for u in self.roster[c.pk]
        if u is member or rng.random() < 0.5
    )
    if theirs:
        Report.objects.bulk_create(
            [
                Report(
                    post=theirs[0],
                    reporter=member,
                    reason="off_topic",
                    note="Not about the course.",
                    created_at=theirs[0].created_at + DAY,
                )
            ]
        )


# --- memberships -------------------------------------------------------------------


def memberships(self) -> None:
    from memberships.models import (
        Membership,
        MembershipBill,
        MembershipChange,
        Tier,
        TierPrice,
    )

    rng = self.rng
    tiers = []
    for level, (name, amount) in enumerate((("Basic", 1_500), ("Plus", 3_000)), start=1):
        tier = bulk(
            Tier, [row(Tier, self.now - 3 * YEAR, name=name, slug=name.lower(), level=level)]
        )[0]
        tiers.append(
            (
                tier,
                bulk(
                    TierPrice,
                    [
                        row(
                            TierPrice,
                            self.now - 3 * YEAR,
                            tier=tier,
                            interval="month",
                            amount=amount,
                        )
                    ],
                )[0],
            )
        )
    lives = [(self.member, self.now - 3 * YEAR + 60 * DAY, self.now - 18 * 30 * DAY, 0)]
    lives.append((self.member, self.now - 12 * 30 * DAY, None, 1))
    for user in self.classmates:
        if rng.random() < 0.35:
            lives.append((user, self.now - rng.uniform(60, 700) * DAY, None, rng.randint(0, 1)))
    memberships, changes, bills = [], [], []
    for user, started, ended, level in lives:
        tier, price = tiers[level]
        memberships.append(
            row(
                Membership,
                started,
                user=user,
                tier=tier,
                price=price,
                provider="stripe",
                status="ended" if ended else "active",
                amount=price.amount,
                currency="EUR",
                interval="month",
                mrr=0 if ended else price.amount,
                started_at=started,
                current_period_start=None if ended else self.now - 10 * DAY,
                current_period_end=None if ended else self.now + 20 * DAY,
                ended_at=ended,
                end_reason="voluntary" if ended else "",
                cancel_reason="too_expensive" if ended else "",
                cancel_comment="Between jobs for a while." if ended else "",
                stripe_subscription=f"sub_bench_{user.pk}_{level}",
            )
        )
    memberships = bulk(Membership, memberships)
    for m, (_user, started, ended, _level) in zip(memberships, lives, strict=True):
        changes.append(
            MembershipChange(
                membership=m,
                kind="joined",
                at=started,
                tier=m.tier,
                currency="EUR",
                mrr_delta=m.amount,
                paying_delta=1,
                source="seed",
            )
        )
        t, n = started, 0
        while t < (ended or self.now):
            n += 1
            bills.append(
                row(
                    MembershipBill,
                    t,
                    membership=m,
                    reference=f"in_bench_{m.pk}_{n}",
                    number=f"M{m.pk:05d}-{n:04d}",
                    status="paid",
                    amount=m.amount,
                    currency="EUR",
                    period_start=t,
                    period_end=t + 30 * DAY,
                    paid_at=t,
                )
            )
            t += 30 * DAY
        if ended:
            for kind, at in (("cancel_requested", ended - 20 * DAY), ("ended", ended)):
                changes.append(
                    MembershipChange(
                        membership=m,
                        kind=kind,
                        at=at,
                        tier=m.tier,
                        currency="EUR",
                        mrr_delta=-m.amount if kind == "ended" else 0,
                        paying_delta=-1 if kind == "ended" else 0,
                        end_reason="voluntary" if kind == "ended" else "",
                        source="seed",
                    )
                )
    MembershipChange.objects.bulk_create(changes, batch_size=2000)
    MembershipBill.objects.bulk_create(bills, batch_size=2000)


# --- live sessions -----------------------------------------------------------------


def live(self) -> None:
    from live.models import Attendance, FeedToken, LiveSession, Rsvp

    rng, sessions = self.rng, []
    for cohort, start, _a in self.runs:
        for week in range(1, 5):
            at = start + week * 14 * DAY + 18 * dt.timedelta(hours=1)
            sessions.append(
                row(
                    LiveSession,
                    start,
                    cohort=cohort,
                    title=f"Q&A {week}",
                    starts_at=at,
                    ends_at=at + dt.timedelta(hours=1),
                    timezone="Europe/Amsterdam",
                    join_url="https://meet.example.org/bench",
                )
            )
    sessions = bulk(LiveSession, sessions)
    rsvps, attendance = [], []
    for session in sessions:
        for user in self.roster[session.cohort_id]:
            if user is not self.member and rng.random() < 0.4:
                continue
            before = session.starts_at - rng.uniform(1, 5) * DAY
            rsvps.append(row(Rsvp, before, session=session, user=user, answer="going"))
            if session.starts_at < self.now and rng.random() < 0.8:
                attendance.append(
                    row(
                        Attendance,
                        session.starts_at,
                        session=session,
                        user=user,
                        attended=True,
                        first_joined_at=session.starts_at + rng.uniform(0, 600) * SECOND,
                        source="joined",
                    )
                )
    bulk(Rsvp, rsvps)
    bulk(Attendance, attendance)
    bulk(
        FeedToken,
        [row(FeedToken, self.now - YEAR, user=self.member, token=secrets.token_urlsafe(32))],
    )
