"""Interest topics: a short list staff keep in the CMS (a snippet), which news posts are
tagged with and members choose from. A member's interests live here rather than on the
user, because lms (the user) sits below cms."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable


class Topic(Orderable):
    """A subject members may follow. Staff order the list by dragging it in the admin."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(
        _("slug"), max_length=80, unique=True, help_text=_("Used in addresses, e.g. ?topic=…")
    )
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        help_text=_("One sentence telling members what they will hear about."),
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]

    class Meta(Orderable.Meta):
        ordering = ["sort_order", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


class MemberInterest(models.Model):
    """A member follows a topic: news on it is shown (and may be sent) to them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="interests"
    )
    created_at = models.DateTimeField(_("chosen at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member interest")
        verbose_name_plural = _("member interests")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="cms_interest_once_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.topic_id}"
