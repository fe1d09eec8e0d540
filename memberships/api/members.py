"""The tiers on offer, and the member's own membership: join, change plan, pause,
cancel (or stay, or take the retention offer), rejoin and the card."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from lms.api import ERROR, ApiView
from lms.errors import NotFound
from lms.links import absolute_url
from memberships import selectors, services
from memberships.api import serializers as s
from memberships.models import Membership, MembershipProvider
from payments.throttling import CODE_THROTTLES, CodesThrottled, CouponThrottleMixin

TAGS = ["memberships"]
# What every write of one's own membership may answer besides 200, 400, 401 and 403:
# no membership (404), its state (409), too many writes (429), Stripe down (503).
REFUSALS = {404: ERROR, 409: ERROR, 429: ERROR, 503: ERROR}


def _portal_url(request: Request) -> str:
    return absolute_url(reverse("memberships:portal"), request)


def _current(user) -> Membership:
    """The caller's membership that has not ended: looked up before the input is read,
    so someone without one hears 404 whatever they sent."""
    membership = selectors.membership_current(user=user)
    if membership is None:
        raise NotFound(_("You are not a member; join a tier first."), code="no_membership")
    return membership


def _membership(user) -> dict:
    """The caller's membership as a change left it: the live one, or the one that just
    ended (cancelling a free membership ends it at once)."""
    portal = selectors.portal_get(user=user)
    if portal.membership is None:
        portal.membership = portal.last_ended
    return s.MembershipSerializer(portal).data


class TiersApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: s.TierSerializer(many=True)},
        tags=TAGS,
        description="The tiers open for new members, lowest level first, with the price "
        "of each plan, the saving of paying yearly, the free trial and the benefits.",
    )
    def get(self, request: Request) -> Response:
        return Response(s.TierSerializer(selectors.pricing_get(), many=True).data)


class MyMembershipApi(ApiView):
    @extend_schema(
        responses={200: s.MyMembershipSerializer},
        tags=TAGS,
        description="Your membership (null when you have none) with its next payment, "
        "any change waiting for the end of the period and your invoices; the plans you "
        "may change to; and, with no membership, your last one.",
    )
    def get(self, request: Request) -> Response:
        return Response(s.MyMembershipSerializer(selectors.portal_get(user=request.user)).data)


class MemberWriteApi(ApiView):
    """A member's writes may call Stripe or send an invoice: limited per user (the
    "memberships" rate in settings); past it, 429 with Retry-After."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "memberships"

    def throttled(self, request, wait):
        raise exceptions.Throttled(
            wait, detail=_("You did this many times in a short while; please wait a little.")
        )


def _joined(request: Request, membership: Membership) -> Response:
    """201 with the membership, and for Stripe the Checkout page that takes the first
    payment (asked for after the membership committed: no network call under a lock)."""
    pay_url = None
    if membership.provider == MembershipProvider.STRIPE:
        back = _portal_url(request)
        pay_url = services.membership_checkout_start(
            membership=membership,
            success_url=back + "?paid=1",
            cancel_url=back + "?cancelled=1",
            locale=request.user.language or "auto",
        )
    return Response(
        {"membership": _membership(request.user), "pay_url": pay_url},
        status=status.HTTP_201_CREATED,
    )


class JoinApi(CouponThrottleMixin, MemberWriteApi):
    # Both limits: a member's writes, and codes that did not work (the same counter as
    # seat codes).
    throttle_classes = [*MemberWriteApi.throttle_classes, *CODE_THROTTLES]

    def throttled(self, request, wait):
        # The code limits refuse only requests that carry a code.
        if not str(request.data.get("coupon") or "").strip():
            MemberWriteApi.throttled(self, request, wait)
        raise CodesThrottled(wait or 60)

    @extend_schema(
        request=s.JoinInputSerializer,
        responses={201: s.JoinedSerializer, 400: ERROR, 409: ERROR, 429: ERROR, 503: ERROR},
        tags=TAGS,
        description="Join a tier on one of its plans. Free tiers and trials without a "
        "card start at once; yearly and lifetime plans without online payment are "
        "invoiced (by email); otherwise pay at `pay_url`. An unpaid earlier sign-up is "
        "replaced. A `coupon` valid for memberships comes off the first payment (400 "
        "`coupon_*` when it is not; codes that do not work count toward a limit, then 429). "
        "409 `tier_closed`, or `already_member` (change plan instead).",
    )
    def post(self, request: Request) -> Response:
        data = s.JoinInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_join(
            user=request.user,
            tier=data.validated_data["tier"],
            interval=data.validated_data["interval"],
            coupon_code=data.validated_data["coupon"],
        )
        return _joined(request, membership)


class RejoinApi(MemberWriteApi):
    @extend_schema(
        request=None,
        responses={201: s.JoinedSerializer, 400: ERROR, **REFUSALS},
        tags=TAGS,
        description="Join again the tier and plan of your last membership, at today's "
        "price. 404 `no_membership` when there was none.",
    )
    def post(self, request: Request) -> Response:
        return _joined(request, services.membership_rejoin(user=request.user))


class ChangePreviewApi(MemberWriteApi):
    @extend_schema(
        request=s.ChangePreviewInputSerializer,
        responses={200: s.ChangePreviewSerializer, 400: ERROR, **REFUSALS},
        tags=TAGS,
        description="What changing to a plan would do, before you confirm: upgrades and "
        "longer intervals at once (`amount_now` charged, prorated), the others at the end "
        "of the paid period. 409 `same_plan`, `tier_closed`, `cancel_pending`...",
    )
    def post(self, request: Request) -> Response:
        membership = _current(request.user)
        data = s.ChangePreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preview = services.membership_change_preview(
            membership=membership, to_price=data.validated_data["price"]
        )
        return Response(s.ChangePreviewSerializer(preview).data)


class ChangeApi(MemberWriteApi):
    @extend_schema(
        request=s.ChangeInputSerializer,
        responses={200: s.ChangedSerializer, 400: ERROR, **REFUSALS},
        tags=TAGS,
        description="Change plan as previewed. If the amount due now is no longer "
        "`expected_amount` (the period rolled over meanwhile), nothing changes: 409 "
        "`amount_changed` with the new amount.",
    )
    def post(self, request: Request) -> Response:
        membership = _current(request.user)
        data = s.ChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.membership_change(
            membership=membership,
            to_price=data.validated_data["price"],
            expected_amount=data.validated_data["expected_amount"],
        )
        return Response(
            {
                "change": s.ChangePreviewSerializer(change).data,
                "membership": _membership(request.user),
            }
        )


class PauseApi(MemberWriteApi):
    @extend_schema(
        request=s.PauseInputSerializer,
        responses={200: s.MembershipSerializer, 400: ERROR, **REFUSALS},
        tags=TAGS,
        description="No payments for a few months from the end of the paid period; you "
        "keep access until then and the membership resumes by itself.",
    )
    def post(self, request: Request) -> Response:
        membership = _current(request.user)
        data = s.PauseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.membership_pause(membership=membership, months=data.validated_data["months"])
        return Response(_membership(request.user))


class CancelApi(MemberWriteApi):
    @extend_schema(
        request=s.MembershipCancelInputSerializer,
        responses={200: s.MembershipSerializer, 400: ERROR, **REFUSALS},
        tags=TAGS,
        description="End the membership at the end of the paid period (a free one ends "
        "at once). Until then `keep/` undoes it.",
    )
    def post(self, request: Request) -> Response:
        membership = _current(request.user)
        data = s.MembershipCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.membership_cancel(membership=membership, **data.validated_data)
        return Response(_membership(request.user))


class KeepApi(MemberWriteApi):
    @extend_schema(
        request=None,
        responses={200: s.MembershipSerializer, **REFUSALS},
        tags=TAGS,
        description="Stay after all: a membership set to end keeps renewing. 409 "
        "`not_cancelling` when it was not set to end.",
    )
    def post(self, request: Request) -> Response:
        services.membership_keep(membership=_current(request.user))
        return Response(_membership(request.user))


class RetentionApi(MemberWriteApi):
    @extend_schema(
        request=None,
        responses={200: s.MembershipSerializer, **REFUSALS},
        tags=TAGS,
        description="Accept the `retention_offer` (a discount for some months) instead of "
        "cancelling; once per membership: 409 `offer_used`, or `no_offer`.",
    )
    def post(self, request: Request) -> Response:
        services.membership_retention_accept(membership=_current(request.user))
        return Response(_membership(request.user))


class PaymentMethodApi(MemberWriteApi):
    @extend_schema(
        request=s.PaymentMethodInputSerializer,
        responses={200: s.PortalLinkSerializer, 400: ERROR, **REFUSALS},
        tags=TAGS,
        description="Stripe's page where you change the card your membership is paid "
        "with. 409 `no_card` for memberships paid by invoice.",
    )
    def post(self, request: Request) -> Response:
        membership = _current(request.user)
        data = s.PaymentMethodInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        url = services.membership_portal_url(
            membership=membership,
            return_url=data.validated_data["return_url"] or _portal_url(request),
            locale=request.user.language or "auto",
        )
        return Response({"url": url})
