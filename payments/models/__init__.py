"""Payments' models, split by concern: prices, coupons, orders and money in and out
(``orders``); invoices, their numbering and arrears (``billing``)."""

from payments.models.billing import Arrears, Invoice, InvoiceSeries
from payments.models.orders import (
    DEFERRAL_MACHINE,
    DEFERRAL_TRANSITIONS,
    ORDER_MACHINE,
    ORDER_TRANSITIONS,
    CohortPrice,
    Coupon,
    CouponScope,
    Currency,
    Deferral,
    DeferralStatus,
    Order,
    OrderStatus,
    Payment,
    Provider,
    ProviderAction,
    Refund,
    StripeCustomer,
    WebhookEvent,
)

__all__ = [
    "DEFERRAL_MACHINE",
    "DEFERRAL_TRANSITIONS",
    "ORDER_MACHINE",
    "ORDER_TRANSITIONS",
    "Arrears",
    "CohortPrice",
    "Coupon",
    "CouponScope",
    "Currency",
    "Deferral",
    "DeferralStatus",
    "Invoice",
    "InvoiceSeries",
    "Order",
    "OrderStatus",
    "Payment",
    "Provider",
    "ProviderAction",
    "Refund",
    "StripeCustomer",
    "WebhookEvent",
]
