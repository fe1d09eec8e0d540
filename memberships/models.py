"""Tiers, their prices, the memberships that pay for them and the ledger of every
change to what a member pays.

Money is integer minor units plus a currency code. A membership keeps the amount,
currency and interval it was sold at: a new price for a tier is a new ``TierPrice``
row, and existing members move to it only when staff move them (with notice).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lms.models import TimeStampedModel
from lms.statemachine import StateMachine
from payments.models import Currency


class Interval(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")
    LIFETIME = "lifetime", _("Lifetime")


# Months per billing interval; lifetime is paid once and has none.
INTERVAL_MONTHS = {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}


class Tier(TimeStampedModel):
    """A set of benefits members pay for. ``level`` orders tiers: moving to a higher
    level is an upgrade (at once, prorated), to a lower one a downgrade (at the end of
    the paid period)."""

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        error_messages={"unique": _("Another tier has this slug already; choose another.")},
    )
    level = models.PositiveSmallIntegerField(
        _("level"),
        unique=True,
        help_text=_("Higher is more: moving up is an upgrade, moving down a downgrade."),
        error_messages={"unique": _("Another tier has this level already; choose another.")},
    )
    description = models.TextField(_("description"), blank=True)
    highlights = models.TextField(
        _("highlights"),
        blank=True,
        help_text=_("One benefit per line, shown in the comparison on the pricing page."),
    )
    open_for_signup = models.BooleanField(
        _("open for sign-up"),
        default=True,
        help_text=_("Closed tiers keep their members but take no new ones."),
    )
    trial_days = models.PositiveSmallIntegerField(
        _("free trial (days)"), default=0, validators=[MaxValueValidator(90)]
    )
    trial_requires_card = models.BooleanField(
        _("trial needs a payment method"),
        default=True,
        help_text=_("Off: members start the trial without entering payment details."),
    )
    seat_discount_percent = models.PositiveSmallIntegerField(
        _("discount on cohort seats (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    included_seats_per_year = models.PositiveSmallIntegerField(
        _("cohort seats included per membership year"), default=0
    )
    library_courses = models.ManyToManyField(
        "cms.CoursePage",
        verbose_name=_("library courses"),
        blank=True,
        related_name="+",
        help_text=_(
            "Self-paced courses members of this tier take at their own pace; their "
            "community spaces and live sessions come with them."
        ),
    )
    retention_percent_off = models.PositiveSmallIntegerField(
        _("retention offer: percent off"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Offered once to a member who is about to cancel. Empty: no offer."),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("retention offer: for months"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("membership tier")
        verbose_name_plural = _("membership tiers")
        ordering = ["level"]
        permissions = [
            ("manage_memberships", _("Can see members and revenue and change memberships")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def highlight_lines(self) -> list[str]:
        return [line.strip() for line in self.highlights.splitlines() if line.strip()]


class TierPrice(TimeStampedModel):
    """What a tier costs per interval. Amount, currency and interval never change once
    a price exists: a new price is a new row, the old one is retired (``active`` off)
    and keeps its members until staff move them."""

    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="prices"
    )
    interval = models.CharField(_("interval"), max_length=10, choices=Interval.choices)
    amount = models.PositiveIntegerField(_("amount"), validators=[MinValueValidator(1)])
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    active = models.BooleanField(
        _("offered to new members"),
        default=True,
        help_text=_("One offered price per tier and interval."),
    )
    stripe_price = models.CharField(_("Stripe price"), max_length=255, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("tier price")
        verbose_name_plural = _("tier prices")
        ordering = ["tier__level", "interval", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "interval"],
                condition=Q(active=True),
                name="one_offered_price_per_interval",
                violation_error_message=_(
                    "This tier already offers a price for that interval; retire it first."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.amount / 100:.2f} {self.currency} ({self.interval})"

    @property
    def months(self) -> int | None:
        return INTERVAL_MONTHS.get(self.interval)

    @property
    def monthly_amount(self) -> int:
        """The monthly equivalent in minor units (0 for lifetime: not recurring)."""
        months = self.months
        return round(self.amount / months) if months else 0


class MembershipStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("Awaiting first payment")
    TRIALING = "trialing", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Payment failed (grace period)")
    SUSPENDED = "suspended", _("Suspended (payment overdue)")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


# The only moves a membership can make; MEMBERSHIP_MACHINE (below) consults it.
MEMBERSHIP_TRANSITIONS: dict[str, frozenset[str]] = {
    MembershipStatus.INCOMPLETE: frozenset(
        {MembershipStatus.TRIALING, MembershipStatus.ACTIVE, MembershipStatus.ENDED}
    ),
    MembershipStatus.TRIALING: frozenset(
        {
            MembershipStatus.ACTIVE,
            MembershipStatus.PAST_DUE,
            MembershipStatus.SUSPENDED,
            MembershipStatus.PAUSED,
            MembershipStatus.ENDED,
        }
    ),
    MembershipStatus.ACTIVE: frozenset(
        {
            MembershipStatus.PAST_DUE,
            MembershipStatus.SUSPENDED,
            MembershipStatus.PAUSED,
            MembershipStatus.ENDED,
        }
    ),
    MembershipStatus.PAST_DUE: frozenset(
        {MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED, MembershipStatus.ENDED}
    ),
    MembershipStatus.SUSPENDED: frozenset(
        {MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE, MembershipStatus.ENDED}
    ),
    MembershipStatus.PAUSED: frozenset(
        {MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE, MembershipStatus.ENDED}
    ),
    MembershipStatus.ENDED: frozenset(),
}
# Statuses that give the tier's benefits; a paused membership gives them until the end
# of the period it paid for (Membership.gives_access).
ACCESS_STATUSES = (MembershipStatus.TRIALING, MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)
# Statuses whose recurring amount counts in MRR.
PAYING_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)


class MembershipProvider(models.TextChoices):
    NONE = "none", _("No payment (free tier or trial)")
    MANUAL = "manual", _("Invoice")
    STRIPE = "stripe", _("Stripe")


class CancelReason(models.TextChoices):
    TOO_EXPENSIVE = "too_expensive", _("It is too expensive")
    NOT_USING = "unused", _("I do not use it enough")
    MISSING = "missing_features", _("It misses something I need")
    SWITCHED = "switched_service", _("I am moving to another service")
    TEMPORARY = "temporary", _("I only needed it for a while")
    OTHER = "other", _("Another reason")


class EndReason(models.TextChoices):
    VOLUNTARY = "voluntary", _("Cancelled by the member")
    FAILED_PAYMENT = "failed_payment", _("Payment failed")
    TRIAL_EXPIRED = "trial_expired", _("Trial ended without payment")
    NEVER_PAID = "never_paid", _("First payment never made")
    STAFF = "staff", _("Ended by staff")


class Membership(TimeStampedModel):
    """One member's subscription to a tier. The stored status is the only truth; for
    Stripe memberships it follows Stripe's subscription (webhooks and the nightly
    reconciliation, through one function)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="memberships"
    )
    price = models.ForeignKey(
        TierPrice,
        verbose_name=_("price"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.INCOMPLETE,
    )
    provider = models.CharField(_("paid through"), max_length=8, choices=MembershipProvider.choices)
    coupon = models.ForeignKey(
        "payments.Coupon",
        verbose_name=_("code used at sign-up"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the member pays per interval, fixed when they joined or were moved.
    amount = models.PositiveIntegerField(_("amount (cents)"), default=0)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    interval = models.CharField(_("interval"), max_length=10, choices=Interval.choices, blank=True)
    # This membership's share of monthly recurring revenue now, kept by the ledger.
    mrr = models.IntegerField(_("monthly recurring revenue (cents)"), default=0)
    started_at = models.DateTimeField(_("member since"), null=True, blank=True)
    trial_ends_at = models.DateTimeField(_("trial ends at"), null=True, blank=True)
    current_period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("paid until"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("ends at the end of the period"), default=False)
    cancel_reason = models.CharField(
        _("reason for cancelling"), max_length=20, choices=CancelReason.choices, blank=True
    )
    cancel_comment = models.TextField(_("cancellation comment"), blank=True)
    cancel_requested_at = models.DateTimeField(_("cancellation asked at"), null=True, blank=True)
    pause_resumes_at = models.DateTimeField(_("pause ends at"), null=True, blank=True)
    pause_notice_sent_for = models.DateTimeField(null=True, blank=True, editable=False)
    scheduled_price = models.ForeignKey(
        TierPrice,
        verbose_name=_("changes at the end of the period to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retention_offer_used_at = models.DateTimeField(
        _("retention offer accepted at"), null=True, blank=True
    )
    failing_since = models.DateTimeField(_("payment failing since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("why it ended"), max_length=16, choices=EndReason.choices, blank=True
    )
    anniversaries_celebrated = models.PositiveSmallIntegerField(default=0, editable=False)
    stripe_subscription = models.CharField(_("Stripe subscription"), max_length=255, blank=True)
    stripe_schedule = models.CharField(
        _("Stripe subscription schedule"), max_length=255, blank=True
    )
    checkout_session = models.CharField(_("Stripe Checkout Session"), max_length=255, blank=True)
    checkout_url = models.URLField(_("payment page"), max_length=2048, blank=True)
    # A payment or state reported for this membership did not match it (amount,
    # currency, a price that is not ours): nothing was recorded, staff decide.
    problem = models.CharField(_("to check"), max_length=500, blank=True)
    synced_at = models.DateTimeField(_("last compared with Stripe"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at", "synced_at"])

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=~Q(status="ended"),
                name="one_live_membership_per_member",
                violation_error_message=_(
                    "You are a member already; change your tier from your membership page."
                ),
            ),
            models.UniqueConstraint(
                fields=["stripe_subscription"],
                condition=~Q(stripe_subscription=""),
                name="one_membership_per_stripe_subscription",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "tier"], name="membership_by_status"),
        ]

    def __str__(self) -> str:
        return f"membership {self.pk} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status != MembershipStatus.ENDED

    @property
    def is_lifetime(self) -> bool:
        return self.interval == Interval.LIFETIME

    @property
    def is_free(self) -> bool:
        return self.price_id is None and self.provider == MembershipProvider.NONE

    def gives_access(self, now: dt.datetime) -> bool:
        if self.status in ACCESS_STATUSES:
            return True
        if self.status == MembershipStatus.PAUSED:
            # Paid time is kept: the pause begins where the paid period ends.
            return self.current_period_end is not None and now < self.current_period_end
        return False


MEMBERSHIP_MACHINE = StateMachine(
    name="membership",
    model=Membership,
    transitions=MEMBERSHIP_TRANSITIONS,
    labels=MembershipStatus,
    refused=_("This membership cannot move from “%(current)s” to “%(target)s”."),
    refused_code="membership_state",
    stamps={MembershipStatus.ENDED: "ended_at"},
)


class ChangeKind(models.TextChoices):
    JOINED = "joined", _("Joined")
    TRIAL_STARTED = "trial_started", _("Trial started")
    CONVERTED = "converted", _("Trial converted to paid")
    UPGRADED = "upgraded", _("Upgraded")
    DOWNGRADED = "downgraded", _("Downgraded")
    SWITCHED = "switched", _("Changed billing interval")
    PRICE_MOVED = "price_moved", _("Moved to a new price")
    PAUSED = "paused", _("Paused")
    RESUMED = "resumed", _("Resumed")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    SUSPENDED = "suspended", _("Suspended")
    RECOVERED = "recovered", _("Payment recovered")
    CANCEL_REQUESTED = "cancel_requested", _("Asked to cancel")
    CANCEL_WITHDRAWN = "cancel_withdrawn", _("Stayed after all")
    RETAINED = "retained", _("Accepted the retention offer")
    ENDED = "ended", _("Ended")


class MembershipChange(models.Model):
    """The ledger: one row per change of a membership, with what it did to MRR. The
    revenue page is computed from these rows alone (MRR at a moment is the sum of the
    deltas before it), so every figure can be traced to the change that made it."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("change"), max_length=20, choices=ChangeKind.choices)
    at = models.DateTimeField(_("at"))
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    from_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    mrr_delta = models.IntegerField(_("MRR change (cents)"), default=0)
    paying_delta = models.SmallIntegerField(_("paying members change"), default=0)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    # Who or what made the change: a Stripe event, the reconciliation, staff, the member.
    source = models.CharField(_("source"), max_length=255)

    class Meta:
        verbose_name = _("membership change")
        verbose_name_plural = _("membership changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["at"], name="membership_change_at")]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.kind} {self.at:%Y-%m-%d}"


class BillStatus(models.TextChoices):
    OPEN = "open", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    VOID = "void", _("Void")


class MembershipBill(TimeStampedModel):
    """An invoice for a membership, as the member sees it in their portal: Stripe's
    invoices (recorded from its webhooks and the reconciliation) and the manual
    provider's (payments.Invoice)."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="bills")
    reference = models.CharField(_("reference"), max_length=255, unique=True)
    number = models.CharField(_("number"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=BillStatus.choices)
    amount = models.IntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    period_start = models.DateTimeField(_("period from"), null=True, blank=True)
    period_end = models.DateTimeField(_("period until"), null=True, blank=True)
    url = models.URLField(_("invoice page"), max_length=2048, blank=True)
    invoice = models.OneToOneField(
        "payments.Invoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="membership_bill",
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership invoice")
        verbose_name_plural = _("membership invoices")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number or self.reference


class SeatUse(models.Model):
    """An included cohort seat a membership used, counted per membership year; given
    back when the seat's order ends unpaid or is refunded."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="seat_uses")
    enrolment_id = models.PositiveBigIntegerField(_("enrolment"))
    year_starts_at = models.DateTimeField(_("membership year from"))
    used_at = models.DateTimeField(_("used at"))
    released_at = models.DateTimeField(_("given back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("included seat used")
        verbose_name_plural = _("included seats used")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "enrolment_id"],
                condition=Q(released_at__isnull=True),
                name="one_seat_use_per_enrolment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}: seat for {self.enrolment_id}"


class ReconciliationRun(models.Model):
    """One nightly comparison of every live Stripe membership with Stripe's own view,
    with what it found and repaired."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    subscriptions_seen = models.PositiveIntegerField(_("subscriptions read"), default=0)
    memberships_changed = models.PositiveIntegerField(_("memberships repaired"), default=0)
    requests = models.PositiveIntegerField(_("requests to Stripe"), default=0)
    # [{"membership": id, "changes": [...]}], one entry per membership repaired.
    repairs = models.JSONField(_("repairs"), default=list)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("Stripe reconciliation")
        verbose_name_plural = _("Stripe reconciliations")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M}"
