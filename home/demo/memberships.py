"""The demo's memberships: a self-paced library course that drips out week by week from
each member's own start, three tiers (a free one, Basic with a trial without card and a
retention offer, Premium with a cohort seat included each year and a lifetime price),
and members in every state, with two years of history for the revenue page. With no
Stripe keys the paid plans are yearly and paid by invoice; monthly plans need Stripe."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from wagtail.rich_text import RichText

from cms.models import CoursePage, HomePage, LessonPage, ModulePage
from cohorts.services import library_cohort_get_or_create
from memberships import services
from memberships.models import BillStatus, Membership, Tier, TierPrice
from payments.services import invoice_mark_paid

HABITS = [
    ("A writing routine", "Fifteen minutes a day, and how to keep it."),
    ("Editing your own work", "Three passes that catch most of what readers trip over."),
    ("Writing with others", "Feedback circles, style guides and shared checklists."),
]


def library_course(home: HomePage) -> CoursePage:
    course = home.add_child(
        instance=CoursePage(
            title="Writing habits (self-paced)",
            slug="writing-habits",
            summary="A self-paced library course for members: one module a week from the "
            "day you join.",
            description="<p>Included in every paid membership. Start any time; a new module "
            "opens each week on your own calendar.</p>",
        )
    )
    for m, (title, summary) in enumerate(HABITS, start=1):
        module = course.add_child(
            instance=ModulePage(
                title=title,
                slug=f"habit-{m}",
                summary=summary,
                unlock_unit="week",
                unlock_offset=m,
            )
        )
        for n, lesson in enumerate(("Why", "How", "Try it"), start=1):
            module.add_child(
                instance=LessonPage(
                    title=f"{lesson}: {title.lower()}",
                    slug=f"lesson-{n}",
                    estimated_minutes=10,
                    body=[("paragraph", RichText(f"<p>{summary}</p>"))],
                )
            )
    return course


def tiers(library: CoursePage) -> tuple[Tier, Tier, Tier]:
    free = Tier.objects.create(
        name="Community",
        slug="community",
        level=0,
        description="Join the conversation between cohorts.",
        highlights="Member newsletter\nOpen events",
    )
    basic = Tier.objects.create(
        name="Basic",
        slug="basic",
        level=1,
        description="The library and its community.",
        highlights="Every self-paced library course\nThe library's community\n10 % off cohorts",
        trial_days=14,
        trial_requires_card=False,
        seat_discount_percent=10,
        retention_percent_off=50,
        retention_months=3,
    )
    premium = Tier.objects.create(
        name="Premium",
        slug="premium",
        level=2,
        description="The library, coaching and a cohort seat every year.",
        highlights="Everything in Basic\nOne cohort seat included each year\n20 % off more seats",
        seat_discount_percent=20,
        included_seats_per_year=1,
    )
    for tier in (basic, premium):
        tier.library_courses.add(library)
    TierPrice.objects.create(tier=basic, interval="month", amount=3_000)
    TierPrice.objects.create(tier=basic, interval="year", amount=30_000)
    TierPrice.objects.create(tier=premium, interval="month", amount=6_000)
    TierPrice.objects.create(tier=premium, interval="year", amount=60_000)
    TierPrice.objects.create(tier=premium, interval="lifetime", amount=150_000)
    return free, basic, premium


def _paid(membership: Membership, admin, when: dt.datetime) -> Membership:
    bill = membership.bills.filter(status=BillStatus.OPEN).latest("pk")
    invoice_mark_paid(invoice=bill.invoice, by=admin, now=when)
    return Membership.objects.get(pk=membership.pk)


def _member(person, tier, admin, joined: dt.datetime, *, renewals: int = 0) -> Membership:
    """A yearly member by invoice since ``joined``, paid within days, renewed
    ``renewals`` times."""
    membership = services.membership_join(user=person, tier=tier, interval="year", now=joined)
    paid_on = joined + dt.timedelta(days=10 if membership.status == "trialing" else 3)
    if membership.status == "trialing":
        services.manual_memberships_run(now=membership.trial_ends_at - dt.timedelta(days=5))
    membership = _paid(membership, admin, paid_on)
    for _ in range(renewals):
        end = membership.current_period_end
        services.manual_memberships_run(now=end - dt.timedelta(days=10))
        membership = _paid(membership, admin, end - dt.timedelta(days=4))
    return membership


def members(home, people, admin, now: dt.datetime) -> None:
    """Tiers, a library course and members in every state, with two years of history.
    ``people`` are thirteen demo users; the demo student is left to join from the pricing
    page."""
    library = library_course(home)
    library_cohort_get_or_create(course=library, now=now - relativedelta(months=25))
    free, basic, premium = tiers(library)
    ago = lambda months, days=0: now - relativedelta(months=months, days=days)  # noqa: E731
    # Active yearly members joined over two years; some renewed once.
    _member(people[0], basic, admin, ago(22), renewals=1)
    _member(people[1], premium, admin, ago(19), renewals=1)
    _member(people[2], basic, admin, ago(14), renewals=1)
    _member(people[3], premium, admin, ago(8))
    upgraded = _member(people[4], basic, admin, ago(5))
    premium_yearly = premium.prices.get(interval="year")
    when = ago(2)
    preview = services.membership_change_preview(
        membership=upgraded, to_price=premium_yearly, now=when
    )
    services.membership_change(
        membership=upgraded, to_price=premium_yearly, expected_amount=preview.amount_now, now=when
    )
    _paid(Membership.objects.get(pk=upgraded.pk), admin, when + dt.timedelta(days=2))
    _member(people[5], basic, admin, ago(2))
    # Set to end at the end of the paid period (with a reason), and one that ended.
    ending = _member(people[6], premium, admin, ago(10))
    services.membership_cancel(
        membership=ending,
        reason="too_expensive",
        comment="Less budget next year.",
        now=ago(0, 12),
    )
    ended = _member(people[7], basic, admin, ago(23))
    services.membership_cancel(membership=ended, reason="switched_service", now=ago(13))
    services.manual_memberships_run(now=ended.current_period_end + dt.timedelta(hours=2))
    # Paused for two months from the end of the paid period.
    paused = _member(people[8], basic, admin, ago(11))
    services.membership_pause(membership=paused, months=2, now=ago(0, 20))
    # A renewal that was not paid: in the grace period, reminded.
    late = _member(people[9], basic, admin, ago(12, 6))
    services.manual_memberships_run(now=late.current_period_end - dt.timedelta(days=10))
    services.manual_memberships_run(now=late.current_period_end + dt.timedelta(hours=1))
    # A trial that ended unpaid, one that started four days ago (no card), a free member.
    lapsed = services.membership_join(user=people[12], tier=basic, interval="year", now=ago(4))
    services.manual_memberships_run(now=lapsed.trial_ends_at + dt.timedelta(hours=1))
    services.membership_join(user=people[10], tier=basic, interval="year", now=ago(0, 4))
    services.membership_join(user=people[11], tier=free, now=ago(6))
    services.anniversaries_celebrate(now=now)
