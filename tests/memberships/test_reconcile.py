"""The nightly reconciliation at scale: a membership found in line with Stripe costs its
stamp alone (no history row, no ledger row), and ended memberships are passed over."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberships import services
from memberships.models import Membership, MembershipChange, MembershipStatus
from tests.memberships.conftest import make_tier
from tests.memberships.test_stripe import join

pytestmark = pytest.mark.django_db


def test_memberships_found_in_line_get_their_stamp_and_no_history_row(client, stripe_on):
    tier = make_tier()
    members = [join(client, stripe_on, tier) for _ in range(3)]
    history = Membership.history.count()
    changes = MembershipChange.objects.count()

    run = services.memberships_reconcile()

    assert (run.subscriptions_seen, run.memberships_changed) == (3, 0)
    assert Membership.history.count() == history
    assert MembershipChange.objects.count() == changes
    for membership in members:
        before = membership.synced_at
        membership.refresh_from_db()
        assert membership.synced_at > before


def test_ended_memberships_are_not_locked_by_the_reconciliation(client, stripe_on):
    tier = make_tier()
    ended = [join(client, stripe_on, tier) for _ in range(3)]
    for membership in ended:
        stripe_on.client().v1.subscriptions.cancel(membership.stripe_subscription)
    services.memberships_reconcile()
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.ENDED}

    with CaptureQueriesContext(connection) as queries:
        run = services.memberships_reconcile()

    assert (run.subscriptions_seen, run.memberships_changed) == (3, 0)
    one_by_one = '"memberships_membership"."id" = '  # locking and reading one membership
    assert not [q["sql"] for q in queries if one_by_one in q["sql"]]
