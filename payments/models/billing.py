"""Invoices paid by bank transfer (an order's, or one billed on its own by an app above
payments), their numbering, and arrears: something paid for whose payment failed,
with its grace period, reminders and paused access (payments.dunning)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lms.models import TimeStampedModel
from lms.profile import COUNTRIES
from payments.models.orders import Currency, Order


class Invoice(TimeStampedModel):
    """A bill paid by bank transfer with its reference, marked paid by staff: the manual
    provider's bill for an order, or one issued on its own (``invoice_issue``, e.g. a
    yearly membership), which has no order."""

    order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("billed to"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    amount = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    due_on = models.DateField(_("due on"))
    payment_reference = models.CharField(_("payment reference"), max_length=32, unique=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked paid by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paid_reference = models.CharField(_("bank reference"), max_length=255, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    void_reason = models.TextField(_("why it was voided"), blank=True)
    # The member's billing details as they were when the invoice was issued: a later
    # change of address never rewrites an invoice (payments.invoice_numbers.billed_to).
    billed_name = models.CharField(_("billed name"), max_length=150, blank=True)
    billed_organisation = models.CharField(_("billed organisation"), max_length=150, blank=True)
    billed_street_address = models.CharField(_("billed street address"), max_length=300, blank=True)
    billed_postal_code = models.CharField(_("billed postal code"), max_length=20, blank=True)
    billed_city = models.CharField(_("billed city"), max_length=100, blank=True)
    billed_country = models.CharField(
        _("billed country"), max_length=2, choices=COUNTRIES, blank=True
    )
    billed_vat_number = models.CharField(_("billed VAT number"), max_length=20, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(voided_at__isnull=True),
                name="invoice_paid_or_void",
                violation_error_message=_("An invoice is either paid or voided, not both."),
            )
        ]
        indexes = [
            # The staff list of invoices still to be paid that belong to no order.
            models.Index(
                fields=["due_on"],
                condition=Q(order__isnull=True, paid_at__isnull=True, voided_at__isnull=True),
                name="invoice_open_on_its_own",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.paid_at is None and self.voided_at is None


class InvoiceSeries(models.Model):
    """The last number given in a year: every invoice, an order's or one on its own,
    takes the next one (``YYYY-NNNNNN``), under this row's lock."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice number series")
        verbose_name_plural = _("invoice number series")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Arrears(TimeStampedModel):
    """A payment for something (an instalment plan, a membership) failed and has not
    been made since. One open row per subject: the grace period runs from
    ``failing_since``, reminders are counted as they are sent, access is paused once
    (``suspended_at``) and comes back when it is settled. The subject is named by a
    kind registered with payments.dunning and an id only that kind interprets."""

    kind = models.CharField(_("kind"), max_length=40)
    subject_id = models.PositiveBigIntegerField(_("subject"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owed by"),
        on_delete=models.PROTECT,
        related_name="arrears",
    )
    failing_since = models.DateTimeField(_("failing since"))
    reference = models.CharField(_("what failed"), max_length=255, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    suspended_at = models.DateTimeField(_("access paused at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("arrears")
        verbose_name_plural = _("arrears")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_id"],
                condition=Q(settled_at__isnull=True),
                name="one_open_arrears_per_subject",
            )
        ]
        indexes = [
            # The sweep reads only the open ones.
            models.Index(
                fields=["failing_since"],
                condition=Q(settled_at__isnull=True),
                name="arrears_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id} since {self.failing_since:%Y-%m-%d}"
