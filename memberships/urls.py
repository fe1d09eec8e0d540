from django.urls import path

from memberships.views import member, staff

app_name = "memberships"

urlpatterns = [
    path("", member.pricing, name="pricing"),
    path("join/", member.join, name="join"),
    path("me/", member.portal, name="portal"),
    path("me/pay/", member.pay, name="pay"),
    path("me/change/<id:price_id>/", member.change, name="change"),
    path("me/pause/", member.pause, name="pause"),
    path("me/cancel/", member.cancel, name="cancel"),
    path("me/offer/", member.retention_accept, name="retention_accept"),
    path("me/keep/", member.keep, name="keep"),
    path("me/rejoin/", member.rejoin, name="rejoin"),
    path("me/payment-method/", member.payment_method, name="payment_method"),
    path("staff/", staff.revenue, name="staff_revenue"),
    path("staff/revenue.csv", staff.revenue_csv, name="staff_revenue_csv"),
    path("staff/members/", staff.members, name="staff_members"),
    path("staff/prices/<id:price_id>/move/", staff.price_move, name="staff_price_move"),
]
