"""Subscription schedules made from a subscription (``from_subscription``), to change its
price at a later date: phases, release, cancel, and the move to the next phase when the
subscription's clock reaches a phase's end."""

from __future__ import annotations

from tests.stripe_fake.subscriptions import PRORATION_BEHAVIORS
from tests.stripe_fake.wire import (
    Json,
    StripeApiError,
    _add_interval,
    _choice,
    _dict,
    _int,
    _list,
    _merged_metadata,
    _metadata,
    _missing,
    _only_one,
    clone,
    fixture,
    new_id,
)

_LIVE = ("not_started", "active")


class SchedulesMixin:
    """The ``/v1/subscription_schedules`` routes."""

    def _phase(
        self, entries: list[tuple[Json, int]], start: int, end: int, proration: str, currency: str
    ) -> Json:
        phase = fixture("subscription_schedule", "phases", 0)
        template = phase["items"][0]
        items = []
        for price, quantity in entries:
            item = clone(template)
            item.update(
                billing_thresholds=None,
                discounts=[],
                metadata={},
                plan=price["id"],
                price=price["id"],
                quantity=quantity,
                tax_rates=[],
            )
            items.append(item)
        phase.update(
            add_invoice_items=[],
            application_fee_percent=None,
            billing_cycle_anchor=None,
            billing_thresholds=None,
            collection_method=None,
            currency=currency,
            default_payment_method=None,
            default_tax_rates=[],
            description=None,
            discounts=[],
            end_date=end,
            invoice_settings=None,
            items=items,
            metadata={},
            on_behalf_of=None,
            proration_behavior=proration,
            start_date=start,
            transfer_data=None,
            trial_end=None,
        )
        return phase

    def _live_schedule(self, obj_id: str, verb: str) -> Json:
        schedule = self._find("subscription_schedule", obj_id)
        if schedule["status"] not in _LIVE:
            raise StripeApiError(
                400,
                f"You cannot {verb} a subscription schedule that is currently in the "
                f"`{schedule['status']}` status. It must be in one of the following statuses: "
                "`not_started`, `active`.",
            )
        return schedule

    # -- routes

    def _create_schedule(self, params: Json) -> Json:
        sub_id = params.get("from_subscription")
        if not sub_id:
            raise StripeApiError(
                400,
                "This server creates subscription schedules from an existing subscription: "
                "pass `from_subscription`.",
                param="from_subscription",
            )
        for other in ("phases", "customer", "start_date", "end_behavior"):
            if other in params:
                raise StripeApiError(
                    400,
                    f"You cannot set `{other}` if `from_subscription` is set.",
                    param=other,
                )
        sub = self._find("subscription", sub_id, status=400, param="from_subscription")
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise StripeApiError(
                400,
                f"You cannot migrate a subscription that is `{sub['status']}`.",
                param="from_subscription",
            )
        if sub["schedule"]:
            raise StripeApiError(
                400,
                f"You cannot migrate a subscription that is already attached to a schedule: "
                f"`{sub['schedule']}`.",
                param="from_subscription",
            )
        at = self._billing[sub_id].clock
        start, end = self._period(sub)
        entries = [(item["price"], item["quantity"]) for item in sub["items"]["data"]]
        schedule = fixture("subscription_schedule")
        settings = schedule["default_settings"]
        settings.update(billing_thresholds=None, transfer_data=None)
        settings["automatic_tax"]["liability"] = None
        schedule.update(
            id=new_id("sub_sched"),
            canceled_at=None,
            completed_at=None,
            created=at,
            current_phase={"start_date": start, "end_date": end},
            customer=sub["customer"],
            customer_account=None,
            end_behavior="release",
            metadata=_metadata(params.get("metadata")),
            phases=[self._phase(entries, start, end, "create_prorations", sub["currency"])],
            released_at=None,
            released_subscription=None,
            status="active",
            subscription=sub_id,
            test_clock=None,
        )
        self._keep(schedule)
        self._emit("subscription_schedule.created", schedule, at=at)
        with self._changing(sub, at):
            sub["schedule"] = schedule["id"]
        return clone(schedule)

    def _update_schedule(self, params: Json, obj_id: str) -> Json:
        schedule = self._live_schedule(obj_id, "update")
        sub = self._store["subscription"][schedule["subscription"]]
        at = self._billing[sub["id"]].clock
        end_behavior = _choice(params, "end_behavior", ("cancel", "none", "release", "renew"))
        if end_behavior in ("none", "renew"):
            raise StripeApiError(
                400,
                "This server implements end_behavior `release` and `cancel`.",
                param="end_behavior",
            )
        behavior = _choice(
            params, "proration_behavior", PRORATION_BEHAVIORS, default="create_prorations"
        )
        metadata = None
        if "metadata" in params:
            metadata = _merged_metadata(schedule["metadata"], params["metadata"])
        phases = change = None
        if "phases" in params:
            phases = self._phases_param(params["phases"], schedule, sub, at)
            wanted = [(item["price"], item["quantity"]) for item in phases[0]["items"]]
            if wanted != [(i["price"]["id"], i["quantity"]) for i in sub["items"]["data"]]:
                change = self._plan_change(
                    sub, self._items_param(sub, wanted), "phases[0][items]", behavior, None, at
                )
        with self._changing(schedule, at):
            if end_behavior:
                schedule["end_behavior"] = end_behavior
            if metadata is not None:
                schedule["metadata"] = metadata
            if phases:
                schedule["phases"] = phases
                schedule["current_phase"] = {
                    "start_date": phases[0]["start_date"],
                    "end_date": phases[0]["end_date"],
                }
            if change is not None:
                with self._changing(sub, at):
                    self._apply_change(sub, change, at)
        return clone(schedule)

    def _phases_param(self, value: object, schedule: Json, sub: Json, at: int) -> list[Json]:
        raw = _list(value, "phases")
        if not raw:
            raise _missing("phases")
        start = schedule["current_phase"]["start_date"]
        phases = []
        for i, phase in enumerate(raw):
            prefix = f"phases[{i}]"
            phase = _dict(phase, prefix)
            given = _int(phase.get("start_date"), f"{prefix}[start_date]")
            if given is not None and given != start:
                raise StripeApiError(
                    400,
                    "You can not modify the start date of the current phase."
                    if i == 0
                    else "The start date of a phase must be the end date of the phase before.",
                    param=f"{prefix}[start_date]",
                )
            items = _list(phase.get("items"), f"{prefix}[items]")
            if not items:
                raise _missing(f"{prefix}[items]")
            entries = []
            for j, item in enumerate(items):
                p = f"{prefix}[items][{j}]"
                item = _dict(item, p)
                price = self._recurring_price(item.get("price"), f"{p}[price]", sub["currency"])
                entries.append(
                    (price, _int(item.get("quantity"), f"{p}[quantity]", minimum=1) or 1)
                )
            interval, count = self._same_interval(
                [price for price, _ in entries], f"{prefix}[items]"
            )
            end = _int(phase.get("end_date"), f"{prefix}[end_date]")
            iterations = _int(phase.get("iterations"), f"{prefix}[iterations]", minimum=1)
            if end is not None and iterations is not None:
                raise _only_one(f"{prefix}[end_date]", f"{prefix}[iterations]")
            if end is None:
                if iterations is None and i < len(raw) - 1:
                    raise _missing(f"{prefix}[end_date]")
                end = _add_interval(start, interval, count * (iterations or 1))
            if end <= max(start, at if i == 0 else start):
                raise StripeApiError(
                    400,
                    "A phase must end after it starts, and the current phase in the future.",
                    param=f"{prefix}[end_date]",
                )
            proration = _choice(
                phase,
                "proration_behavior",
                PRORATION_BEHAVIORS,
                default="create_prorations",
                prefix=prefix,
            )
            phases.append(self._phase(entries, start, end, proration, sub["currency"]))
            start = end
        return phases

    def _items_param(self, sub: Json, wanted: list[tuple[str, int]]) -> list[Json]:
        """The ``items`` update that gives ``sub`` the ``wanted`` (price id, quantity) items,
        item for item."""
        current = sub["items"]["data"]
        if len(wanted) < len(current):
            raise StripeApiError(
                400, "This server does not remove subscription items.", param="phases"
            )
        items = []
        for n, (price_id, quantity) in enumerate(wanted):
            entry = {"price": price_id, "quantity": str(quantity)}
            if n < len(current):
                entry["id"] = current[n]["id"]
            items.append(entry)
        return items

    def _scheduled_entries(self, sub: Json, when: int) -> list[tuple[str | None, Json, int]]:
        """The items ``sub`` will have at ``when`` (its period's end): the next phase's when
        its schedule moves on by then, else the current ones."""
        entries = self._entries(sub)
        schedule = self._store["subscription_schedule"].get(sub["schedule"] or "")
        if schedule is None or schedule["status"] != "active":
            return entries
        phases = schedule["phases"]
        ending = schedule["current_phase"]["end_date"]
        n = next(i for i, phase in enumerate(phases) if phase["end_date"] == ending)
        if ending > when or n + 1 == len(phases):
            return entries
        return [
            (
                entries[k][0] if k < len(entries) else None,
                self._store["price"][item["price"]],
                item["quantity"],
            )
            for k, item in enumerate(phases[n + 1]["items"])
        ]

    def _release_schedule(self, params: Json, obj_id: str) -> Json:
        schedule = self._live_schedule(obj_id, "release")
        sub = self._store["subscription"][schedule["subscription"]]
        self._release(schedule, sub, self._billing[sub["id"]].clock)
        return clone(schedule)

    def _cancel_schedule(self, params: Json, obj_id: str) -> Json:
        """Cancels the schedule and its subscription at once, as Stripe does."""
        schedule = self._live_schedule(obj_id, "cancel")
        sub = self._store["subscription"][schedule["subscription"]]
        at = self._billing[sub["id"]].clock
        with self._changing(sub, at):
            sub.update(canceled_at=at, cancel_at=None, cancel_at_period_end=False)
            sub["cancellation_details"] = {
                **sub["cancellation_details"],
                "reason": "cancellation_requested",
            }
            self._end_subscription(sub, at)
        return clone(schedule)

    # -- what happens on its own

    def _release(self, schedule: Json, sub: Json, at: int) -> None:
        with self._changing(sub, at):
            schedule.update(
                status="released",
                released_at=at,
                released_subscription=sub["id"],
                current_phase=None,
            )
            sub["schedule"] = None
            self._emit("subscription_schedule.released", schedule, at=at)

    def _schedule_ends_with(self, sub: Json, at: int) -> None:
        """The subscription ended: its live schedule is cancelled with it."""
        schedule = self._store["subscription_schedule"].get(sub["schedule"] or "")
        if schedule is None or schedule["status"] not in _LIVE:
            return
        schedule.update(status="canceled", canceled_at=at, current_phase=None)
        self._emit("subscription_schedule.canceled", schedule, at=at)

    def _schedule_phase_ends(self, sub: Json, at: int, pay: bool) -> None:
        """The current phase is over: the next phase's prices take over (at the period's end
        without proration, mid-period as the phase's ``proration_behavior`` says), or after
        the last phase the schedule is released or cancels the subscription."""
        schedule = self._store["subscription_schedule"][sub["schedule"]]
        phases = schedule["phases"]
        ending = schedule["current_phase"]["end_date"]
        n = next(i for i, phase in enumerate(phases) if phase["end_date"] == ending)
        if n + 1 == len(phases):
            if schedule["end_behavior"] == "release":
                self._release(schedule, sub, at)
                return
            with self._changing(sub, at):
                schedule.update(status="completed", completed_at=at, current_phase=None)
                self._emit("subscription_schedule.completed", schedule, at=at)
                self._end_subscription(sub, at)
            return
        phase = phases[n + 1]
        wanted = [(item["price"], item["quantity"]) for item in phase["items"]]
        with self._changing(schedule, at), self._changing(sub, at):
            schedule["current_phase"] = {
                "start_date": phase["start_date"],
                "end_date": phase["end_date"],
            }
            items = self._items_param(sub, wanted)
            if at >= self._period(sub)[1]:
                change = self._plan_change(sub, items, "phases", "none", None, at)
                interval = self._interval(sub)
                self._replace_items(sub, change.entries, at)
                if self._interval(sub) != interval:
                    state = self._billing[sub["id"]]
                    state.anchor, state.cycle = at, 0
                    sub["billing_cycle_anchor"] = at
            else:
                change = self._plan_change(
                    sub, items, "phases", phase["proration_behavior"], None, at
                )
                self._apply_change(sub, change, at, pay=pay)
