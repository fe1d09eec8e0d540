from django.urls import path

from payments import api

urlpatterns = [
    path("payments/quote/", api.QuoteApi.as_view(), name="api-payment-quote"),
    path("payments/orders/", api.MyOrdersApi.as_view(), name="api-my-orders"),
    path("payments/orders/<id:order_id>/", api.OrderApi.as_view(), name="api-order"),
    path(
        "payments/orders/<id:order_id>/checkout/",
        api.OrderCheckoutApi.as_view(),
        name="api-order-checkout",
    ),
    path(
        "payments/orders/<id:order_id>/refund/",
        api.OrderRefundApi.as_view(),
        name="api-order-refund",
    ),
    path(
        "payments/orders/<id:order_id>/mark-paid/",
        api.OrderMarkPaidApi.as_view(),
        name="api-order-mark-paid",
    ),
    path("payments/deferrals/", api.DeferralRequestApi.as_view(), name="api-deferrals"),
    path(
        "payments/deferrals/<id:deferral_id>/decide/",
        api.DeferralDecideApi.as_view(),
        name="api-deferral-decide",
    ),
    path(
        "payments/cohorts/<id:cohort_id>/",
        api.CohortPaymentsApi.as_view(),
        name="api-cohort-payments",
    ),
]
