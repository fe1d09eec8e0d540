"""What the account hub shows: one read per section, so the page costs the same number
of queries whatever the number of orders, invoices or tokens."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from live.models import FeedToken
from lms import selectors as lms_selectors
from lms.models import User
from memberships import selectors as membership_selectors
from memberships.models import Membership
from payments.models import Invoice, Order

# The hub lists the latest ones; the payments pages have them all.
HUB_ORDERS = 10
HUB_INVOICES = 10


@dataclass(frozen=True)
class Hub:
    user: User
    feed_token: str  # "" until the member opens their calendar page
    api_tokens: int
    membership: Membership | None
    orders: list[Order]
    invoices: list[Invoice]
    privacy_url: str  # "" until the privacy pages exist


def privacy_url() -> str:
    """The privacy section's page, once the privacy app serves one."""
    try:
        return reverse("privacy:home")
    except NoReverseMatch:
        return ""


def hub_get(*, user: User) -> Hub:
    """Five queries: the feed token, the API tokens, the membership, the orders and
    the invoices."""
    token = (
        FeedToken.objects.filter(user=user, revoked_at__isnull=True)
        .values_list("token", flat=True)
        .first()
    )
    orders = list(
        Order.objects.filter(user=user)
        .select_related("enrolment__cohort__course", "invoice")
        .order_by("-created_at", "-pk")[:HUB_ORDERS]
    )
    invoices = list(
        Invoice.objects.filter(user=user, voided_at__isnull=True)
        .select_related("order")
        .order_by("-created_at", "-pk")[:HUB_INVOICES]
    )
    return Hub(
        user=user,
        feed_token=token or "",
        api_tokens=lms_selectors.api_tokens_of(user=user).count(),
        membership=membership_selectors.membership_current(user=user),
        orders=orders,
        invoices=invoices,
        privacy_url=privacy_url(),
    )
