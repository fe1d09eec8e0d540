"""Money in forms: people type and read amounts in the currency's units (450.00), the
database keeps integer minor units (45000). ``MoneyField`` converts in one place."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Every currency offered (EUR, USD, GBP) has two decimals.
MINOR_PER_UNIT = 100
_AMOUNT = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_SYMBOLS = "€$£"


def to_units(minor: int) -> Decimal:
    """45000 -> Decimal('450.00')."""
    return (Decimal(minor) / MINOR_PER_UNIT).quantize(Decimal("0.01"))


def parse_units(text: str, *, max_units: int) -> int:
    """'450', '450.00' or '450,00' (a symbol or spaces around are fine) in minor units;
    a ValidationError with a message for the field otherwise."""
    cleaned = "".join(str(text).split()).strip(_SYMBOLS).strip()
    if cleaned.count(",") + cleaned.count(".") > 1:
        raise ValidationError(
            _("Write the amount without thousands separators, e.g. 1250.50."), code="separators"
        )
    if not _AMOUNT.match(cleaned):
        raise ValidationError(_("Enter an amount such as 450 or 450.00."), code="invalid")
    try:
        amount = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern lets only numbers in
        raise ValidationError(_("Enter an amount such as 450 or 450.00."), code="invalid") from exc
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("Use at most two decimals (cents)."), code="decimals")
    if amount > max_units:
        raise ValidationError(
            _("That is more than %(max)s; check the amount.") % {"max": f"{max_units:,}"},
            code="too_large",
        )
    return int(amount * MINOR_PER_UNIT)


class MoneyField(forms.Field):
    """An amount typed in units, cleaned to integer minor units (what the models
    store); an initial value in minor units is shown in units."""

    default_max_units = 1_000_000

    def __init__(self, *, max_units: int | None = None, min_minor: int = 0, **kwargs):
        self.max_units = max_units or self.default_max_units
        self.min_minor = min_minor
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 12}),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{to_units(value):.2f}"
        return value

    def to_python(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # already minor units (an initial value)
        if value in self.empty_values or not str(value).strip():
            return None
        if len(str(value)) > 30:
            raise ValidationError(_("Enter an amount such as 450 or 450.00."), code="invalid")
        minor = parse_units(value, max_units=self.max_units)
        if minor < self.min_minor:
            raise ValidationError(
                _("The amount must be at least %(min)s.") % {"min": f"{to_units(self.min_minor)}"},
                code="too_small",
            )
        return minor
