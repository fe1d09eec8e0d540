from __future__ import annotations

import json

import pytest

from cohorts.models import Enrolment
from payments.models import CohortPrice, Invoice, Order, Payment, Refund
from tests.factories import CohortFactory, UserFactory
from tests.stripe_fake.fixtures import stripe_fake  # noqa: F401
from tests.stripe_fake.server import TEST_API_KEY, sign_webhook

WEBHOOK_SECRET = "whsec_test_secret"

# What a payment operation writes: orders and invoices, money in and out, and seats,
# with their history. A refused request leaves all of it as it was.
MONEY_AND_SEATS = (
    Order,
    Order.history.model,
    Invoice,
    Invoice.history.model,
    Payment,
    Refund,
    Enrolment,
    Enrolment.history.model,
)


@pytest.fixture
def stripe_on(settings, stripe_fake):  # noqa: F811
    """Stripe configured, the SDK pointed at the local Stripe server."""
    settings.STRIPE_SECRET_KEY = TEST_API_KEY
    settings.STRIPE_API_BASE = stripe_fake.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return stripe_fake


@pytest.fixture
def paid_cohort(course):
    cohort = CohortFactory(course=course, capacity=2)
    CohortPrice.objects.create(cohort=cohort, amount=49_500, instalments=3)
    return cohort


@pytest.fixture
def staff(db):
    return UserFactory(is_superuser=True, is_staff=True, username="finance")


def deliver(client, fake, event_type: str, obj, *, secret: str = WEBHOOK_SECRET, event=None):
    """Post a signed Stripe event to the webhook, as Stripe would."""
    event = event or fake.event(event_type, obj)
    payload = json.dumps(event, default=str)
    return client.post(
        "/payments/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_webhook(payload, secret),
    )
