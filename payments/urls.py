from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("orders/<id:order_id>/", views.order, name="order"),
    path("orders/<id:order_id>/pay/", views.pay, name="pay"),
    path("orders/<id:order_id>/receipt/", views.receipt, name="receipt"),
    path("invoices/<id:invoice_id>/", views.invoice, name="invoice"),
    path("payment-method/", views.manage_payment_method, name="payment_method"),
    path("defer/<id:cohort_id>/", views.deferral_request, name="defer"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("staff/", views.staff_overview, name="staff_overview"),
    path("staff/cohorts/<id:cohort_id>/", views.staff_cohort, name="staff_cohort"),
    path("staff/orders/<id:order_id>/refund/", views.staff_refund, name="staff_refund"),
    path("staff/orders/<id:order_id>/mark-paid/", views.staff_mark_paid, name="staff_mark_paid"),
    path(
        "staff/invoices/<id:invoice_id>/mark-paid/",
        views.staff_invoice_mark_paid,
        name="staff_invoice_mark_paid",
    ),
    path(
        "staff/invoices/<id:invoice_id>/void/", views.staff_invoice_void, name="staff_invoice_void"
    ),
    path(
        "staff/deferrals/<id:deferral_id>/decide/",
        views.staff_deferral_decide,
        name="staff_deferral_decide",
    ),
]
