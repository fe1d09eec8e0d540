"""Stripe's events about memberships, and the nightly reconciliation.

The payments app receives and records every event once (its WebhookEvent row, in the
same transaction as these handlers); what is not about a cohort order comes here.
Each handler finds the membership, reads the subscription as Stripe has it now and
applies it through ``stripe_sync.subscription_apply``: the event type only says that
something changed. The reconciliation walks every subscription of the account in pages
and applies each through the same function, so a missed or late webhook is repaired
and recorded, and nothing is changed twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from memberships import gateway
from memberships.models import Membership, MembershipProvider, MembershipStatus, ReconciliationRun
from memberships.services import dunning_link, ledger
from memberships.services.stripe_sync import bill_record, subscription_apply

Json = dict[str, Any]


def _locked(*, subscription: str | None = None, membership_id: Any = None) -> Membership | None:
    if membership_id and str(membership_id).isdigit() and len(str(membership_id)) < 19:
        found = ledger.membership_lock(pk=int(membership_id))
        if found is not None:
            return found
    if subscription:
        return ledger.membership_lock(stripe_subscription=subscription)
    return None


def _sync(membership: Membership, subscription_id: str, source: str, now) -> str:
    as_of = timezone.now()
    sub = gateway.subscription_get(subscription_id)
    changed = subscription_apply(
        membership=membership, sub=sub, source=source, as_of=as_of, now=now
    )
    return f"membership {membership.pk}: " + (", ".join(changed) if changed else "up to date")


def on_checkout_completed(*, obj: Json, source: str, now) -> str | None:
    membership = _locked(membership_id=(obj.get("metadata") or {}).get("membership_id"))
    if membership is None:
        return None
    subscription = obj.get("subscription")
    if isinstance(subscription, str) and subscription:
        return _sync(membership, subscription, source, now)
    return f"membership {membership.pk}: no subscription in the session"


def on_subscription(*, obj: Json, source: str, now) -> str | None:
    membership = _locked(
        subscription=obj.get("id"),
        membership_id=(obj.get("metadata") or {}).get("membership_id"),
    )
    if membership is None:
        return None
    return _sync(membership, obj["id"], source, now)


def _invoice_subscription(invoice: Json) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return invoice.get("subscription") or details.get("subscription")


def on_invoice(*, obj: Json, source: str, now) -> str | None:
    subscription = _invoice_subscription(obj)
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    membership = _locked(
        subscription=subscription,
        membership_id=(details.get("metadata") or {}).get("membership_id"),
    )
    if membership is None:
        return None
    bill, problem = bill_record(membership=membership, invoice=obj, now=now)
    if problem:
        return f"membership {membership.pk}: {problem}"
    if bill.status == "paid":
        dunning_link.settle(membership=membership, now=now)
    elif bill.status == "failed":
        dunning_link.open(membership=membership, reference=obj["id"], now=now)
    outcome = _sync(membership, subscription, source, now) if subscription else "recorded"
    return f"invoice {bill.status}; {outcome}"


def on_customer(*, obj: Json, source: str, now) -> str | None:
    # Nothing of a membership is stored from the customer; acknowledged for the record.
    return None


HANDLERS = {
    "checkout.session.completed": on_checkout_completed,
    "customer.subscription.created": on_subscription,
    "customer.subscription.updated": on_subscription,
    "customer.subscription.deleted": on_subscription,
    "customer.subscription.paused": on_subscription,
    "customer.subscription.resumed": on_subscription,
    "invoice.paid": on_invoice,
    "invoice.payment_failed": on_invoice,
    "customer.updated": on_customer,
}


def memberships_reconcile(*, now: dt.datetime | None = None) -> ReconciliationRun:
    """Compare every subscription of the Stripe account with our memberships, page by
    page (100 a request), and repair what differs; each repair is one transaction under
    the membership's lock. Recorded in a ReconciliationRun."""
    now = now or timezone.now()
    run = ReconciliationRun.objects.create(started_at=now)
    starting_after, more = None, True
    source = f"reconciliation {run.pk}"
    try:
        while more:
            as_of = timezone.now()
            page, more = gateway.subscriptions_page(starting_after=starting_after)
            run.requests += 1
            run.subscriptions_seen += len(page)
            if page:
                starting_after = page[-1]["id"]
            _reconcile_page(run, page, as_of, source)
        _expire_abandoned(run, now, source)
    except Exception as exc:  # recorded, then raised: the run shows where it stopped
        run.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        raise
    finally:
        run.finished_at = timezone.now()
        run.save()
    return run


def _reconcile_page(run: ReconciliationRun, page: list[Json], as_of, source: str) -> None:
    by_sub = {sub["id"]: sub for sub in page}
    by_meta = {
        int(mid): sub
        for sub in page
        if (mid := (sub.get("metadata") or {}).get("membership_id", "")).isdigit() and len(mid) < 19
    }
    # Ended memberships have nothing left to repair: not locked one by one (after two
    # years they are a good share of the account's subscriptions).
    live = Membership.objects.exclude(status=MembershipStatus.ENDED)
    ids = set(live.filter(stripe_subscription__in=list(by_sub)).values_list("pk", flat=True)) | set(
        live.filter(pk__in=list(by_meta), stripe_subscription="").values_list("pk", flat=True)
    )
    for membership_id in sorted(ids):
        with transaction.atomic():
            membership = ledger.membership_lock(pk=membership_id)
            if membership is None or membership.status == MembershipStatus.ENDED:
                continue
            sub = by_sub.get(membership.stripe_subscription) or by_meta.get(membership.pk)
            if sub is None:
                continue
            changed = subscription_apply(membership=membership, sub=sub, source=source, as_of=as_of)
            if changed:
                run.memberships_changed += 1
                run.repairs.append({"membership": membership.pk, "changes": changed})


def _expire_abandoned(run: ReconciliationRun, now, source: str) -> None:
    """A Stripe membership still awaiting its first payment a day after joining, with no
    subscription at Stripe: the checkout was abandoned. It ends, so the member can join
    again."""
    from memberships.services.ledger import end

    cutoff = now - dt.timedelta(days=1)
    stale = Membership.objects.filter(
        provider=MembershipProvider.STRIPE,
        status=MembershipStatus.INCOMPLETE,
        stripe_subscription="",
        created_at__lt=cutoff,
    ).values_list("pk", flat=True)
    for membership_id in stale:
        with transaction.atomic():
            membership = Membership.objects.select_for_update().get(pk=membership_id)
            if membership.status != MembershipStatus.INCOMPLETE or membership.stripe_subscription:
                continue
            end(membership=membership, now=now, source=source, end_reason="never_paid", tell=False)
            run.memberships_changed += 1
            run.repairs.append({"membership": membership.pk, "changes": ["abandoned"]})


# What the handlers rely on, checked by payments before anything is written (a signed
# event of another shape is refused with 400). Keys map to the types they may hold.
_STR, _OPT_STR, _DICT = (str,), (str, type(None)), (dict, type(None))
SHAPES = {
    "customer.subscription.created": {"id": _STR, "metadata": _DICT},
    "customer.subscription.updated": {"id": _STR, "metadata": _DICT},
    "customer.subscription.deleted": {"id": _STR, "metadata": _DICT},
    "customer.subscription.paused": {"id": _STR, "metadata": _DICT},
    "customer.subscription.resumed": {"id": _STR, "metadata": _DICT},
    "customer.updated": {"id": _STR},
}
