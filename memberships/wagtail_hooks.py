"""Tiers, their prices and the members in the Wagtail admin."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from lms.money import MoneyField
from lms.templatetags.lms_money import money
from memberships.models import Membership, Tier, TierPrice
from memberships.selectors import user_can_manage_memberships


class TierPriceForm(WagtailAdminModelForm):
    """A price's amount, currency and interval are fixed once it exists: members pay
    what they were sold. A new price is a new row; retire the old one."""

    FIXED = ("tier", "interval", "amount", "currency")
    amount = MoneyField(label=_("Amount"), min_minor=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.FIXED:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "Fixed once the price exists: add a new price and retire this one."
                    )


class TierViewSet(ModelViewSet):
    model = Tier
    icon = "group"
    menu_label = _("Tiers")
    copy_view_enabled = False
    list_display = ["name", "level", "open_for_signup", "trial_days", "seat_discount_percent"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("slug"), FieldPanel("level")]),
            FieldPanel("description"),
            FieldPanel("highlights"),
            FieldPanel("open_for_signup"),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("trial_days"), FieldPanel("trial_requires_card")])],
                heading=_("Trial"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("library_courses"),
                    FieldRowPanel(
                        [
                            FieldPanel("seat_discount_percent"),
                            FieldPanel("included_seats_per_year"),
                        ]
                    ),
                ],
                heading=_("Benefits"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("retention_percent_off"), FieldPanel("retention_months")]
                    )
                ],
                heading=_("Retention offer"),
            ),
        ]
    )


def _amount(price: TierPrice) -> str:
    return money(price.amount, price.currency)


class TierPriceViewSet(ModelViewSet):
    model = TierPrice
    icon = "tag"
    menu_label = _("Tier prices")
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "tier",
        "interval",
        Column("amount", label=_("Amount"), accessor=_amount),
        "active",
    ]
    list_filter = ["tier", "interval", "active"]
    edit_handler = ObjectList(
        [
            FieldPanel("tier"),
            FieldRowPanel([FieldPanel("interval"), FieldPanel("amount"), FieldPanel("currency")]),
            FieldPanel("active"),
        ],
        base_form_class=TierPriceForm,
    )

    def get_queryset(self, request):
        return TierPrice.objects.select_related("tier")


class MembershipsGroup(ViewSetGroup):
    menu_label = _("Memberships")
    menu_icon = "group"
    menu_order = 212
    items = (TierViewSet("tiers"), TierPriceViewSet("tier_prices"))


@hooks.register("register_admin_viewset")
def register_membership_viewsets():
    return MembershipsGroup()


class StaffMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return user_can_manage_memberships(request.user)


@hooks.register("register_admin_menu_item")
def register_members_overview():
    return StaffMenuItem(
        _("Members and revenue"),
        reverse("memberships:staff_revenue"),
        icon_name="table",
        order=213,
    )


__all__ = ["Membership"]
