"""The privacy notice's own words, edited by staff in the CMS around the generated table."""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField

FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]


class PrivacyNotice(models.Model):
    """One notice (the latest saved is shown): who is responsible and how to reach them,
    text before and after the table, in English and Dutch."""

    controller = models.CharField(
        _("organisation responsible"),
        max_length=200,
        help_text=_("The organisation that decides what is done with members' data."),
    )
    contact = models.CharField(
        _("privacy contact"),
        max_length=200,
        help_text=_("An email address or page where members reach you about their data."),
    )
    intro = RichTextField(_("introduction (English)"), features=FEATURES, blank=True)
    intro_nl = RichTextField(_("introduction (Dutch)"), features=FEATURES, blank=True)
    closing = RichTextField(_("closing text (English)"), features=FEATURES, blank=True)
    closing_nl = RichTextField(_("closing text (Dutch)"), features=FEATURES, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        # Staff who handle members' privacy requests (exports and erasures).
        permissions = [("manage_privacy_requests", _("Can handle members' privacy requests"))]

    def __str__(self) -> str:
        return str(_("Privacy notice of %(controller)s") % {"controller": self.controller})

    def text(self, part: str) -> str:
        """The part ("intro" or "closing") in the active language, else in English."""
        if translation.get_language() == "nl":
            return getattr(self, f"{part}_nl") or getattr(self, part)
        return getattr(self, part)
