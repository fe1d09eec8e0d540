"""The payments API: quotes, the student's orders and how to pay them, deferral
requests, and for staff refunds, marking invoices paid, deferral decisions and the
per-cohort summary."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from cohorts.selectors import cohort_get
from cohorts.services import cohort_seat_sale_check
from lms.api import ERROR, MAX_ID, MAX_INT32, ApiView
from payments import selectors, services
from payments.models import Deferral
from payments.throttling import CouponThrottleMixin

# --- Serializers ------------------------------------------------------------------------


class CanManageOrders(BasePermission):
    """Signed in with the payments.manage_orders permission (``is_staff`` is not enough)."""

    message = _("Only staff who manage orders may do this.")

    def has_permission(self, request, view) -> bool:
        return selectors.user_can_manage_orders(request.user)


class QuoteSerializer(serializers.Serializer):
    currency = serializers.CharField()
    list_amount = serializers.IntegerField(help_text="The price of the day, in cents.")
    discount_amount = serializers.IntegerField()
    total_amount = serializers.IntegerField()
    early_bird = serializers.BooleanField()
    instalments = serializers.IntegerField()
    instalment_amounts = serializers.ListField(child=serializers.IntegerField())
    provider = serializers.CharField()
    refund_policy_ends_at = serializers.DateTimeField()


class InstalmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    amount = serializers.IntegerField()
    due_on = serializers.DateField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)


class MoneySerializer(serializers.Serializer):
    amount = serializers.IntegerField()
    provider_reference = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


class InvoiceSerializer(serializers.Serializer):
    number = serializers.CharField()
    amount = serializers.IntegerField()
    due_on = serializers.DateField()
    payment_reference = serializers.CharField()
    paid_at = serializers.DateTimeField(allow_null=True)


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="order.pk")
    cohort_id = serializers.IntegerField(source="order.enrolment.cohort_id")
    cohort = serializers.CharField(source="order.enrolment.cohort.name")
    status = serializers.CharField(source="order.status")
    partly_refunded = serializers.BooleanField(
        source="order.partly_refunded", help_text="Paid, and part of it was refunded."
    )
    provider = serializers.CharField(source="order.provider")
    currency = serializers.CharField(source="order.currency")
    list_amount = serializers.IntegerField(source="order.list_amount")
    discount_amount = serializers.IntegerField(source="order.discount_amount")
    total_amount = serializers.IntegerField(source="order.total_amount")
    received = serializers.IntegerField()
    refunded_amount = serializers.IntegerField(source="order.refunded_amount")
    instalments = serializers.IntegerField(source="order.instalments")
    instalments_paid = serializers.IntegerField(source="order.instalments_paid")
    failing_since = serializers.DateTimeField(source="order.failing_since", allow_null=True)
    hold_expires_at = serializers.DateTimeField(source="order.hold_expires_at", allow_null=True)
    paid_at = serializers.DateTimeField(source="order.paid_at", allow_null=True)
    can_pay = serializers.BooleanField()
    refund_policy_ends_at = serializers.DateTimeField()
    schedule = InstalmentSerializer(many=True)
    payments = MoneySerializer(many=True)
    refunds = MoneySerializer(many=True)
    invoice = serializers.SerializerMethodField()

    @extend_schema_field(InvoiceSerializer(allow_null=True))
    def get_invoice(self, view) -> dict | None:
        invoice = getattr(view.order, "invoice", None)
        return InvoiceSerializer(invoice).data if invoice is not None else None


class QuoteRequestSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    coupon = serializers.CharField(required=False, allow_blank=True, max_length=40)
    instalments = serializers.IntegerField(required=False, min_value=1, max_value=12, default=1)


class CheckoutSerializer(serializers.Serializer):
    checkout_url = serializers.URLField()


class RefundRequestSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT32,
        help_text="In cents; empty for everything not refunded.",
    )
    reason = serializers.CharField(max_length=2000)
    outside_policy = serializers.BooleanField(default=False)
    end_enrolment = serializers.BooleanField(
        default=False,
        help_text="Also end the enrolment after a partial refund (a full refund always does).",
    )


class MarkPaidSerializer(serializers.Serializer):
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DeferralRequestSerializer(serializers.Serializer):
    cohort_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    to_cohort_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.CharField(max_length=2000)


class DeferralDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    answer = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DeferralSerializer(serializers.ModelSerializer):
    cohort_id = serializers.IntegerField(source="enrolment.cohort_id")
    to_cohort_id = serializers.IntegerField()

    class Meta:
        model = Deferral
        fields = ["id", "cohort_id", "to_cohort_id", "reason", "status", "answer", "decided_at"]


class CohortPaymentsSerializer(serializers.Serializer):
    cohort_id = serializers.IntegerField(source="pk")
    orders_paid = serializers.IntegerField()
    orders_pending = serializers.IntegerField()
    orders_failing = serializers.IntegerField()
    orders_refunded = serializers.IntegerField()
    received = serializers.IntegerField()
    refunded = serializers.IntegerField()
    revenue = serializers.IntegerField()
    currency = serializers.CharField(
        source="price.currency", allow_null=True, help_text="Null for a free cohort."
    )


# --- Views ------------------------------------------------------------------------------


class QuoteApi(CouponThrottleMixin, ApiView):
    @extend_schema(
        parameters=[QuoteRequestSerializer],
        responses={200: QuoteSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        tags=["payments"],
        description=(
            "What a seat costs you now: early-bird, code and instalments applied. Codes "
            "that do not work are counted per user and address: past the limit, 429 "
            "with Retry-After."
        ),
    )
    def get(self, request: Request) -> Response:
        params = QuoteRequestSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        cohort = cohort_get(cohort_id=params.validated_data["cohort"])
        cohort_seat_sale_check(cohort=cohort)
        quote = selectors.quote_get(
            cohort=cohort,
            coupon_code=params.validated_data.get("coupon", ""),
            instalments=params.validated_data["instalments"],
        )
        if quote is None:
            return Response(
                {"detail": "This cohort is free.", "code": "free"}, status=status.HTTP_404_NOT_FOUND
            )
        price = selectors.cohort_price_get(cohort=cohort)
        return Response(
            QuoteSerializer(
                {
                    "currency": quote.currency,
                    "list_amount": quote.list_amount,
                    "discount_amount": quote.discount_amount,
                    "total_amount": quote.total_amount,
                    "early_bird": quote.early_bird,
                    "instalments": quote.instalments,
                    "instalment_amounts": quote.instalment_amounts,
                    "provider": selectors.payment_provider(price=price),
                    "refund_policy_ends_at": selectors.refund_policy_ends_at(cohort=cohort),
                }
            ).data
        )


class MyOrdersApi(ApiView):
    @extend_schema(responses={200: OrderSerializer(many=True)}, tags=["payments"])
    def get(self, request: Request) -> Response:
        portal = selectors.member_portal_get(user=request.user, now=timezone.now())
        return Response(OrderSerializer(portal.orders, many=True).data)


class OrderApi(ApiView):
    @extend_schema(responses={200: OrderSerializer, 404: ERROR}, tags=["payments"])
    def get(self, request: Request, order_id: int) -> Response:
        view = selectors.order_view_get(order_id=order_id, user=request.user, now=timezone.now())
        return Response(OrderSerializer(view).data)


class OrderCheckoutApi(ApiView):
    @extend_schema(
        request=None,
        responses={200: CheckoutSerializer, 404: ERROR, 409: ERROR, 503: ERROR},
        tags=["payments"],
        description="The Stripe Checkout page for a pending order (the same one on a retry).",
    )
    def post(self, request: Request, order_id: int) -> Response:
        view = selectors.order_view_get(order_id=order_id, user=request.user, now=timezone.now())
        url = services.checkout_start(
            order=view.order, base_url=f"{request.scheme}://{request.get_host()}"
        )
        return Response({"checkout_url": url})


class OrderRefundApi(ApiView):
    permission_classes = [CanManageOrders]

    @extend_schema(
        request=RefundRequestSerializer,
        responses={201: MoneySerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["payments (staff)"],
        description=(
            "Refund in full or in part. A full refund cancels the enrolment and frees the "
            "seat; after a partial one the student keeps it unless `end_enrolment`."
        ),
    )
    def post(self, request: Request, order_id: int) -> Response:
        data = RefundRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = services.order_refund(
            order=selectors.order_for_staff(order_id=order_id),
            by=request.user,
            amount=data.validated_data.get("amount"),
            reason=data.validated_data["reason"],
            outside_policy=data.validated_data["outside_policy"],
            end_enrolment=data.validated_data["end_enrolment"],
        )
        return Response(MoneySerializer(refund).data, status=status.HTTP_201_CREATED)


class OrderMarkPaidApi(ApiView):
    permission_classes = [CanManageOrders]

    @extend_schema(
        request=MarkPaidSerializer,
        responses={200: OrderSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["payments (staff)"],
        description="An invoice was paid by transfer: the seat is confirmed.",
    )
    def post(self, request: Request, order_id: int) -> Response:
        data = MarkPaidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_mark_paid(
            order=selectors.order_for_staff(order_id=order_id),
            by=request.user,
            reference=data.validated_data.get("reference", ""),
        )
        view = selectors.order_view_get(order_id=order.pk, user=request.user, now=timezone.now())
        return Response(OrderSerializer(view).data)


class DeferralRequestApi(ApiView):
    @extend_schema(
        request=DeferralRequestSerializer,
        responses={201: DeferralSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        tags=["payments"],
        description="Ask to move your seat to a later cohort of the same course.",
    )
    def post(self, request: Request) -> Response:
        data = DeferralRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment, _later = selectors.deferral_options(
            user=request.user, cohort_id=data.validated_data["cohort_id"]
        )
        to_cohort = cohort_get(cohort_id=data.validated_data["to_cohort_id"])
        deferral = services.deferral_request(
            enrolment=enrolment,
            to_cohort=to_cohort,
            reason=data.validated_data["reason"],
            by=request.user,
        )
        return Response(DeferralSerializer(deferral).data, status=status.HTTP_201_CREATED)


class DeferralDecideApi(ApiView):
    permission_classes = [CanManageOrders]

    @extend_schema(
        request=DeferralDecisionSerializer,
        responses={200: DeferralSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        tags=["payments (staff)"],
    )
    def post(self, request: Request, deferral_id: int) -> Response:
        data = DeferralDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deferral = services.deferral_decide(
            deferral=selectors.deferral_for_staff(deferral_id=deferral_id),
            approve=data.validated_data["approve"],
            answer=data.validated_data.get("answer", ""),
            by=request.user,
        )
        return Response(DeferralSerializer(deferral).data)


class CohortPaymentsApi(ApiView):
    permission_classes = [CanManageOrders]

    @extend_schema(
        responses={200: CohortPaymentsSerializer, 403: ERROR, 404: ERROR},
        tags=["payments (staff)"],
        description="Orders by state and revenue (received minus refunded, in cents).",
    )
    def get(self, request: Request, cohort_id: int) -> Response:
        page = selectors.cohort_payments_get(cohort_id=cohort_id, now=timezone.now())
        return Response(CohortPaymentsSerializer(page["cohort"]).data)
