"""Prices, coupons and the payments overview in the Wagtail admin."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from lms.templatetags.lms_money import money
from payments import selectors
from payments.forms import CohortPriceForm, CouponForm
from payments.models import CohortPrice, Coupon


def _price(price: CohortPrice) -> str:
    return money(price.amount, price.currency)


def _amount_off(coupon: Coupon) -> str:
    return money(coupon.amount_off, coupon.currency) if coupon.amount_off is not None else ""


class CohortPriceViewSet(ModelViewSet):
    model = CohortPrice
    icon = "tag"
    menu_label = _("Prices")
    copy_view_enabled = False
    list_display = [
        "cohort",
        Column("amount", label=_("Price"), accessor=_price),
        "instalments",
        "payment_method",
    ]
    list_filter = ["currency", "payment_method"]
    edit_handler = ObjectList(
        [
            FieldPanel("cohort"),
            FieldRowPanel([FieldPanel("amount"), FieldPanel("currency")]),
            FieldRowPanel([FieldPanel("early_bird_amount"), FieldPanel("early_bird_until")]),
            FieldPanel("instalments"),
            MultiFieldPanel(
                [
                    FieldPanel("payment_method"),
                    FieldRowPanel([FieldPanel("hold_minutes"), FieldPanel("invoice_days")]),
                    FieldPanel("refund_weeks"),
                ],
                heading=_("Paying and refunds"),
            ),
        ],
        base_form_class=CohortPriceForm,
    )


class CouponViewSet(ModelViewSet):
    model = Coupon
    icon = "pick"
    menu_label = _("Coupons and scholarships")
    copy_view_enabled = False
    list_display = [
        "code",
        "percent_off",
        Column("amount_off", label=_("Amount off"), accessor=_amount_off),
        "max_uses",
        "expires_at",
        "cohort",
        "applies_to",
        "active",
    ]
    list_filter = ["active", "applies_to", "cohort"]
    search_fields = ["code"]
    edit_handler = ObjectList(
        [
            FieldPanel("code"),
            FieldRowPanel(
                [FieldPanel("percent_off"), FieldPanel("amount_off"), FieldPanel("currency")]
            ),
            FieldRowPanel([FieldPanel("max_uses"), FieldPanel("expires_at")]),
            FieldPanel("applies_to"),
            FieldPanel("cohort"),
            FieldPanel("active"),
        ],
        base_form_class=CouponForm,
    )


class PaymentsGroup(ViewSetGroup):
    menu_label = _("Payments")
    menu_icon = "tag"
    menu_order = 210
    items = (CohortPriceViewSet("prices"), CouponViewSet("coupons"))


@hooks.register("register_admin_viewset")
def register_payment_viewsets():
    return PaymentsGroup()


class OrdersMenuItem(MenuItem):
    """Shown only to whoever may open the page it leads to."""

    def is_shown(self, request) -> bool:
        return selectors.user_can_manage_orders(request.user)


@hooks.register("register_admin_menu_item")
def register_payments_overview():
    # Orders, refunds, invoices marked paid and deferral requests, per cohort.
    return OrdersMenuItem(
        _("Orders and refunds"), reverse("payments:staff_overview"), icon_name="list-ul", order=211
    )
