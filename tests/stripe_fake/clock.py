"""What Stripe does between requests, driven by the test: the event log, customers' cards,
each subscription's clock, renewals, trial ends, smart retries.

Every subscription runs on a clock of its own, as if its customer were on a Stripe test clock:
it starts at :meth:`StripeFake.now` when the subscription is created and only
:meth:`ClockMixin.advance` moves it. Requests about that subscription (an update, its invoice
preview, paying its invoice) happen at that clock's time, so a test's results never depend
on the wall clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.stripe_fake.wire import Json, clone, new_id

TRIAL_WILL_END = 3 * 86400  # Stripe's customer.subscription.trial_will_end: 3 days before
INCOMPLETE_EXPIRES = 23 * 3600  # an unpaid first invoice: incomplete -> incomplete_expired
ATTEMPTS_BEFORE_CANCEL = 4  # Stripe's default: cancel the subscription when all retries fail

# What comes due first when several things fall on one second: collection resumes, then the
# schedule moves to its next phase, then the trial warning, then the period ends.
_ORDER = {"expire": 0, "resume_collection": 1, "phase": 2, "trial_will_end": 3, "period_end": 4}


class ClockMixin:
    """The event log, cards, and the helpers that move time: :meth:`advance`, :meth:`retry`."""

    record_events: bool = True
    """Whether state changes are logged as events (and kept for ``GET /v1/events/{id}``). A
    benchmark that seeds thousands of subscriptions can turn it off while seeding."""

    # -- the event log

    def drain_events(self) -> list[Json]:
        """Every event logged since the last drain, oldest first; the log is emptied."""
        with self._lock:
            ids, self._event_log = self._event_log, []
            return self._events(ids)

    def _emit(
        self, type: str, obj: Json, *, previous: Json | None = None, at: int | None = None
    ) -> None:
        if not self.record_events:
            return
        event = self._new_event(type, obj, previous, at if at is not None else self.now())
        self._event_log.append(event["id"])

    def _events(self, ids: list[str]) -> list[Json]:
        events = self._store["event"]
        return [events[event_id] for event_id in ids]

    @contextmanager
    def _changing(self, obj: Json | None, at: int) -> Iterator[None]:
        """Log what the block changes in ``obj`` (a subscription, customer or schedule) as one
        event carrying ``previous_attributes``; nested blocks on one object log once."""
        if obj is None or obj["id"] in self._watching:
            yield
            return
        before = clone(obj)
        self._watching.add(obj["id"])
        try:
            yield
        finally:
            self._watching.discard(obj["id"])
        changed = {key: before.get(key) for key in obj if before.get(key) != obj[key]}
        if not changed:
            return
        kind = obj["object"]
        if kind == "customer":
            self._emit("customer.updated", obj, previous=changed, at=at)
        elif kind == "subscription_schedule":
            self._emit("subscription_schedule.updated", obj, previous=changed, at=at)
        elif obj["status"] == "canceled" and before["status"] != "canceled":
            self._emit("customer.subscription.deleted", obj, at=at)
        else:
            self._emit("customer.subscription.updated", obj, previous=changed, at=at)
            if obj["status"] == "paused" and before["status"] != "paused":
                self._emit("customer.subscription.paused", obj, at=at)
            if before["status"] == "paused" and obj["status"] != "paused":
                self._emit("customer.subscription.resumed", obj, at=at)

    # -- cards

    def set_card(self, customer_id: str, works: bool | None = True) -> None:
        """Give the customer a default card that ``works`` (``True``) or is declined
        (``False``), or take it away (``None``). Logs ``customer.updated``."""
        with self._lock:
            customer = self._store["customer"][customer_id]
            with self._changing(customer, self.now()):
                self._cards[customer_id] = works
                customer["invoice_settings"]["default_payment_method"] = (
                    None if works is None else new_id("pm")
                )

    def _card(self, customer_id: str, subscription: Json | None = None) -> bool | None:
        """Whether a charge to the customer goes through (``None``: nothing to charge). What
        :meth:`set_card` said wins; else a subscription's ``default_payment_method`` (a card
        collected in Checkout, or given on create) works."""
        if customer_id in self._cards:
            return self._cards[customer_id]
        if subscription is not None and subscription.get("default_payment_method"):
            return True
        return None

    # -- time

    def clock(self, subscription_id: str) -> int:
        """The subscription's own time (Unix seconds)."""
        with self._lock:
            return self._billing[subscription_id].clock

    def _sub_now(self, subscription: Json | None) -> int:
        if subscription is None:
            return self.now()
        return self._billing[subscription["id"]].clock

    def advance(
        self, subscription_id: str, *, to: int | None = None, pay: bool = True
    ) -> list[Json]:
        """Move the subscription's clock to ``to`` and do, in order, what Stripe would do on
        the way: the trial warning 3 days ahead; the trial's end (charge the first period, or
        with no card apply ``trial_settings.end_behavior``: a failed invoice, ``canceled`` or
        ``paused``); each renewal (a ``subscription_cycle`` invoice, paid when ``pay`` and the
        card works, else open, ``invoice.payment_failed`` and ``past_due``; skipped as
        ``pause_collection`` says while collection is paused; with the discount while it
        lasts); ``cancel_at_period_end``; ``pause_collection[resumes_at]``; a schedule's next
        phase or its release; an unpaid first invoice expiring after 23 hours. Something due
        exactly at ``to`` happens.

        ``to`` defaults to the end of the current period (the renewal, or the trial's end), or
        for an ``incomplete`` subscription the moment it expires. Returns the events logged on
        the way (also left in the log for :meth:`drain_events`; none while
        ``record_events`` is off)."""
        with self._lock:
            sub = self._store["subscription"][subscription_id]
            state = self._billing[subscription_id]
            if to is None:
                to = self._default_target(sub, state.clock)
            if to < state.clock:
                raise ValueError(f"{subscription_id} is already at {state.clock}, after {to}")
            mark = len(self._event_log)
            for _ in range(100_000):
                due = self._due(sub)
                if due is None or due[0] > to:
                    break
                state.clock = max(state.clock, due[0])
                self._handle_due(sub, due[2], state.clock, pay)
            else:  # pragma: no cover - a bug in _due
                raise RuntimeError(f"{subscription_id} does not settle")
            state.clock = to
            return self._events(self._event_log[mark:])

    def advance_all(self, *, to: int, pay: bool = True) -> list[Json]:
        """:meth:`advance` every subscription still running to ``to`` (one already past
        ``to`` stays where it is), oldest first. Returns the events logged."""
        with self._lock:
            mark = len(self._event_log)
            for sub_id in self._order["subscription"]:
                sub = self._store["subscription"][sub_id]
                if sub["status"] not in ("canceled", "incomplete_expired"):
                    self.advance(sub_id, to=max(to, self._billing[sub_id].clock), pay=pay)
            return self._events(self._event_log[mark:])

    def retry(self, invoice_id: str) -> list[Json]:
        """One of Stripe's smart retries of an open invoice, at its subscription's time: paid
        if the customer's card works (the subscription back to ``active``), else another
        ``invoice.payment_failed`` with ``attempt_count`` + 1; when the 4th attempt fails the
        subscription is cancelled (``cancellation_details.reason`` ``payment_failed``), as
        with Stripe's default "cancel the subscription if all retries fail". Returns the
        events logged."""
        with self._lock:
            invoice = self._store["invoice"][invoice_id]
            if invoice["status"] != "open":
                raise ValueError(f"{invoice_id} is {invoice['status']}, not open")
            sub = self._store["subscription"].get(invoice["subscription"] or "")
            at = self._sub_now(sub)
            mark = len(self._event_log)
            with self._changing(sub, at):
                paid = self._collect(invoice, at)
                self._settle(sub, invoice, paid, at)
            return self._events(self._event_log[mark:])

    def _default_target(self, sub: Json, clock: int) -> int:
        if sub["status"] == "incomplete":
            return sub["created"] + INCOMPLETE_EXPIRES
        if sub["status"] in ("canceled", "incomplete_expired", "paused"):
            return clock
        return max(clock, self._period(sub)[1])

    def _due(self, sub: Json) -> tuple[int, int, str] | None:
        """The next thing that happens to ``sub`` on its own: (when, order, what)."""
        status = sub["status"]
        if status in ("canceled", "incomplete_expired", "paused"):
            return None
        if status == "incomplete":
            return (sub["created"] + INCOMPLETE_EXPIRES, _ORDER["expire"], "expire")
        due: list[tuple[int, int, str]] = []
        pause = sub["pause_collection"]
        if pause and pause.get("resumes_at"):
            due.append((pause["resumes_at"], _ORDER["resume_collection"], "resume_collection"))
        schedule = self._store["subscription_schedule"].get(sub["schedule"] or "")
        if schedule and schedule["status"] == "active" and schedule["current_phase"]:
            end = schedule["current_phase"]["end_date"]
            due.append((end, _ORDER["phase"], "phase"))
        if status == "trialing" and not self._billing[sub["id"]].trial_will_end_sent:
            warn = sub["trial_end"] - TRIAL_WILL_END
            due.append((warn, _ORDER["trial_will_end"], "trial_will_end"))
        due.append((self._period(sub)[1], _ORDER["period_end"], "period_end"))
        return min(due)

    def _handle_due(self, sub: Json, what: str, at: int, pay: bool) -> None:
        if what == "expire":
            with self._changing(sub, at):
                sub["status"] = "incomplete_expired"
                for invoice in self._open_invoices(sub["id"]):
                    self._void(invoice, at)
        elif what == "resume_collection":
            with self._changing(sub, at):
                sub["pause_collection"] = None
        elif what == "phase":
            self._schedule_phase_ends(sub, at, pay)
        elif what == "trial_will_end":
            self._billing[sub["id"]].trial_will_end_sent = True
            self._emit("customer.subscription.trial_will_end", sub, at=at)
        else:
            self._period_ends(sub, at, pay)

    def _period_ends(self, sub: Json, at: int, pay: bool) -> None:
        """The current period (or the trial) is over: cancel, pause, or renew and invoice."""
        state = self._billing[sub["id"]]
        with self._changing(sub, at):
            if sub["cancel_at_period_end"]:
                self._end_subscription(sub, at)
                return
            if sub["status"] == "trialing" and self._card(sub["customer"], sub) is None:
                behavior = sub["trial_settings"]["end_behavior"]["missing_payment_method"]
                if behavior == "cancel":
                    self._end_subscription(sub, at)
                    return
                if behavior == "pause":
                    sub["status"] = "paused"
                    return
            start, end = self._period(sub)
            state.cycle += 1
            self._set_period(sub, end, self._bound(sub, state.cycle))
            if sub["status"] == "trialing":
                sub["status"] = "active"
            specs = [*state.pending, *self._renewal_specs(self._entries(sub), self._period(sub))]
            state.pending = []
            invoice = self._issue(
                sub, specs, reason="subscription_cycle", at=at, period=(start, end)
            )
            behavior = (sub["pause_collection"] or {}).get("behavior")
            if behavior == "void":
                self._void(invoice, at)
            elif behavior == "keep_as_draft":
                invoice["auto_advance"] = False
            elif behavior == "mark_uncollectible":
                self._finalize(invoice, at)
                if invoice["status"] == "open":
                    self._mark_uncollectible(invoice, at)
            else:
                self._finalize(invoice, at)
                if invoice["status"] == "open":
                    self._settle(sub, invoice, self._collect(invoice, at, pay=pay), at)

    def _settle(self, sub: Json | None, invoice: Json, paid: bool, at: int) -> None:
        """The subscription's side of a payment attempt on one of its invoices."""
        if sub is None:
            return
        if paid:
            if sub["status"] in ("incomplete", "past_due") and not self._open_invoices(sub["id"]):
                sub["status"] = "active"
        elif sub["status"] in ("active", "trialing"):
            sub["status"] = "past_due"
        elif sub["status"] == "past_due" and invoice["attempt_count"] >= ATTEMPTS_BEFORE_CANCEL:
            self._end_subscription(sub, at, reason="payment_failed")

    def _open_invoices(self, subscription_id: str) -> list[Json]:
        invoices = self._store["invoice"]
        ids = self._index.get(("invoice", "subscription", subscription_id), [])
        return [invoices[i] for i in ids if invoices[i]["status"] == "open"]
