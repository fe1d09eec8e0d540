"""Server time and SQL queries of the Stripe webhook, per event type, with few and with
many orders in the database.

Seeds a paid cohort with ORDERS orders (pending, paid in full, paying in instalments),
then posts signed, Stripe-shaped events through Django's test client (no network; the
handled events make no calls to Stripe) and prints p50/p95 milliseconds and queries per
event, on SQLite and, when reachable, PostgreSQL. Each event is about a different order.

    .venv/bin/python bench/webhooks.py                 # both databases, 500 and 10,000 orders
    .venv/bin/python bench/webhooks.py --only sqlite
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from common import child_env, databases, django_setup, postgres_reset, run_child

SIZES, RUNS, SECRET = (500, 10_000), 40, "whsec_bench"


def parent(args) -> None:
    for size in SIZES:  # a fresh database per size
        with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
            for name, url in databases(args.only, scratch, "lms_bench_hooks").items():
                if name == "postgresql":
                    postgres_reset(url)
                env = child_env(
                    url,
                    scratch,
                    STRIPE_SECRET_KEY="sk_test_bench",
                    STRIPE_WEBHOOK_SECRET=SECRET,
                    DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                )
                run_child(__file__, "--child", name, "--orders", str(size), env=env)


def child(name: str, orders: int) -> None:
    django_setup()
    import stripe
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lms.celery import app

    app.conf.task_always_eager = True
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    pools = seed(orders)
    client = Client()

    def post(event: dict):
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
        return client.post(
            "/payments/stripe/webhook/",
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )

    cases = {
        "checkout.session.completed": lambda o, i: (
            "checkout.session.completed",
            {
                "id": f"cs_{o.pk}",
                "object": "checkout.session",
                "metadata": {"order_id": str(o.pk)},
                "payment_status": "paid",
                "payment_intent": f"pi_{o.pk}",
                "amount_total": o.total_amount,
                "currency": o.currency.lower(),
                "invoice": None,
                "subscription": None,
            },
        ),
        "invoice.paid (instalment 2)": lambda o, i: (
            "invoice.paid",
            {
                "id": f"in_{o.pk}_2",
                "object": "invoice",
                "amount_paid": o.total_amount // 3,
                "amount_due": o.total_amount // 3,
                "currency": o.currency.lower(),
                "billing_reason": "subscription_cycle",
                "parent": {
                    "subscription_details": {
                        "metadata": {"order_id": str(o.pk)},
                        "subscription": o.subscription,
                    }
                },
            },
        ),
        "invoice.payment_failed": lambda o, i: (
            "invoice.payment_failed",
            {
                "id": f"in_{o.pk}_3",
                "object": "invoice",
                "amount_paid": 0,
                "amount_due": o.total_amount // 3,
                "parent": {"subscription_details": {"metadata": {"order_id": str(o.pk)}}},
            },
        ),
        "charge.refunded (full)": lambda o, i: (
            "charge.refunded",
            {
                "id": f"ch_{o.pk}",
                "object": "charge",
                "metadata": {"order_id": str(o.pk)},
                "payment_intent": o.payment_intent,
                "amount_refunded": o.total_amount,
                "refunds": {"data": [{"id": f"re_{o.pk}"}]},
            },
        ),
        "checkout.session.expired": lambda o, i: (
            "checkout.session.expired",
            {
                "id": f"cs_x{o.pk}",
                "object": "checkout.session",
                "metadata": {"order_id": str(o.pk)},
            },
        ),
        "customer.updated (not handled)": lambda o, i: (
            "customer.updated",
            {"id": f"cus_{i}", "object": "customer"},
        ),
    }
    print(f"\n{name}: {orders:,} orders in the database, {RUNS} events per type")
    print(f"{'event':<32}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}  outcome")
    for label, make in cases.items():
        timings, counts, outcomes = [], set(), set()
        for i in range(RUNS):
            event_type, obj = make(pools_pick(pools, label, i), i)
            slug = "".join(ch for ch in label if ch.isalnum())
            event = {"id": f"evt_{slug}_{i}", "object": "event", "type": event_type}
            event["data"] = {"object": obj}
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = post(event)
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.content
            counts.add(len(queries))
            outcomes.add(response.json()["outcome"])
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        spread = f"{min(counts)}-{max(counts)}" if len(counts) > 1 else str(counts.pop())
        print(
            f"{label:<32}{statistics.median(timings):>9.1f}{p95:>9.1f}{spread:>9}  "
            f"{'; '.join(sorted(outcomes))}"
        )
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        post(event)  # the last event again
        took = (time.perf_counter() - start) * 1000
    print(f"{'a duplicate delivery':<32}{took:>9.1f}{'':>9}{len(queries):>9}  duplicate")


def pools_pick(pools, label, i):
    key = {
        "checkout.session.completed": "pending",
        "invoice.paid (instalment 2)": "plans",
        "invoice.payment_failed": "plans_failing",
        "charge.refunded (full)": "paid",
        "checkout.session.expired": "to_expire",
        "customer.updated (not handled)": "paid",
    }[label]
    return pools[key][i]


def seed(orders: int):
    import datetime as dt

    from django.utils import timezone
    from wagtail.models import Page, Site

    from cms.models import CoursePage, HomePage
    from cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from lms.models import User
    from payments.models import CohortPrice, Order, OrderStatus, Payment, Provider

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Bench", slug="bench"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"root_page": home, "hostname": "testserver"}
    )
    course = home.add_child(instance=CoursePage(title="Course", slug="c", summary="s"))
    now = timezone.now()
    start = (now - dt.timedelta(days=3)).date()
    cohort = Cohort.objects.create(
        course=course,
        name="Bench cohort",
        starts_on=start,
        ends_on=start + dt.timedelta(weeks=8),
        enrolment_opens_at=now - dt.timedelta(days=60),
        enrolment_closes_at=now + dt.timedelta(days=1),
        capacity=orders * 2,
        unlock_weekday=start.weekday(),
    )
    CohortPrice.objects.create(cohort=cohort, amount=49_500, instalments=3)
    users = User.objects.bulk_create(
        User(username=f"s{i}", email=f"s{i}@example.org") for i in range(orders)
    )
    kinds = ["pending", "paid", "plans", "plans_failing", "to_expire"]
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(
            cohort=cohort,
            user=u,
            status=EnrolmentStatus.PENDING_PAYMENT
            if kinds[i % len(kinds)] in ("pending", "to_expire")
            else EnrolmentStatus.ACTIVE,
            activated_at=now,
        )
        for i, u in enumerate(users)
    )
    rows = []
    for i, e in enumerate(enrolments):
        kind = kinds[i % len(kinds)]
        plan = kind.startswith("plans")
        rows.append(
            Order(
                enrolment=e,
                user_id=e.user_id,
                status=OrderStatus.PENDING
                if kind in ("pending", "to_expire")
                else OrderStatus.PAID,
                provider=Provider.STRIPE,
                currency="EUR",
                list_amount=49_500,
                total_amount=49_500,
                instalments=3 if plan else 1,
                instalments_paid=1 if plan else (0 if kind in ("pending", "to_expire") else 1),
                hold_expires_at=now + dt.timedelta(minutes=30),
                paid_at=None if kind in ("pending", "to_expire") else now,
                payment_intent=f"pi_seed_{i}",
                subscription=f"sub_{i}" if plan else "",
                checkout_session="" if kind != "to_expire" else f"cs_x{i}",
            )
        )
    created = Order.objects.bulk_create(rows, batch_size=2000)
    Payment.objects.bulk_create(
        (
            Payment(
                order=o,
                amount=o.total_amount // o.instalments,
                currency="EUR",
                provider_reference=f"seed_{o.pk}",
                paid_at=now,
                recorded_by="seed",
            )
            for o in created
            if o.status == OrderStatus.PAID
        ),
        batch_size=2000,
    )
    pools = {k: [] for k in kinds}
    for i, o in enumerate(Order.objects.order_by("pk")):
        pools[kinds[i % len(kinds)]].append(o)
    for o in pools["to_expire"]:
        o.checkout_session = f"cs_x{o.pk}"
    Order.objects.bulk_update(pools["to_expire"], ["checkout_session"])
    assert all(len(p) >= RUNS for p in pools.values()), "too few orders for the runs"
    return pools


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child")
    parser.add_argument("--orders", type=int, default=SIZES[0])
    args = parser.parse_args()
    child(args.child, args.orders) if args.child else parent(args)
