from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


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
    amount = forms.DecimalField(
        label=_("Amount to refund"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave as is for a full refund of what is left."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    outside_policy = forms.BooleanField(
        label=_("Outside the refund policy (recorded)"), required=False
    )

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].initial = Decimal(order.total_amount - order.refunded_amount) / 100

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None:
            data["amount_cents"] = int(data["amount"] * 100)
        return data


class MarkPaidForm(forms.Form):
    reference = forms.CharField(label=_("Bank reference"), required=False, max_length=200)
