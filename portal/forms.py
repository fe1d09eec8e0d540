from django import forms
from django.utils.translation import gettext_lazy as _

from lms.profile import COUNTRIES, PROFILE_TEXT_FIELDS


def _text(label, name, **attrs):
    return forms.CharField(
        label=label,
        required=False,
        max_length=PROFILE_TEXT_FIELDS[name],
        widget=forms.TextInput(attrs=attrs),
    )


class DetailsForm(forms.Form):
    """The member's personal details. Checks beyond length (the VAT number, the photo)
    are the service's, shown at their field."""

    organisation = _text(_("Organisation"), "organisation", autocomplete="organization")
    street_address = forms.CharField(
        label=_("Street address"),
        required=False,
        max_length=PROFILE_TEXT_FIELDS["street_address"],
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    postal_code = _text(_("Postal code"), "postal_code", autocomplete="postal-code")
    city = _text(_("City"), "city", autocomplete="address-level2")
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=lambda: [("", "—"), *sorted(COUNTRIES, key=lambda c: str(c[1]))],
    )
    vat_number = _text(_("VAT number"), "vat_number", autocapitalize="characters")
    vat_number.help_text = _("Only if your organisation pays: e.g. NL123456789B01.")
    phone = _text(_("Phone"), "phone", autocomplete="tel", type="tel")
    bio = forms.CharField(
        label=_("Short bio"),
        required=False,
        max_length=PROFILE_TEXT_FIELDS["bio"],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Up to 500 characters about yourself."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A JPEG, PNG or WebP image of at most 2 MB."),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    def __init__(self, *args, has_photo: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_photo:
            del self.fields["remove_photo"]
