"""What a student pays: the price of the day, a coupon or a seat benefit, and the
instalment split. Pure functions over already-loaded rows; integer cents throughout.

A coupon and a seat benefit (payments.hooks) do not stack: the larger discount wins,
the coupon when they are equal (the student typed it on purpose), and the quote says
which one was set aside."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from payments.hooks import SeatBenefit
from payments.models import CohortPrice, Coupon


@dataclass(frozen=True)
class Quote:
    currency: str
    list_amount: int  # the price of the day (early-bird when it applies)
    discount_amount: int
    instalments: int
    early_bird: bool
    coupon: Coupon | None  # the coupon that gave the discount
    benefit: SeatBenefit | None = None  # the seat benefit that gave it instead
    coupon_set_aside: Coupon | None = None  # typed, but the benefit took more off
    benefit_set_aside: SeatBenefit | None = None  # on offer, but the coupon took more off

    @property
    def total_amount(self) -> int:
        return max(self.list_amount - self.discount_amount, 0)

    @property
    def is_free(self) -> bool:
        return self.total_amount == 0

    @property
    def instalment_amounts(self) -> list[int]:
        return instalment_parts(self.total_amount, self.instalments if not self.is_free else 1)

    @property
    def discount_source(self) -> str:
        """ "coupon", "benefit", or "" when nothing was taken off."""
        if self.benefit is not None:
            return "benefit"
        return "coupon" if self.coupon is not None else ""


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


def benefit_discount(benefit: SeatBenefit, amount: int) -> int:
    # Rounded down like a coupon's percentage; 100 % is the whole amount.
    return amount * benefit.percent_off // 100


def quote(
    *,
    price: CohortPrice,
    now: dt.datetime,
    coupon: Coupon | None = None,
    instalments: int = 1,
    benefit: SeatBenefit | None = None,
) -> Quote:
    amount, early_bird = price_of_the_day(price, now)
    by_coupon = coupon_discount(coupon, amount) if coupon else 0
    by_benefit = benefit_discount(benefit, amount) if benefit else 0
    if benefit is not None and by_benefit > by_coupon:
        return Quote(
            currency=price.currency,
            list_amount=amount,
            discount_amount=by_benefit,
            instalments=instalments,
            early_bird=early_bird,
            coupon=None,
            benefit=benefit,
            coupon_set_aside=coupon,
        )
    return Quote(
        currency=price.currency,
        list_amount=amount,
        discount_amount=by_coupon,
        instalments=instalments,
        early_bird=early_bird,
        coupon=coupon,
        benefit_set_aside=benefit if coupon is not None else None,
    )
