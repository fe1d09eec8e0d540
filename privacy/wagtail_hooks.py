from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from privacy.models import PrivacyNotice


class PrivacyNoticeViewSet(SnippetViewSet):
    model = PrivacyNotice
    icon = "lock"
    menu_label = _("Privacy notice")
    add_to_admin_menu = True
    menu_order = 900
    list_display = ["controller", "contact", "updated_at"]
    panels = [
        FieldPanel("controller"),
        FieldPanel("contact"),
        MultiFieldPanel([FieldPanel("intro"), FieldPanel("closing")], heading=_("English")),
        MultiFieldPanel([FieldPanel("intro_nl"), FieldPanel("closing_nl")], heading=_("Dutch")),
    ]


register_snippet(PrivacyNoticeViewSet)
