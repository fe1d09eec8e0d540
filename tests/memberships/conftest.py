from __future__ import annotations

import json

import pytest

from memberships.models import Tier, TierPrice
from tests.stripe_fake.fixtures import stripe_fake  # noqa: F401
from tests.stripe_fake.server import TEST_API_KEY, sign_webhook

WEBHOOK_SECRET = "whsec_memberships"


@pytest.fixture
def stripe_on(settings, stripe_fake):  # noqa: F811
    """Stripe configured, the SDK pointed at the local Stripe server."""
    settings.STRIPE_SECRET_KEY = TEST_API_KEY
    settings.STRIPE_API_BASE = stripe_fake.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return stripe_fake


def post_event(client, event: dict):
    payload = json.dumps(event, default=str)
    return client.post(
        "/payments/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_webhook(payload, WEBHOOK_SECRET),
    )


def deliver(client, fake) -> list[dict]:
    """Post every event the Stripe server logged since the last delivery, in order, as
    Stripe would; returns them."""
    events = fake.drain_events()
    for event in events:
        response = post_event(client, event)
        assert response.status_code == 200, response.content
    return events


def make_tier(name="Basic", level=1, *, prices=(("month", 3000), ("year", 30000)), **fields):
    tier = Tier.objects.create(name=name, slug=name.lower(), level=level, **fields)
    for interval, amount in prices:
        TierPrice.objects.create(tier=tier, interval=interval, amount=amount)
    return tier
