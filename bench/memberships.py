"""Memberships at scale: the staff revenue page and the nightly reconciliation with
Stripe, with 20,000 members across three tiers and two years of history.

Every member pays through Stripe. Each one's two years are simulated (joins, trials
converted and not, upgrades, downgrades, cancellations by the member and after failed
payments, payments that failed and recovered) and written with bulk_create: the
memberships in their final state and one ledger row per change, each row's MRR and
paying-member deltas computed by ledger.mrr_of exactly as ledger.record computes them
(the real ledger code would also run the access sync, the history and the notices
for every one of some 43,000 changes). The in-process Stripe test server
(tests/stripe_fake, events off while seeding) holds a subscription per member in the
state the membership says (active, trialing, past due, cancelled), made through its
request handler, and the memberships take their periods from it as a webhook would.

Printed, on SQLite and, when reachable, PostgreSQL: p50/p95 milliseconds and queries
of the revenue page (GET /memberships/staff/ as staff, through Django's test client)
and of selectors.revenue_get; then the reconciliation of every subscription, before
and after 1 % drift made at Stripe without webhooks (half cancelled there, half moved
to another tier): its duration, requests to Stripe, memberships repaired (checked to
be exactly the drifted ones) and history rows written.

    .venv/bin/python bench/memberships.py                    # both databases
    .venv/bin/python bench/memberships.py --only sqlite --members 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from urllib.parse import urlencode

from common import child_env, databases, django_setup, postgres_reset, run_child

MEMBERS, RUNS, DRIFT = 20_000, 30, 0.01
# name, level, monthly and yearly price (cents), share of members
TIERS = (
    ("Basic", 1, 1_000, 10_000, 50),
    ("Plus", 2, 2_500, 25_000, 35),
    ("Premium", 3, 6_000, 60_000, 15),
)
DAY = dt.timedelta(days=1)


def parent(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch:
        for name, url in databases(args.only, scratch, "lms_bench_members").items():
            if name == "postgresql":
                postgres_reset(url)
            env = child_env(
                url, scratch, DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
            )
            run_child(__file__, "--child", name, "--members", str(args.members), env=env)


def child(name: str, members: int) -> None:
    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from lms.celery import app
    from tests.stripe_fake.fixtures import sdk_pointed_at
    from tests.stripe_fake.server import TEST_API_KEY, StripeFake

    app.conf.task_always_eager = True
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    with StripeFake() as fake, sdk_pointed_at(fake):
        settings.STRIPE_SECRET_KEY = TEST_API_KEY
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_WEBHOOK_SECRET = "whsec_bench"
        started = time.perf_counter()
        lives, staff = seed(fake, members)
        seeded = time.perf_counter() - started
        print(f"\n{name}: {members:,} members, 3 tiers, 24 months ({seeded:.0f} s to seed)")
        print(_summary(lives))
        revenue(staff)
        reconciliation(fake, lives)


# --- Seeding -----------------------------------------------------------------------------


class Life:
    """One member's simulated two years: the membership (unsaved, in its final state),
    its ledger rows, and what Stripe must show for it."""

    def __init__(self, membership):
        self.membership = membership
        self.rows: list[dict] = []
        self.trial_start: dt.datetime | None = None
        self.subscription = ""

    def change(self, kind, at, *, to=None, from_tier=None, end_reason=""):
        from memberships.services.ledger import mrr_of

        m = self.membership
        if to is not None:
            m.status = to
        if kind == "ended":
            m.end_reason, m.ended_at, m.cancel_at_period_end = end_reason, at, False
        new = mrr_of(m)  # as ledger.record: the new share less the stored one
        self.rows.append(
            {
                "kind": kind,
                "at": at,
                "tier": m.tier,
                "from_tier": from_tier,
                "mrr_delta": new - m.mrr,
                "paying_delta": int(new > 0) - int(m.mrr > 0),
                "end_reason": end_reason if kind == "ended" else "",
            }
        )
        m.mrr = new


def simulate(rng: random.Random, life: Life, tiers, prices, now: dt.datetime) -> None:
    """Two years of one membership, month by month, until now."""
    m = life.membership
    level = tiers.index(m.tier)
    t = m.started_at
    if rng.random() < 0.3:
        life.change("trial_started", t, to="trialing")
        m.trial_ends_at = t + 14 * DAY
        if m.trial_ends_at > now:
            life.trial_start = t
            return
        t = m.trial_ends_at
        if rng.random() >= 0.75:
            life.change("ended", t, to="ended", end_reason="trial_expired")
            return
        life.change("converted", t, to="active")
    else:
        life.change("joined", t, to="active")
    while (t := t + rng.uniform(28, 32) * DAY) < now:
        draw = rng.random()
        if draw < 0.02:  # the member cancels; it ends with the paid period
            life.change("cancel_requested", t)
            m.cancel_at_period_end = True
            ends = t + rng.uniform(1, 30) * DAY
            if ends < now:
                life.change("ended", ends, to="ended", end_reason="voluntary")
            return
        if draw < 0.035:  # a renewal fails: recovered, or suspended and ended
            life.change("payment_failed", t, to="past_due")
            m.failing_since = t
            if rng.random() < 0.6:
                if t + 3 * DAY >= now:
                    return
                life.change("recovered", t + 3 * DAY, to="active")
                m.failing_since = None
                continue
            for kind, days, status in (("suspended", 7, "suspended"), ("ended", 21, "ended")):
                if t + days * DAY >= now:
                    return
                life.change(kind, t + days * DAY, to=status, end_reason="failed_payment")
            return
        step = 1 if draw < 0.055 else -1 if draw < 0.07 else 0
        if step and 0 <= level + step < len(tiers):
            old, level = m.tier, level + step
            price = prices[(level, m.interval)]
            m.tier, m.price, m.amount = tiers[level], price, price.amount
            life.change("upgraded" if step > 0 else "downgraded", t, from_tier=old)


def _form(params, prefix=""):
    """Stripe's form encoding of nested parameters, as the SDK sends them."""
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            yield from _form(value, name)
        elif isinstance(value, list):
            yield from _form({str(i): v for i, v in enumerate(value)}, name)
        else:
            yield name, str(value).lower() if isinstance(value, bool) else str(value)


def stripe_request(fake, method: str, path: str, params: dict | None = None) -> dict:
    """One request through the Stripe server's own handler (no socket while seeding)."""
    from tests.stripe_fake.server import TEST_API_KEY

    body = urlencode(list(_form(params or {}))).encode()
    status, payload, _headers = fake.handle(
        method, path, body, {"Authorization": f"Bearer {TEST_API_KEY}"}
    )
    assert status == 200, payload
    return payload


def _subscribe(fake, life: Life, now: dt.datetime) -> None:
    """The member's subscription at Stripe, in the state the membership is in."""
    m = life.membership
    months = 12 if m.interval == "year" else 1
    customer = stripe_request(fake, "POST", "/v1/customers", {"email": m.user.email})["id"]
    params = {
        "customer": customer,
        "items": [{"price": m.price.stripe_price}],
        "default_payment_method": "pm_card_visa",
        "metadata": {"membership_id": str(m.pk)},
    }
    if m.status == "trialing":
        fake.set_now(int(life.trial_start.timestamp()))
        params["trial_period_days"] = 14
    elif m.status in ("past_due", "suspended"):
        fake.set_now(int((now - months * 30 * DAY).timestamp()))  # renews about now
    else:
        fake.set_now(int((now - random.uniform(0, months * 28) * DAY).timestamp()))
    sub = stripe_request(fake, "POST", "/v1/subscriptions", params)
    fake.set_now(None)
    if m.status == "ended":
        stripe_request(fake, "DELETE", f"/v1/subscriptions/{sub['id']}")
    elif m.status in ("past_due", "suspended"):
        fake.set_card(customer, False)
        fake.advance(sub["id"])  # the renewal is declined: past_due
    elif m.cancel_at_period_end:
        stripe_request(
            fake, "POST", f"/v1/subscriptions/{sub['id']}", {"cancel_at_period_end": True}
        )
    life.subscription = sub["id"]


def seed(fake, members: int):
    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from lms.models import User
    from memberships.models import Membership, MembershipChange, Tier, TierPrice
    from memberships.services import price_in_stripe
    from memberships.services.stripe_sync import period_of

    rng = random.Random(20_000)
    random.seed(20_000)
    now = timezone.now()
    fake.record_events = False
    tiers, prices = [], {}
    for level, (tier_name, rank, monthly, yearly, _share) in enumerate(TIERS):
        tier = Tier.objects.create(
            name=tier_name, slug=tier_name.lower(), level=rank, trial_days=14
        )
        tiers.append(tier)
        for interval, amount in (("month", monthly), ("year", yearly)):
            price = TierPrice.objects.create(tier=tier, interval=interval, amount=amount)
            price_in_stripe(price=price)
            prices[(level, interval)] = price
    staff = User.objects.create(username="finance", email="finance@example.org")
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="memberships", codename="manage_memberships")
    )
    users = User.objects.bulk_create(
        (User(username=f"m{i}", email=f"m{i}@example.org") for i in range(members)),
        batch_size=2000,
    )
    shares = [share for *_rest, share in TIERS]
    lives = []
    for user in users:
        level = rng.choices(range(len(tiers)), shares)[0]
        interval = "month" if rng.random() < 0.8 else "year"
        price = prices[(level, interval)]
        membership = Membership(
            user=user,
            tier=tiers[level],
            price=price,
            provider="stripe",
            status="incomplete",
            amount=price.amount,
            currency="EUR",
            interval=interval,
            started_at=now - rng.uniform(1, 730) * DAY,
        )
        life = Life(membership)
        simulate(rng, life, tiers, prices, now)
        lives.append(life)
    Membership.objects.bulk_create([life.membership for life in lives], batch_size=2000)
    for life in lives:
        _subscribe(fake, life, now)
        m = life.membership
        sub = fake.get(life.subscription)
        m.stripe_subscription = life.subscription
        m.current_period_start, m.current_period_end = period_of(sub)
        trial_end = sub.get("trial_end")
        m.trial_ends_at = dt.datetime.fromtimestamp(trial_end, tz=dt.UTC) if trial_end else None
        m.synced_at = now
    Membership.objects.bulk_update(
        [life.membership for life in lives],
        [
            "stripe_subscription",
            "current_period_start",
            "current_period_end",
            "trial_ends_at",
            "synced_at",
        ],
        batch_size=2000,
    )
    MembershipChange.objects.bulk_create(
        (
            MembershipChange(membership=life.membership, currency="EUR", source="seed", **row)
            for life in lives
            for row in life.rows
        ),
        batch_size=5000,
    )
    return lives, staff


def _summary(lives) -> str:
    from collections import Counter

    from memberships.models import MembershipChange

    statuses = Counter(life.membership.status for life in lives)
    kinds = Counter(row["kind"] for life in lives for row in life.rows)
    ended = Counter(row["end_reason"] for life in lives for row in life.rows if row["end_reason"])
    return (
        f"  members: {', '.join(f'{k} {v:,}' for k, v in sorted(statuses.items()))}\n"
        f"  ledger: {MembershipChange.objects.count():,} rows "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})\n"
        f"  ended: {', '.join(f'{k} {v:,}' for k, v in sorted(ended.items()))}"
    )


# --- Measuring ---------------------------------------------------------------------------


def _timed(fn, runs: int) -> tuple[float, float, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, counts = [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - start) * 1000)
        counts.add(len(queries))
    timings.sort()
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    spread = f"{min(counts)}-{max(counts)}" if len(counts) > 1 else str(counts.pop())
    return statistics.median(timings), p95, spread


def revenue(staff) -> None:
    from django.test import Client

    from memberships import selectors

    client = Client()
    client.force_login(staff)

    def page():
        response = client.get("/memberships/staff/")
        assert response.status_code == 200, response.status_code

    page()  # warm: templates compiled, session read
    print(f"{'revenue':<34}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    for label, fn in (
        ("GET /memberships/staff/", page),
        ("selectors.revenue_get", selectors.revenue_get),
    ):
        p50, p95, queries = _timed(fn, RUNS)
        print(f"{label:<34}{p50:>9.1f}{p95:>9.1f}{queries:>9}")


def _drift(fake, lives) -> set[int]:
    """1 % of the live memberships change at Stripe without a webhook: half are
    cancelled there, half move to another tier (a missed upgrade or downgrade)."""
    from memberships.models import TierPrice

    live = [life for life in lives if life.membership.status == "active"]
    chosen = random.Random(1).sample(live, max(int(len(lives) * DRIFT), 2))
    for i, life in enumerate(chosen):
        sub_id = life.subscription
        if i % 2 == 0:
            stripe_request(fake, "DELETE", f"/v1/subscriptions/{sub_id}")
            continue
        m = life.membership
        other = (
            TierPrice.objects.filter(interval=m.interval, tier__level__gt=m.tier.level).first()
            or TierPrice.objects.filter(interval=m.interval, tier__level__lt=m.tier.level).first()
        )
        item = fake.get(sub_id)["items"]["data"][0]["id"]
        stripe_request(
            fake,
            "POST",
            f"/v1/subscriptions/{sub_id}",
            {"items": [{"id": item, "price": other.stripe_price}], "proration_behavior": "none"},
        )
    return {life.membership.pk for life in chosen}


def reconciliation(fake, lives) -> None:
    from memberships.models import Membership
    from memberships.services import memberships_reconcile

    print(f"{'reconciliation':<34}{'seconds':>9}{'requests':>9}{'repaired':>9}{'history':>9}")

    def run(label: str):
        requests, history = len(fake.requests), Membership.history.count()
        start = time.perf_counter()
        done = memberships_reconcile()
        took = time.perf_counter() - start
        made = len(fake.requests) - requests
        assert made == done.requests and not done.error, done.error
        written = Membership.history.count() - history
        print(
            f"{label:<34}{took:>9.1f}{made:>9}{done.memberships_changed:>9}{written:>9}"
            f"   ({done.subscriptions_seen:,} subscriptions read)"
        )
        return done

    quiet = run("nothing changed at Stripe")
    assert quiet.memberships_changed == 0, quiet.repairs[:5]
    drifted = _drift(fake, lives)
    repaired = run(f"{len(drifted)} changed at Stripe (1 %)")
    found = {entry["membership"] for entry in repaired.repairs}
    assert found == drifted, (sorted(found - drifted)[:5], sorted(drifted - found)[:5])
    print(f"{'':<34}repaired exactly the {len(drifted)} drifted memberships")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child")
    parser.add_argument("--members", type=int, default=MEMBERS)
    args = parser.parse_args()
    child(args.child, args.members) if args.child else parent(args)
