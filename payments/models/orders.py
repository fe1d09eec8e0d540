"""Prices and offers of a cohort, coupons, orders, money in and out, Stripe's events
and requests to move a seat.

Money is integer minor units plus a currency code. Orders keep their full history:
money never moves without a record of who or what moved it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lms.models import TimeStampedModel
from lms.statemachine import StateMachine


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    USD = "USD", "USD"
    GBP = "GBP", "GBP"


class CohortPrice(TimeStampedModel):
    """What a seat in a cohort costs. A cohort without one (or with amount 0) is free."""

    cohort = models.OneToOneField(
        "cohorts.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        related_name="price",
        error_messages={"unique": _("This cohort has a price already; edit that one instead.")},
    )
    # Minor units (cents); staff enter and read them in units through MoneyField.
    amount = models.PositiveIntegerField(_("price"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    early_bird_amount = models.PositiveIntegerField(_("early-bird price"), null=True, blank=True)
    early_bird_until = models.DateTimeField(_("early-bird price until"), null=True, blank=True)
    instalments = models.PositiveSmallIntegerField(
        _("monthly instalments offered"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1: pay in full only. 3: students may also pay in 3 monthly parts."),
    )
    refund_weeks = models.PositiveSmallIntegerField(
        _("full refund until the end of week"),
        default=2,
        help_text=_("Shown to students before they pay."),
    )
    hold_minutes = models.PositiveSmallIntegerField(
        _("seat held while paying (minutes)"), default=30, validators=[MinValueValidator(5)]
    )
    invoice_days = models.PositiveSmallIntegerField(
        _("invoice payment term (days)"), default=14, validators=[MinValueValidator(1)]
    )
    payment_method = models.CharField(
        _("how students pay"),
        max_length=8,
        choices=[("auto", _("Online when available, else by invoice")), ("invoice", _("Invoice"))],
        default="auto",
        help_text=_("Online payment needs the Stripe keys in the server's settings."),
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("cohort price")
        verbose_name_plural = _("cohort prices")
        constraints = [
            models.CheckConstraint(
                condition=Q(early_bird_amount__isnull=True)
                | Q(early_bird_amount__lt=models.F("amount")),
                name="early_bird_below_price",
                violation_error_message=_(
                    "The early-bird price must be lower than the price; lower it or leave it empty."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id}: {self.amount / 100:.2f} {self.currency}"

    def clean(self) -> None:
        # The same rules as the database constraints, said at the field before the
        # database refuses the row.
        errors: dict[str, str] = {}
        if (
            self.early_bird_amount is not None
            and self.amount is not None
            and self.early_bird_amount >= self.amount
        ):
            errors["early_bird_amount"] = _(
                "The early-bird price must be lower than the price; lower it or leave it empty."
            )
        if self.early_bird_amount is not None and self.early_bird_until is None:
            errors["early_bird_until"] = _(
                "Say until when the early-bird price applies, or leave the early-bird price empty."
            )
        if errors:
            raise ValidationError(errors)


class CouponScope(models.TextChoices):
    """What a code may be used for: seats in a cohort, memberships (sold by an app
    above payments), or both."""

    SEATS = "seats", _("Cohort seats")
    MEMBERSHIPS = "memberships", _("Memberships")
    BOTH = "both", _("Seats and memberships")


class Coupon(TimeStampedModel):
    """A code that takes a percentage or an amount off. 100% off is a scholarship: the
    student enrols without a payment step."""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        error_messages={"unique": _("Another coupon has this code already; choose another.")},
    )
    percent_off = models.PositiveSmallIntegerField(
        _("percent off"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    amount_off = models.PositiveIntegerField(_("amount off"), null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    max_uses = models.PositiveIntegerField(_("maximum uses"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    cohort = models.ForeignKey(
        "cohorts.Cohort",
        verbose_name=_("only for cohort"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coupons",
        help_text=_("Empty: valid for every cohort."),
    )
    applies_to = models.CharField(
        _("applies to"),
        max_length=12,
        choices=CouponScope.choices,
        default=CouponScope.SEATS,
    )
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(
                condition=(Q(percent_off__isnull=False) & Q(amount_off__isnull=True))
                | (Q(percent_off__isnull=True) & Q(amount_off__isnull=False)),
                name="coupon_percent_or_amount",
                violation_error_message=_("Give either a percentage or an amount off, not both."),
            )
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.percent_off is not None and self.amount_off is not None:
            message = _("Give either a percentage or an amount off, not both.")
            raise ValidationError({"percent_off": message, "amount_off": message})
        if self.percent_off is None and self.amount_off is None:
            message = _("Give a percentage or an amount off (100 % is a scholarship).")
            raise ValidationError({"percent_off": message})
        if self.applies_to == CouponScope.MEMBERSHIPS and self.cohort_id is not None:
            raise ValidationError(
                {"cohort": _("A code for memberships only cannot be limited to a cohort.")}
            )
        if self.code:
            clash = Coupon.objects.filter(code__iexact=self.code.strip()).exclude(pk=self.pk)
            if clash.exists():
                # Students type codes in any case; two codes differing only in case
                # would be one code.
                raise ValidationError(
                    {"code": _("Another coupon has this code already; choose another.")}
                )


class Provider(models.TextChoices):
    NONE = "none", _("No payment (free or scholarship)")
    MANUAL = "manual", _("Invoice")
    STRIPE = "stripe", _("Stripe")


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# The only moves an order can make. ORDER_MACHINE (below the model) is the one way to
# change its status, and it consults this table.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.EXPIRED, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED}),
    # Money that arrives after the hold ended (a slow bank debit, a webhook from a
    # session paid at the last second): the seat if one is free, else the money back.
    OrderStatus.EXPIRED: frozenset({OrderStatus.PAID, OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset({OrderStatus.PAID, OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
}


class ProviderAction(models.TextChoices):
    """A call to the payment provider an order still needs, made by a task after the
    commit; kept on the order until it is done, so the sweep makes it if the task is
    lost."""

    NONE = "", _("None")
    REFUND_LATE_PAYMENT = "refund_late_payment", _("Refund a payment that came too late")
    END_PLAN = "end_plan", _("Stop the instalment plan's subscription")


class Order(TimeStampedModel):
    """One student buying one seat. While pending, it holds the seat until
    ``hold_expires_at``; the enrolment becomes active when the order is paid."""

    enrolment = models.ForeignKey(
        "cohorts.Enrolment",
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    provider = models.CharField(_("paid through"), max_length=8, choices=Provider.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    list_amount = models.PositiveIntegerField(_("price (cents)"))
    discount_amount = models.PositiveIntegerField(_("discount (cents)"), default=0)
    total_amount = models.PositiveIntegerField(_("total (cents)"))
    refunded_amount = models.PositiveIntegerField(_("refunded (cents)"), default=0)
    instalments = models.PositiveSmallIntegerField(_("instalments"), default=1)
    coupon = models.ForeignKey(
        Coupon,
        verbose_name=_("coupon"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    # A seat benefit offered by an app above payments (payments.hooks) that gave the
    # discount instead of a coupon: its key (opaque here, handed back when the order
    # ends unpaid or refunded) and the words the student saw.
    benefit_key = models.CharField(_("benefit"), max_length=100, blank=True)
    benefit_label = models.CharField(_("benefit shown"), max_length=200, blank=True)
    benefit_percent_off = models.PositiveSmallIntegerField(
        _("benefit percent off"), null=True, blank=True
    )
    hold_expires_at = models.DateTimeField(_("seat held until"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    # Stripe: the Checkout Session the student pays in, and what it created.
    checkout_session = models.CharField(_("Stripe Checkout Session"), max_length=255, blank=True)
    checkout_url = models.URLField(_("payment page"), max_length=2048, blank=True)
    payment_intent = models.CharField(_("Stripe PaymentIntent"), max_length=255, blank=True)
    subscription = models.CharField(_("Stripe subscription"), max_length=255, blank=True)
    instalments_paid = models.PositiveSmallIntegerField(_("instalments paid"), default=0)
    # An instalment failed and has not been paid since: the grace period runs from here.
    # Kept for pages and the API; the dunning itself runs on payments.Arrears.
    failing_since = models.DateTimeField(_("instalment failing since"), null=True, blank=True)
    # A payment reported for this order did not match it (amount, currency or how it
    # is paid): nothing was recorded, the seat stays as it was, staff decide.
    payment_problem = models.CharField(_("payment to check"), max_length=500, blank=True)
    provider_action = models.CharField(
        _("provider call due"), max_length=24, choices=ProviderAction.choices, blank=True
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        # Checked through payments.selectors.user_can_manage_orders.
        permissions = [
            (
                "manage_orders",
                _(
                    "Can see everyone's orders, refund, mark invoices paid and decide "
                    "deferral requests"
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status="pending"),
                name="one_pending_order_per_enrolment",
                violation_error_message=_(
                    "This seat already has an order awaiting payment; pay or cancel that one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("total_amount")),
                name="refund_within_total",
                violation_error_message=_(
                    "More cannot be refunded than the order's total; lower the amount."
                ),
            ),
        ]
        indexes = [
            # The minute sweep for provider calls still due reads only these few rows.
            models.Index(
                fields=["updated_at"],
                condition=~Q(provider_action=""),
                name="order_provider_action_due",
            ),
            models.Index(
                fields=["hold_expires_at"], condition=Q(status="pending"), name="order_holds"
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.status})"

    @property
    def partly_refunded(self) -> bool:
        """Paid, and some of the money went back: the order stays paid (the seat is
        kept unless staff ended it); the ledger says how much."""
        return self.status == OrderStatus.PAID and self.refunded_amount > 0


ORDER_MACHINE = StateMachine(
    name="order",
    model=Order,
    transitions=ORDER_TRANSITIONS,
    labels=OrderStatus,
    refused=_("This order cannot move from “%(current)s” to “%(target)s”."),
    stamps={OrderStatus.PAID: "paid_at"},
)


class Payment(TimeStampedModel):
    """Money in: one row per confirmed payment (a Checkout payment, one instalment, a bank
    transfer), with what recorded it. The provider's id is unique, so a payment seen
    twice (a webhook delivered again, a reconciliation rerun) is recorded once."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    provider_reference = models.CharField(_("provider reference"), max_length=255, unique=True)
    paid_at = models.DateTimeField(_("paid at"))
    recorded_by = models.CharField(_("recorded by"), max_length=255)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_at", "pk"]

    def __str__(self) -> str:
        return self.provider_reference


class Refund(TimeStampedModel):
    """Money out, with who asked for it and why."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    reason = models.TextField(_("reason"))
    # Stripe's refund id; a refund made in Stripe's dashboard arrives by webhook.
    provider_reference = models.CharField(_("provider reference"), max_length=255, unique=True)
    outside_policy = models.BooleanField(_("outside the refund policy"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("refunded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.CharField(_("recorded by"), max_length=255)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.provider_reference


class StripeCustomer(TimeStampedModel):
    """The Stripe customer behind a student, for Checkout and the customer portal."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=255, unique=True)

    def __str__(self) -> str:
        return self.customer_id


class WebhookEvent(models.Model):
    """Every Stripe event received, once: the unique id makes a second delivery a
    no-op."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField()
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_events"
    )
    outcome = models.CharField(max_length=255, blank=True)
    payload = models.JSONField()

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class DeferralStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


# DEFERRAL_MACHINE (below the model) is the one way to change a deferral's status.
DEFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    DeferralStatus.REQUESTED: frozenset({DeferralStatus.APPROVED, DeferralStatus.DECLINED}),
    DeferralStatus.APPROVED: frozenset(),
    DeferralStatus.DECLINED: frozenset(),
}


class Deferral(TimeStampedModel):
    """A student asks to move their paid seat to a later cohort of the same course."""

    enrolment = models.ForeignKey(
        "cohorts.Enrolment", on_delete=models.CASCADE, related_name="deferrals"
    )
    to_cohort = models.ForeignKey(
        "cohorts.Cohort",
        verbose_name=_("later cohort"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeferralStatus.choices,
        default=DeferralStatus.REQUESTED,
    )
    answer = models.TextField(_("answer"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("deferral request")
        verbose_name_plural = _("deferral requests")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status="requested"),
                name="one_open_deferral_per_enrolment",
                violation_error_message=_(
                    "There is already an open request to move this seat; wait for the answer."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"deferral {self.pk} ({self.status})"


DEFERRAL_MACHINE = StateMachine(
    name="deferral",
    model=Deferral,
    transitions=DEFERRAL_TRANSITIONS,
    labels=DeferralStatus,
    # A request is answered once; a second answer (two staff at once) is refused.
    refused=_("This request was answered already."),
    refused_code="deferral_decided",
    stamps={DeferralStatus.APPROVED: "decided_at", DeferralStatus.DECLINED: "decided_at"},
)
