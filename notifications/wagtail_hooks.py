"""Consent records in the Wagtail admin, read-only: staff look up who agreed to what,
when and how (to answer a question or a complaint); they change nothing here. A
member's consent changes only through the member (the page, the API, an email link)
or the services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from notifications.models import ConsentEvent


class ReadOnlyPolicy(ModelPermissionPolicy):
    """View (and inspect) only: proof of consent is appended by the services, never
    added, edited or deleted by hand."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(ConsentEvent, ReadOnlyPolicy(ConsentEvent), exact_class=True)


def _who(event: ConsentEvent) -> str:
    return event.user.get_display_name()


class ConsentEventViewSet(ModelViewSet):
    model = ConsentEvent
    icon = "mail"
    menu_label = _("Consent records")
    menu_order = 290
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        Column("user", label=_("Member"), accessor=_who),
        "mailing_list",
        "action",
        "source",
        "at",
    ]
    list_filter = ["mailing_list", "action", "source"]
    search_fields = ["user__username", "user__email"]
    inspect_view_fields = [
        "user",
        "mailing_list",
        "action",
        "source",
        "at",
        "text",
        "language",
        "request",
        "actor",
    ]
    form_fields = ["mailing_list"]  # never shown: nothing may be added or changed

    def get_queryset(self, request):
        return ConsentEvent.objects.select_related("user").order_by("-at", "-pk")


@hooks.register("register_admin_viewset")
def register_consent_viewset():
    return ConsentEventViewSet("consent_records")
