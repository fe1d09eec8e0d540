"""The member's interests form: reusable wherever a page lets a member choose topics
(the interests page, the member portal)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.models import Topic


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return obj.name


class InterestsForm(forms.Form):
    """The topics a member follows. An id that is not a topic is a field error."""

    topics = TopicChoiceField(
        label=_("Topics that interest you"),
        queryset=Topic.objects.order_by("sort_order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Your news shows posts on these topics and the news for everyone. Choose none "
            "to see only the news for everyone."
        ),
    )
