"""Invoice numbers, bank payment references and whom an invoice bills.

Every invoice, an order's or one issued on its own, takes the next number of its year
(``YYYY-NNNNNN``) from one series. A bank reference carries two check digits (ISO 7064
mod 97-10) so that a mistyped one is recognised when transfers are reconciled; an
order's reference is made from the order's id (10 digits), an invoice on its own has
11 digits after the check digits, so the two can never be the same.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction

from lms.models import User
from payments.models import Invoice, InvoiceSeries


def billed_to(user: User) -> dict[str, str]:
    """The member's billing details now, for a new invoice to keep: name, organisation,
    address and VAT number, copied so that a later change leaves the invoice as sent.
    Read from the database: the caller's object may predate the member's last edit."""
    user = User.objects.get(pk=user.pk)
    return {
        "billed_name": user.get_display_name()[:150],
        "billed_organisation": user.organisation,
        "billed_street_address": user.street_address,
        "billed_postal_code": user.postal_code,
        "billed_city": user.city,
        "billed_country": user.country,
        "billed_vat_number": user.vat_number,
    }


def _with_check_digits(body: str) -> str:
    check = 98 - (int(body) * 100) % 97
    return f"LMS{check:02d}{body}"


def payment_reference(order_id: int) -> str:
    """The bank reference of an order's invoice."""
    return _with_check_digits(f"{order_id:010d}")


def invoice_payment_reference(number: str) -> str:
    """The bank reference of an invoice issued on its own, made from its number (unique):
    a 1, then the number's digits."""
    return _with_check_digits("1" + "".join(ch for ch in number if ch.isdigit()))


def invoice_number_next(*, now: dt.datetime) -> str:
    """The next number of ``now``'s year. Inside the caller's transaction: the series
    row stays locked until it commits, so two invoices never get one number and a
    rolled-back one gives its number back."""
    year = now.year
    series = InvoiceSeries.objects.select_for_update().filter(year=year).first()
    if series is None:
        try:
            with transaction.atomic():
                series = InvoiceSeries.objects.create(year=year, last=_highest_given(year))
        except IntegrityError:  # created by a concurrent invoice meanwhile
            pass
        series = InvoiceSeries.objects.select_for_update().get(year=year)
    series.last += 1
    series.save(update_fields=["last"])
    return f"{year}-{series.last:06d}"


def _highest_given(year: int) -> int:
    """Numbers given before the series was kept (an order's id served as its number):
    the series goes on above them."""
    pattern = re.compile(rf"^{year}-(\d+)$")
    numbers = Invoice.objects.filter(number__startswith=f"{year}-").values_list("number", flat=True)
    return max((int(m.group(1)) for n in numbers if (m := pattern.match(n))), default=0)
