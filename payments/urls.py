from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("orders/<int:order_id>/pay/", views.pay, name="pay"),
    path("orders/<int:order_id>/receipt/", views.receipt, name="receipt"),
    path("payment-method/", views.manage_payment_method, name="payment_method"),
    path("defer/<int:cohort_id>/", views.deferral_request, name="defer"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("staff/", views.staff_overview, name="staff_overview"),
    path("staff/cohorts/<int:cohort_id>/", views.staff_cohort, name="staff_cohort"),
    path("staff/orders/<int:order_id>/refund/", views.staff_refund, name="staff_refund"),
    path("staff/orders/<int:order_id>/mark-paid/", views.staff_mark_paid, name="staff_mark_paid"),
    path(
        "staff/deferrals/<int:deferral_id>/decide/",
        views.staff_deferral_decide,
        name="staff_deferral_decide",
    ),
]
