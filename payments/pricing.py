"""What a student pays: the price of the day, a coupon, and the instalment split.
Pure functions over already-loaded rows; integer cents throughout."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from payments.models import CohortPrice, Coupon


@dataclass(frozen=True)
class Quote:
    currency: str
    list_amount: int  # the price of the day (early-bird when it applies)
    discount_amount: int
    instalments: int
    early_bird: bool
    coupon: Coupon | None

    @property
    def total_amount(self) -> int:
        return max(self.list_amount - self.discount_amount, 0)

    @property
    def is_free(self) -> bool:
        return self.total_amount == 0

    @property
    def instalment_amounts(self) -> list[int]:
        return instalment_parts(self.total_amount, self.instalments if not self.is_free else 1)


def instalment_parts(total: int, instalments: int) -> list[int]:
    """Equal monthly parts in cents; the first carries the odd cents, so the parts
    always add up to the total."""
    part, odd = divmod(total, instalments)
    return [part + odd] + [part] * (instalments - 1)


def price_of_the_day(price: CohortPrice, now: dt.datetime) -> tuple[int, bool]:
    if (
        price.early_bird_amount is not None
        and price.early_bird_until is not None
        and now < price.early_bird_until
    ):
        return price.early_bird_amount, True
    return price.amount, False


def coupon_discount(coupon: Coupon, amount: int) -> int:
    if coupon.percent_off is not None:
        # Round the discount down: a student never pays less than the advertised share.
        return amount * coupon.percent_off // 100
    return min(coupon.amount_off or 0, amount)


def quote(
    *, price: CohortPrice, now: dt.datetime, coupon: Coupon | None = None, instalments: int = 1
) -> Quote:
    amount, early_bird = price_of_the_day(price, now)
    return Quote(
        currency=price.currency,
        list_amount=amount,
        discount_amount=coupon_discount(coupon, amount) if coupon else 0,
        instalments=instalments,
        early_bird=early_bird,
        coupon=coupon,
    )
