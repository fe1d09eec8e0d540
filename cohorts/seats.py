"""The seat policy: what cohorts asks the app that sells seats.

cohorts takes, holds and releases seats; what a seat costs and how it is paid for
belong to an app above it (payments), which cohorts never imports. That app registers
one policy in its ``AppConfig.ready()`` (``seat_policy_register``), and cohorts asks it:

- the price shown on the enrol page, with the code and plan applied (``quote``);
- to take a seat from the enrol form or the API (``start``): a paid seat is held while
  the student pays, and the answer says where to pay;
- to slow down the guessing of codes: ``code_attempt`` around the enrol form,
  ``api_throttles`` / ``api_throttled`` / ``api_failed`` for the enrol API;
- what a student moving up from the waitlist owes (``waitlist_price``), and to hold
  their seat while they pay (``seat_hold``);
- what each seat held for payment waits on, for My cohorts (``pending_payments``).

With nothing registered every seat is free: enrolling takes a plain seat.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from cohorts.models import Cohort, Enrolment
from lms.errors import ServiceUnavailable
from lms.models import User


@dataclass(frozen=True)
class SeatStart:
    """What enrolling did, and where the student goes next."""

    enrolment: Enrolment
    # What is owed for the seat and how it is paid (the enrol API shows it as `order`);
    # None for a free seat or a place on the waitlist.
    order: Any = None
    # Where the student pays for a seat held for them; empty when nothing is due now.
    pay_url: str = ""
    # Why the payment page could not be opened: the seat stays held, and pay_url leads
    # to where paying can be tried again.
    problem: ServiceUnavailable | None = None


class SeatPolicy:
    """Free seats: what cohorts does when no app sells them. An app that sells seats
    registers a subclass."""

    def quote(self, *, cohort: Cohort, coupon_code: str = "", instalments: int = 1) -> Any:
        """What a seat costs now with this code and plan (shown on the enrol page), or
        None when it is free. A code or plan that cannot be used raises a DomainError
        naming its field (``coupon``, ``instalments``)."""
        return None

    def start(
        self,
        *,
        cohort: Cohort,
        user: User,
        coupon_code: str = "",
        instalments: int = 1,
        base_url: str,
    ) -> SeatStart:
        """Take a seat (or a place on the waitlist). Not atomic: the seat is taken in
        its own transaction; a payment page is opened only once that committed."""
        from cohorts.services import enrolment_create

        return SeatStart(enrolment=enrolment_create(cohort=cohort, user=user))

    # --- Codes typed by students ---------------------------------------------------

    def code_attempt(self, *, request, code: str) -> AbstractContextManager[None]:
        """Around checking a code typed in the enrol form: may refuse up front (a
        TooManyAttempts for the ``coupon`` field) and counts codes that did not work."""
        return nullcontext()

    def api_throttles(self) -> list:
        """DRF throttles of the enrol API (none for free seats)."""
        return []

    def api_throttled(self, *, wait: float | None) -> Exception | None:
        """The refusal the enrol API raises when throttled; None: DRF's own."""
        return None

    def api_failed(self, *, request, error: Exception) -> None:
        """The enrol API answered with ``error``: count a code that did not work."""

    # --- The waitlist --------------------------------------------------------------

    def waitlist_price(self, *, cohort: Cohort, now: dt.datetime) -> Any:
        """What a student moving up from the waitlist owes (as seat_hold takes it), or
        None when the seat is free. Called under the cohort's row lock."""
        return None

    def seat_hold(self, *, enrolment: Enrolment, price: Any, now: dt.datetime) -> None:
        """A student moved up into a seat held for them (pending_payment): open what
        they pay and tell them how long the seat is held. Called under the cohort's
        row lock."""
        raise NotImplementedError("A free seat is never held for payment.")

    # --- Pages ---------------------------------------------------------------------

    def pending_payments(self, *, user: User) -> dict[int, Any]:
        """By enrolment id, what each of the user's held seats waits on (an object
        with ``pk`` and ``provider``, linked from My cohorts)."""
        return {}


FREE_SEATS = SeatPolicy()
_registered: SeatPolicy | None = None


def seat_policy_register(policy: SeatPolicy | None) -> None:
    """The app that sells seats registers its policy here, in its AppConfig.ready();
    None goes back to free seats."""
    global _registered
    _registered = policy


def seat_policy() -> SeatPolicy:
    return _registered or FREE_SEATS


def enrolment_start(
    *, cohort: Cohort, user: User, coupon_code: str = "", instalments: int = 1, base_url: str
) -> SeatStart:
    """The one way the enrol form and the enrol API take a seat: a seat (held while the
    student pays, in a paid cohort) or a place on the waitlist, and where to pay. Not
    atomic: the seat is taken in its own transaction (cohorts.services), a payment
    page is opened only once that committed. A self-paced cohort is refused: its course
    comes with a membership."""
    from cohorts.services import cohort_seat_sale_check

    cohort_seat_sale_check(cohort=cohort)
    return seat_policy().start(
        cohort=cohort,
        user=user,
        coupon_code=coupon_code,
        instalments=instalments,
        base_url=base_url,
    )
