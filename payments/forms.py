from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from lms.money import MoneyField
from payments.models import CouponScope


class DeferralForm(forms.Form):
    to_cohort = forms.ModelChoiceField(queryset=None, label=_("Move my seat to"), empty_label=None)
    reason = forms.CharField(
        label=_("Why do you want to move?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_cohort"].queryset = cohorts


class RefundForm(forms.Form):
    amount = MoneyField(
        label=_("Amount to refund"),
        min_minor=1,
        help_text=_("Leave as is for a full refund of what is left."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    outside_policy = forms.BooleanField(
        label=_("Outside the refund policy (recorded)"), required=False
    )
    end_enrolment = forms.BooleanField(
        label=_("Also end the enrolment"),
        required=False,
        help_text=_(
            "A full refund always ends it. After a partial refund the student keeps the "
            "seat unless you tick this; the seat then goes to the waitlist."
        ),
    )

    def __init__(self, *args, order, refundable: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].initial = refundable
        self.fields["amount"].label = _("Amount to refund (%(currency)s)") % {
            "currency": order.currency
        }


class CohortPriceForm(WagtailAdminModelForm):
    """Prices in the admin are typed and shown in units (450.00); stored in cents."""

    amount = MoneyField(label=_("Price"), help_text=_("0 or no price: the cohort is free."))
    early_bird_amount = MoneyField(
        label=_("Early-bird price"),
        required=False,
        help_text=_("Lower than the price; leave empty for none."),
    )


class CouponForm(WagtailAdminModelForm):
    amount_off = MoneyField(
        label=_("Amount off"),
        required=False,
        min_minor=1,
        help_text=_("In the coupon's currency. Give this or a percentage, not both."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "applies_to" in self.fields:
            # Left out (an older form, a script posting the fields it always did): seats.
            self.fields["applies_to"].required = False

    def clean_applies_to(self) -> str:
        return self.cleaned_data.get("applies_to") or CouponScope.SEATS


class MarkPaidForm(forms.Form):
    reference = forms.CharField(label=_("Bank reference"), required=False, max_length=200)
