"""The seat policy payments registers with cohorts (see cohorts.seats): seats cost
what the cohort's price says, are held while the student pays, and codes typed by
students are counted so that guessing them is slowed down."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager

from cohorts.models import Cohort, Enrolment
from cohorts.seats import SeatPolicy, SeatStart
from lms.models import User
from payments import selectors, services, throttling
from payments.models import CohortPrice, Order
from payments.pricing import Quote


class PaidSeats(SeatPolicy):
    def quote(
        self, *, cohort: Cohort, coupon_code: str = "", instalments: int = 1, user=None
    ) -> Quote | None:
        return selectors.quote_get(
            cohort=cohort, coupon_code=coupon_code, instalments=instalments, user=user
        )

    def start(
        self,
        *,
        cohort: Cohort,
        user: User,
        coupon_code: str = "",
        instalments: int = 1,
        base_url: str,
    ) -> SeatStart:
        return services.enrolment_start(
            cohort=cohort,
            user=user,
            coupon_code=coupon_code,
            instalments=instalments,
            base_url=base_url,
        )

    def code_attempt(self, *, request, code: str) -> AbstractContextManager[None]:
        return throttling.coupon_attempt(request=request, code=code)

    def api_throttles(self) -> list:
        return [throttle() for throttle in throttling.CODE_THROTTLES]

    def api_throttled(self, *, wait: float | None) -> Exception:
        return throttling.CodesThrottled(wait or 60)

    def api_failed(self, *, request, error: Exception) -> None:
        throttling.coupon_failure_count(request=request, error=error)

    def waitlist_price(self, *, cohort: Cohort, now: dt.datetime) -> CohortPrice | None:
        return selectors.cohort_price_get(cohort=cohort)

    def seat_hold(self, *, enrolment: Enrolment, price: CohortPrice, now: dt.datetime) -> None:
        # The payment email (invoice, or the order page to pay on) says how long.
        services.order_for_promotion(enrolment=enrolment, price=price, now=now)

    def pending_payments(self, *, user: User) -> dict[int, Order]:
        return selectors.pending_orders_by_enrolment(user=user)
