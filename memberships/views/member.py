"""The member's pages: pricing, joining, and the portal with its actions (change plan,
pause, cancel with the one-time offer, stay, rejoin, payment method). Thin: check who
asks, call one selector or service, render; a service's refusal is shown with its 4xx
(at the form's field, or on the error page through lms.middleware)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.errors import NotFound, ValidationFailed
from lms.forms import run_form
from lms.links import absolute_url
from memberships import gateway, selectors, services
from memberships.forms import CancelForm, ChangeForm, JoinForm, PauseForm
from memberships.models import (
    Interval,
    Membership,
    MembershipProvider,
    MembershipStatus,
    TierPrice,
)
from memberships.selectors import TierCard
from payments.throttling import coupon_attempt

# --- Pricing and joining -----------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """One price as the pricing page offers it: chosen or not, and why not."""

    price: TierPrice
    refusal: str = ""  # why it cannot be chosen here (it needs online payment)


@dataclass(frozen=True)
class Offer:
    card: TierCard
    plan: Plan | None  # the price for the interval shown; None: not offered so
    others: list[Plan]  # the tier's other prices


def _plan(price: TierPrice) -> Plan:
    try:
        services.provider_for(price=price)
    except ValidationFailed as exc:
        return Plan(price=price, refusal=exc.message)
    return Plan(price=price)


def _intervals_shown(cards: list[TierCard]) -> list[str]:
    offered = {interval for card in cards for interval in card.prices}
    return [i for i in Interval.values if i in offered]


def _default_interval(intervals: list[str]) -> str:
    # Monthly where it can be paid online; yearly where it is paid by invoice.
    preferred = Interval.MONTH if gateway.configured() else Interval.YEAR
    if preferred in intervals:
        return preferred
    return intervals[0] if intervals else ""


def pricing(request: HttpRequest) -> HttpResponse:
    """The open tiers side by side, for one billing interval at a time (a plain link
    switches it)."""
    cards = selectors.pricing_get()
    intervals = _intervals_shown(cards)
    interval = request.GET.get("interval", "")
    if interval not in intervals:
        interval = _default_interval(intervals)
    offers = []
    for card in cards:
        plans = {i: _plan(p) for i, p in card.prices.items()}
        offers.append(
            Offer(
                card=card,
                plan=plans.get(interval),
                others=[plans[i] for i in intervals if i in plans and i != interval],
            )
        )
    current = (
        selectors.membership_current(user=request.user) if request.user.is_authenticated else None
    )
    return render(
        request,
        "memberships/pricing.html",
        {
            "offers": offers,
            "intervals": [(i, Interval(i).label) for i in intervals],
            "interval": interval,
            # A membership awaiting its first payment may still be replaced by joining.
            "current": current
            if current is not None and current.status != MembershipStatus.INCOMPLETE
            else None,
            "online": gateway.configured(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """GET: the choice to confirm (where the login page sends a visitor back to); POST:
    join, then pay online, or see the invoice or the welcome in the portal."""
    form = JoinForm(request.POST if request.method == "POST" else request.GET)
    valid = form.is_valid()
    if not valid and request.method == "GET":
        return redirect("memberships:pricing")
    # Kept apart: a refusal at a field takes that field out of cleaned_data.
    choice = dict(form.cleaned_data) if valid else {}
    run = run_form(
        request,
        form,
        lambda data: _join(request, data),
    )
    if run.done:
        return _after_join(request, run.result)
    tier, interval = choice.get("tier"), choice.get("interval", "")
    card = selectors.tier_card_get(tier=tier) if tier else None
    price = card.prices.get(interval) if card else None
    return render(
        request,
        "memberships/join.html",
        {
            "form": form,
            "card": card,
            "interval": interval,
            "plan": _plan(price) if price else None,
        },
        status=run.status,
    )


def _join(request: HttpRequest, data: dict) -> Membership:
    # A code that does not work counts against the same guessing limit as seat codes.
    with coupon_attempt(request=request, code=data.get("coupon", "")):
        return services.membership_join(
            user=request.user,
            tier=data["tier"],
            interval=data["interval"],
            coupon_code=data.get("coupon", ""),
        )


def _after_join(request: HttpRequest, membership: Membership) -> HttpResponse:
    if (
        membership.provider == MembershipProvider.STRIPE
        and membership.status == MembershipStatus.INCOMPLETE
    ):
        return redirect(_checkout_url(request, membership))
    tier = membership.tier.name
    if membership.status == MembershipStatus.TRIALING:
        messages.success(
            request,
            _(
                "Your free trial of %(tier)s runs until %(date)s. We email you the invoice "
                "before it ends."
            )
            % {"tier": tier, "date": _date(membership.trial_ends_at)},
        )
    elif membership.status == MembershipStatus.INCOMPLETE:
        messages.success(
            request,
            _(
                "Your invoice was emailed to you; the bank details are below too. Your "
                "%(tier)s membership starts as soon as the payment arrives."
            )
            % {"tier": tier},
        )
    else:
        messages.success(
            request, _("Welcome to %(tier)s! Your membership is active.") % {"tier": tier}
        )
    return redirect("memberships:portal")


def _checkout_url(request: HttpRequest, membership: Membership) -> str:
    portal = reverse("memberships:portal")
    return services.membership_checkout_start(
        membership=membership,
        success_url=absolute_url(f"{portal}?paid=1", request),
        cancel_url=absolute_url(f"{portal}?cancelled=1", request),
        locale=get_language() or "auto",
    )


def _date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT") if moment else ""


# --- The portal ----------------------------------------------------------------------


@dataclass(frozen=True)
class Actions:
    """What the member can do from the portal now (the services check it again)."""

    pay: bool = False
    change: bool = False
    pause: bool = False
    cancel: bool = False
    keep: bool = False
    payment_method: bool = False

    @classmethod
    def of(cls, m: Membership | None) -> Actions:
        if m is None:
            return cls()
        recurring = m.provider != MembershipProvider.NONE and not m.is_lifetime
        ending = m.cancel_at_period_end
        return cls(
            pay=m.provider == MembershipProvider.STRIPE and m.status == MembershipStatus.INCOMPLETE,
            change=recurring
            and not ending
            and m.status in (MembershipStatus.ACTIVE, MembershipStatus.TRIALING),
            pause=recurring and not ending and m.status == MembershipStatus.ACTIVE,
            cancel=not ending and not m.is_lifetime and m.status != MembershipStatus.INCOMPLETE,
            keep=ending,
            payment_method=m.provider == MembershipProvider.STRIPE and bool(m.stripe_subscription),
        )


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    found = selectors.portal_get(user=request.user)
    return render(
        request,
        "memberships/portal.html",
        {
            "portal": found,
            "membership": found.membership,
            "actions": Actions.of(found.membership),
            "payee": settings.LMS_INVOICE_PAYEE,
            "iban": settings.LMS_INVOICE_IBAN,
            "back_from_checkout": request.GET.get("paid") == "1",
            "cancelled_checkout": request.GET.get("cancelled") == "1",
        },
    )


def _current(request: HttpRequest) -> Membership:
    membership = selectors.membership_current(user=request.user)
    if membership is None:
        raise NotFound(_("You have no membership; choose a tier first."), code="no_membership")
    return membership


@login_required
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, price_id: int) -> HttpResponse:
    """What moving to another plan costs, to confirm: the amount shown is the amount
    charged, or nothing changes (409 with the new figure)."""
    membership = _current(request)
    price = selectors.price_get(price_id=price_id)
    if price is None:
        raise NotFound(_("That plan does not exist; choose one shown."), code="no_such_plan")
    form = ChangeForm(request.POST or None)
    run = run_form(
        request,
        form,
        lambda data: services.membership_change(
            membership=membership, to_price=price, expected_amount=data["expected_amount"]
        ),
    )
    if run.done:
        messages.success(request, _change_message(run.result))
        return redirect("memberships:portal")
    preview = services.membership_change_preview(membership=membership, to_price=price)
    return render(
        request,
        "memberships/change.html",
        {"membership": membership, "preview": preview, "form": form},
        status=run.status,
    )


def _change_message(preview: services.ChangePreview) -> str:
    price = preview.price
    plan = {"tier": price.tier.name, "interval": Interval(price.interval).label.lower()}
    if preview.at_once:
        return _("Your plan is now %(tier)s (%(interval)s).") % plan
    return _("From %(date)s your plan is %(tier)s (%(interval)s).") % {
        **plan,
        "date": _date(preview.takes_effect),
    }


@login_required
@require_http_methods(["GET", "POST"])
def pause(request: HttpRequest) -> HttpResponse:
    membership = _current(request)
    form = PauseForm(request.POST or None)
    run = run_form(
        request,
        form,
        lambda data: services.membership_pause(membership=membership, months=data["months"]),
    )
    if run.done:
        messages.success(
            request,
            _("Your membership pauses from %(start)s; payments start again on %(end)s.")
            % {
                "start": _date(membership.current_period_end),
                "end": _date(run.result.pause_resumes_at),
            },
        )
        return redirect("memberships:portal")
    return render(
        request,
        "memberships/pause.html",
        {"membership": membership, "form": form},
        status=run.status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest) -> HttpResponse:
    """The reason first; then, once per cancellation, the tier's retention offer; then
    the cancellation at the end of the paid period."""
    membership = _current(request)
    form = CancelForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and not form.cleaned_data["offer_shown"]
        and services.retention_offer_available(membership)
    ):
        return render(
            request,
            "memberships/offer.html",
            {"membership": membership, "tier": membership.tier, "data": form.cleaned_data},
        )
    run = run_form(
        request,
        form,
        lambda data: services.membership_cancel(
            membership=membership, reason=data["reason"], comment=data["comment"]
        ),
    )
    if run.done:
        ended: Membership = run.result
        if ended.status == MembershipStatus.ENDED:
            messages.success(request, _("Your membership has ended."))
        else:
            messages.success(
                request,
                _("Your membership ends on %(date)s. You keep access until then.")
                % {"date": _date(ended.current_period_end or ended.trial_ends_at)},
            )
        return redirect("memberships:portal")
    return render(
        request,
        "memberships/cancel.html",
        {"membership": membership, "form": form},
        status=run.status,
    )


@login_required
@require_POST
def retention_accept(request: HttpRequest) -> HttpResponse:
    membership = services.membership_retention_accept(membership=_current(request))
    tier = membership.tier
    messages.success(
        request,
        _("Thank you for staying: %(percent)s%% off for the next %(months)s months.")
        % {"percent": tier.retention_percent_off, "months": tier.retention_months},
    )
    return redirect("memberships:portal")


@login_required
@require_POST
def keep(request: HttpRequest) -> HttpResponse:
    services.membership_keep(membership=_current(request))
    messages.success(request, _("Good to have you: your membership goes on."))
    return redirect("memberships:portal")


@login_required
@require_POST
def rejoin(request: HttpRequest) -> HttpResponse:
    return _after_join(request, services.membership_rejoin(user=request.user))


@login_required
@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    """Back to Stripe Checkout for a membership awaiting its first payment."""
    return redirect(_checkout_url(request, _current(request)))


@login_required
@require_POST
def payment_method(request: HttpRequest) -> HttpResponse:
    return redirect(
        services.membership_portal_url(
            membership=_current(request),
            return_url=absolute_url(reverse("memberships:portal"), request),
            locale=get_language() or "auto",
        )
    )
