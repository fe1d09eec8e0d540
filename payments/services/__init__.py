"""Writes for payments. Every function is atomic and records who or what moved money
(django-simple-history on orders and invoices; Payment and Refund rows). The seat itself
is always taken and released by cohorts.services, under the cohort's row lock.

Other apps import from here; the modules split the work by concern. Dunning (arrears
of anything paid for) lives in payments.dunning, with its registry; its services are
re-exported here.
"""

from payments.dunning import (
    arrears_close,
    arrears_open,
    arrears_settle,
    arrears_suspend,
    dunning_sweep,
)
from payments.services.checkout import (
    ASYNC_PAYMENT_HOLD,
    checkout_start,
    order_hold_for_bank_debit,
    order_stripe_ids_remember,
    portal_url,
    stripe_customer_for,
)
from payments.services.deferrals import (
    deferral_decide,
    deferral_request,
)
from payments.services.instalments import (
    INSTALMENT,
    instalment_failed,
    instalment_plan_end,
    instalment_plan_ended_unpaid,
    instalments_suspend_overdue,
)
from payments.services.invoices import (
    invoice_issue,
    invoice_mark_paid,
    invoice_reconcile,
    invoice_void,
)
from payments.services.orders import (
    CHECKOUT_MIN_MINUTES,
    enrolment_start,
    expected_payment,
    order_expire,
    order_for_promotion,
    order_mark_paid,
    order_transition,
    paid_enrolment_start,
    payment_confirm,
    payment_holds_expire,
    payment_mismatch,
    payment_reference,
    provider_actions_resume,
)
from payments.services.refunds import (
    late_payment_refund,
    order_refund,
    refund_recorded_by_stripe,
)

__all__ = [
    "ASYNC_PAYMENT_HOLD",
    "CHECKOUT_MIN_MINUTES",
    "INSTALMENT",
    "arrears_close",
    "arrears_open",
    "arrears_settle",
    "arrears_suspend",
    "checkout_start",
    "deferral_decide",
    "deferral_request",
    "dunning_sweep",
    "enrolment_start",
    "expected_payment",
    "instalment_failed",
    "instalment_plan_end",
    "instalment_plan_ended_unpaid",
    "instalments_suspend_overdue",
    "invoice_issue",
    "invoice_mark_paid",
    "invoice_reconcile",
    "invoice_void",
    "late_payment_refund",
    "order_expire",
    "order_for_promotion",
    "order_hold_for_bank_debit",
    "order_mark_paid",
    "order_refund",
    "order_stripe_ids_remember",
    "order_transition",
    "paid_enrolment_start",
    "payment_confirm",
    "payment_holds_expire",
    "payment_mismatch",
    "payment_reference",
    "portal_url",
    "provider_actions_resume",
    "refund_recorded_by_stripe",
    "stripe_customer_for",
]
