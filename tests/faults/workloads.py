"""Seeded work whose emails are known in advance, triggered only through public
services and tasks sent by name (the beat schedule's names), so the proof holds
whatever the code behind them does.

Seed inside ``harness.seeding()`` (tasks run in process, emails stay in memory), then
hand the ``Workload`` to ``harness.run``, which triggers it on a real worker. Students
are written in bulk (a cohort of 10,000 for the benchmark); courses, cohorts and
badges come from the test factories and services.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from tests.faults.harness import Workload, send

DELIVER = "notifications.tasks.deliver_pending"
_runs = itertools.count(1)


def students(cohort, n: int, *, status: str = "active", tag: str = "s"):
    """``n`` users with an enrolment of ``status`` in ``cohort`` (bulk: no history)."""
    from cohorts.models import Enrolment
    from lms.models import User

    prefix = f"c{cohort.pk}{tag}{next(_runs)}-"
    users = User.objects.bulk_create(
        User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org", password="!")
        for i in range(n)
    )
    now = timezone.now()
    Enrolment.objects.bulk_create(
        Enrolment(cohort=cohort, user=u, status=status, activated_at=now) for u in users
    )
    return users


def users_without_seat(n: int, *, tag: str):
    from lms.models import User

    prefix = f"{tag}{next(_runs)}-"
    return User.objects.bulk_create(
        User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org", password="!")
        for i in range(n)
    )


def _days_in(days: int) -> dict:
    """A cohort ``days`` into its term on its own calendar: its first module opened
    then, its second opens on day 8, so no other module is announced meanwhile."""
    from lms.timeutils import local_today

    starts = local_today("Europe/Amsterdam") - dt.timedelta(days=days)
    return {"starts_on": starts, "ends_on": starts + dt.timedelta(weeks=8)}


# --- Module unlocked: one fan-out to every student of a cohort --------------------------


def fan_out(n: int) -> Workload:
    from cohorts.models import ModuleUnlockOverride
    from cohorts.selectors import cohort_schedule
    from tests.factories import CohortFactory, course_page

    course = course_page(title="Fan-out course", modules=3, lessons=0)
    cohort = CohortFactory(course=course, capacity=n + 5, **_days_in(3))
    users = students(cohort, n)
    module = cohort_schedule(cohort=cohort)[2].module
    ModuleUnlockOverride.objects.create(
        cohort=cohort, module_id=module.pk, unlocks_at=timezone.now() - dt.timedelta(minutes=1)
    )
    subject = f"Now open: {module.title}"

    def trigger() -> None:
        send("notifications.tasks.module_unlocks")

    def duplicate() -> None:
        send("notifications.tasks.module_unlocks", times=2)
        send(DELIVER, times=2)

    return Workload(
        name="fan_out",
        expected={(u.email, "module_unlocked") for u in users},
        classify=lambda s: "module_unlocked" if s == subject else None,
        trigger=trigger,
        duplicate=duplicate,
    )


# --- Reviews assigned: the review tick allocates a run, one email per reviewer -----------


def reviews_assigned(n: int) -> Workload:
    from assignments.selectors import assignment_slot_get
    from assignments.services import submission_submit
    from cms.models import ModulePage
    from reviews.models import Review, ReviewKind
    from tests.factories import CohortFactory, assignment_page, course_page

    course = course_page(title="Review course", modules=3, lessons=1)
    module = ModulePage.objects.get(path__startswith=course.path, slug="module-1")
    # Due a day after module 1 opened (two days ago); reviews run for ten days.
    assignment = assignment_page(module, due_days=1, review_days=10)
    cohort = CohortFactory(course=course, capacity=n + 5, **_days_in(3))
    users = students(cohort, n)
    due_at = assignment_slot_get(cohort=cohort, assignment_id=assignment.pk).deadlines.due_at
    for user in users:
        submission_submit(
            cohort=cohort,
            assignment_id=assignment.pk,
            author=user,
            text="My essay.",
            now=due_at - dt.timedelta(hours=1),
        )
    title = assignment.title

    def classify(subject: str) -> str | None:
        if "peer review" in subject and subject.endswith(title):
            return "reviews_assigned"
        return None

    def trigger() -> None:
        send("reviews.tasks.review_tick")

    def duplicate() -> None:
        send("reviews.tasks.review_tick", times=2)
        send(DELIVER, times=2)

    def check() -> list[str]:
        reviews = Review.objects.filter(
            kind=ReviewKind.PEER, submission__cohort_assignment__cohort=cohort
        ).count()
        want = n * assignment.peer_reviews
        return [] if reviews == want else [f"{reviews} peer reviews allocated, not {want}"]

    return Workload(
        name="reviews",
        expected={(u.email, "reviews_assigned") for u in users},
        classify=classify,
        trigger=trigger,
        duplicate=duplicate,
        check=check,
    )


# --- Badge re-evaluation: a rule published for a cohort that earned it already ---------


def badge_reevaluation(n: int) -> Workload:
    from badges.models import Award, BadgeClass
    from tests.badges.factories import badge_class
    from tests.factories import CohortFactory, course_page

    course = course_page(title="Badge course", modules=1, lessons=0)
    cohort = CohortFactory(course=course, capacity=n + 5)
    users = students(cohort, n, status="completed")
    name = "Finisher"

    def publish() -> None:
        # Committed: the re-evaluation is queued when the publication commits.
        with transaction.atomic():
            badge_class(course, kind="cohort_completed", name=name)

    def duplicate() -> None:
        publish()
        # The nightly sweep re-evaluates running cohorts: the same work, twice at once.
        send("badges.tasks.sweep_running_cohorts", times=2)
        send(DELIVER, times=2)

    def check() -> list[str]:
        badge = BadgeClass.objects.filter(course=course, name=name).first()
        if badge is None:
            return ["the badge class was not published"]
        awards = Award.objects.filter(badge_class=badge)
        rows, people = awards.count(), awards.values("recipient").distinct().count()
        problems = []
        if rows != n or people != n:
            problems.append(f"{rows} awards to {people} students, not {n} to {n}")
        return problems

    return Workload(
        name="badges",
        expected={(u.email, "badge_awarded") for u in users},
        classify=lambda s: "badge_awarded" if s == f"You earned a badge: {name}" else None,
        trigger=publish,
        duplicate=duplicate,
        check=check,
    )


# --- Payments: invoices, receipts, access paused and restored ---------------------------


def payments_emails(n: int) -> Workload:
    """``n`` orders of each kind: new invoice orders, invoices marked paid (receipt),
    instalment plans unpaid past the grace period (access paused, by the beat task) and
    suspended plans paid again (access restored)."""
    from django.conf import settings
    from django.test import override_settings

    from payments import services
    from payments.models import CohortPrice, Order
    from tests.factories import CohortFactory, UserFactory, course_page

    course = course_page(title="Paid course", modules=2, lessons=0)
    invoiced = CohortFactory(course=course, capacity=2 * n + 5)
    CohortPrice.objects.create(cohort=invoiced, amount=49_500, payment_method="invoice")
    plans = CohortFactory(course=course, capacity=2 * n + 5)
    CohortPrice.objects.create(cohort=plans, amount=49_500, instalments=3)
    staff = UserFactory(is_superuser=True, is_staff=True)
    group = {kind: users_without_seat(n, tag=kind) for kind in PAYMENT_KINDS}
    now = timezone.now()
    overdue = now - dt.timedelta(days=settings.LMS_PAYMENT_GRACE_DAYS + 1)

    to_mark_paid = [
        services.paid_enrolment_start(cohort=invoiced, user=u)[1] for u in group["receipt"]
    ]

    def locked(order):
        return Order.objects.select_for_update().get(pk=order.pk)

    def pay(order, reference: str) -> None:
        with transaction.atomic():
            order = locked(order)
            services.payment_confirm(
                order=order,
                amount=services.expected_payment(order=order),
                currency=order.currency,
                reference=reference,
                source="faults",
                now=timezone.now(),
            )

    def plan_in_arrears(user):
        """A three-part plan paid online once, its second part failed past the grace
        period (no Stripe call is made: the order is only recorded)."""
        _enrolment, order = services.paid_enrolment_start(cohort=plans, user=user, instalments=3)
        pay(order, f"first-{order.pk}")
        with transaction.atomic():
            services.instalment_failed(
                order=locked(order), reference=f"fail-{order.pk}", now=overdue
            )
        return order

    with override_settings(STRIPE_SECRET_KEY="sk_test_faults"):
        to_restore = [plan_in_arrears(u) for u in group["restored"]]
        services.instalments_suspend_overdue(now=now)  # these are paused already
        for u in group["paused"]:
            plan_in_arrears(u)

    def trigger(times: int = 1) -> None:
        for user in group["invoice"]:
            services.paid_enrolment_start(cohort=invoiced, user=user)
        for _ in range(times):  # a second time changes nothing: the services say so
            for order in to_mark_paid:
                services.order_mark_paid(order=order, by=staff)
            for order in to_restore:
                pay(order, f"second-{order.pk}")
        # Access pauses by the beat task, in the worker.
        send("payments.tasks.expire_payment_holds", times=times)

    def duplicate() -> None:
        trigger(times=2)
        send(DELIVER, times=2)

    title = course.title
    subjects = {
        "receipt": f"Payment received: {title}",
        "paused": f"Your access to {title} is paused",
        "restored": f"Your access to {title} is back",
    }

    def classify(subject: str) -> str | None:
        if subject.startswith("Invoice ") and subject.endswith(f": {title}"):
            return "invoice"
        return next((kind for kind, s in subjects.items() if s == subject), None)

    return Workload(
        name="payments",
        expected={(u.email, kind) for kind, users in group.items() for u in users},
        classify=classify,
        trigger=trigger,
        duplicate=duplicate,
    )


PAYMENT_KINDS = ("invoice", "receipt", "paused", "restored")

WORKLOADS = {
    "fan_out": fan_out,
    "reviews": reviews_assigned,
    "badges": badge_reevaluation,
    "payments": payments_emails,
}
