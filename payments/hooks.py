"""What apps above payments plug in (payments never imports them): they register here
in their AppConfig.ready().

Seat benefits: a discount on cohort seats that payments does not decide itself (a
membership's member price, a seat included in it). When a signed-in student is quoted
a seat, payments asks ``offer``; when an order uses the benefit, ``claim`` is called in
the transaction that takes the seat (under the cohort's lock, before anything is
committed) and may refuse with lms.errors.Conflict; when that order ends unpaid or is
refunded in full, ``release`` is called once the change committed.

Coupon uses: an app that redeems coupons outside orders (memberships) says how often
each was used, so ``max_uses`` counts every use whatever it bought.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from lms.errors import Conflict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeatBenefit:
    """A discount offered to one student on one cohort's seat.

    ``label`` is shown to the student as is (translate it); ``key`` is opaque to
    payments: it is stored on the order and handed back to ``release``."""

    percent_off: int
    label: str
    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.percent_off, int) or not 1 <= self.percent_off <= 100:
            raise ValueError("A seat benefit takes 1 to 100 percent off.")
        if not self.key or len(self.key) > 100:
            raise ValueError("A seat benefit needs a key of 1 to 100 characters.")
        if not self.label or len(self.label) > 200:
            raise ValueError("A seat benefit needs a label of 1 to 200 characters.")


class OfferSeatBenefit(Protocol):
    def __call__(self, *, user: Any, cohort: Any, now: dt.datetime) -> SeatBenefit | None: ...


class ClaimSeatBenefit(Protocol):
    def __call__(self, *, benefit: SeatBenefit, enrolment: Any, now: dt.datetime) -> None: ...


class ReleaseSeatBenefit(Protocol):
    def __call__(self, *, key: str, enrolment_id: int, now: dt.datetime) -> None: ...


@dataclass(frozen=True)
class _SeatBenefits:
    offer: OfferSeatBenefit
    claim: ClaimSeatBenefit
    release: ReleaseSeatBenefit


_seat_benefits: _SeatBenefits | None = None


def register_seat_benefits(
    offer: OfferSeatBenefit, claim: ClaimSeatBenefit, release: ReleaseSeatBenefit
) -> None:
    """One app offers seat benefits; registering again replaces it."""
    global _seat_benefits
    _seat_benefits = _SeatBenefits(offer=offer, claim=claim, release=release)


def unregister_seat_benefits() -> None:
    global _seat_benefits
    _seat_benefits = None


def seat_benefits_registered() -> bool:
    return _seat_benefits is not None


def seat_benefit_offer(*, user: Any, cohort: Any, now: dt.datetime) -> SeatBenefit | None:
    """The benefit on offer to this student for a seat in this cohort, if any. Nobody
    signed in gets none."""
    if _seat_benefits is None or user is None or not getattr(user, "is_authenticated", False):
        return None
    benefit = _seat_benefits.offer(user=user, cohort=cohort, now=now)
    if benefit is not None and not isinstance(benefit, SeatBenefit):
        raise TypeError("A seat benefit offer must return a SeatBenefit or None.")
    return benefit


def seat_benefit_claim(*, benefit: SeatBenefit, enrolment: Any, now: dt.datetime) -> None:
    """Inside the transaction that takes the seat; a Conflict refuses the enrolment."""
    if _seat_benefits is None:
        raise Conflict(
            _("This discount is no longer offered; check the price again."),
            code="benefit_withdrawn",
        )
    _seat_benefits.claim(benefit=benefit, enrolment=enrolment, now=now)


def seat_benefit_reclaim(*, benefit: SeatBenefit, enrolment: Any, now: dt.datetime) -> bool:
    """Claim again a benefit released when its order ended unpaid, for money that came
    after all: the money is kept whatever the answer (the student paid the price they
    were shown), so a refusal is only logged. True when claimed."""
    try:
        with transaction.atomic():
            seat_benefit_claim(benefit=benefit, enrolment=enrolment, now=now)
    except Conflict as refusal:
        log.warning("benefit %s not claimed again for a late payment: %s", benefit.key, refusal)
        return False
    return True


def seat_benefit_release_on_commit(*, key: str, enrolment_id: int, now: dt.datetime) -> None:
    """Hand the benefit back once the order's end committed (a rollback keeps it)."""
    if not key or _seat_benefits is None:
        return
    release = _seat_benefits.release
    transaction.on_commit(lambda: release(key=key, enrolment_id=enrolment_id, now=now))


# --- Coupon uses outside orders ---------------------------------------------------------

CouponUses = Callable[..., int]
_coupon_uses: list[CouponUses] = []


def register_coupon_uses(count: CouponUses) -> None:
    """``count(*, coupon) -> int``: how often an app above payments used this coupon
    (redeemed and not given back). Added to the orders that used it for ``max_uses``."""
    if count not in _coupon_uses:
        _coupon_uses.append(count)


def unregister_coupon_uses(count: CouponUses) -> None:
    if count in _coupon_uses:
        _coupon_uses.remove(count)


def coupon_uses_elsewhere(*, coupon: Any) -> int:
    return sum(count(coupon=coupon) for count in _coupon_uses)
