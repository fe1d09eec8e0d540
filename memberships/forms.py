"""HTML forms of the membership pages. They only read the input; the services decide
what may be done and refuse with a message the page shows at the field it names."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from memberships.models import CancelReason, Interval, MembershipStatus, Tier


class JoinForm(forms.Form):
    # Any tier, open or not: a closed one is refused by the service, with its reason.
    tier = forms.ModelChoiceField(
        queryset=Tier.objects.all(), to_field_name="slug", widget=forms.HiddenInput
    )
    interval = forms.ChoiceField(
        choices=[("", "-"), *Interval.choices], required=False, widget=forms.HiddenInput
    )
    coupon = forms.CharField(
        label=_("Code"),
        required=False,
        max_length=40,
        help_text=_("A code for memberships, if you have one: it comes off the first payment."),
    )


class ChangeForm(forms.Form):
    # What the member was shown: if the charge differs now, nothing changes.
    expected_amount = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class PauseForm(forms.Form):
    months = forms.TypedChoiceField(label=_("Pause for"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.LMS_MEMBERSHIP_MAX_PAUSE_MONTHS
        self.fields["months"].choices = [
            (n, ngettext("%(n)s month", "%(n)s months", n) % {"n": n}) for n in range(1, limit + 1)
        ]


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you leaving?"), choices=CancelReason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Set once the retention offer was shown in this cancellation: it is shown once.
    offer_shown = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MembersFilterForm(forms.Form):
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.order_by("level"),
        required=False,
        empty_label=_("All tiers"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *MembershipStatus.choices],
        required=False,
    )
    q = forms.CharField(label=_("Email or name"), required=False, max_length=200)


class ConfirmForm(forms.Form):
    """A confirmation page's form: nothing to fill in but the CSRF token."""
