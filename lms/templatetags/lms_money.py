"""{% money cents currency %}: an amount in minor units, written for the reader's
language (€ 1.234,50 in Dutch, €1,234.50 in English)."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


@register.simple_tag
def money(cents: int, currency: str = "EUR") -> str:
    amount = number_format(Decimal(cents or 0) / 100, 2, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{symbol}\u00a0{amount}"
