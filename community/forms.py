"""HTML forms of the community. They only read the input; the services decide what may
be written and refuse with a message that the view puts at the field it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import ReportReason
from community.services.moderation import MAX_MUTE_DAYS
from community.services.posting import MAX_TITLE
from lms.errors import DomainError
from lms.forms import add_domain_error

MARKDOWN_HINT = _(
    "Markdown works: **bold**, *italic*, `code`, - lists, > quotes, [link](https://…). "
    "Type @ and a name to mention someone in the cohort."
)


def body_field(label=None, rows: int = 8) -> forms.CharField:
    # No length limit here: the service says how long the text is and what the limit is.
    return forms.CharField(
        label=label or _("Your text"),
        strip=False,
        help_text=MARKDOWN_HINT,
        widget=forms.Textarea(attrs={"rows": rows, "data-mentions": ""}),
    )


class GuidelinesMixin(forms.Form):
    accept_guidelines = forms.BooleanField(
        label=_("I have read the community guidelines and will follow them"), required=False
    )

    def __init__(self, *args, guidelines_due: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not guidelines_due:
            del self.fields["accept_guidelines"]


class ThreadForm(GuidelinesMixin):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = body_field()
    field_order = ["title", "body", "accept_guidelines"]


class ReplyForm(GuidelinesMixin):
    body = body_field(label=_("Your reply"), rows=5)
    parent_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    field_order = ["body", "accept_guidelines", "parent_id"]

    def __init__(self, *args, question: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if question:  # under the heading "Your answer", a field called "Your reply" jars
            self.fields["body"].label = _("Your answer")


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    body = body_field()

    def __init__(self, *args, opening: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not opening:
            del self.fields["title"]


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this post?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything the moderators should know"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MoveForm(forms.Form):
    space = forms.TypedChoiceField(label=_("Move to"), coerce=int)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].choices = [(r.space.pk, r.title) for r in rows]


class MuteForm(forms.Form):
    days = forms.IntegerField(
        label=_("For how many days"), min_value=1, max_value=MAX_MUTE_DAYS, initial=3
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("The member sees this reason when they try to post."),
    )


class ProfileForm(forms.Form):
    bio = forms.CharField(
        label=_("Short bio"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    interests = forms.CharField(label=_("Interests"), required=False, max_length=200)
    link_1 = forms.CharField(
        label=_("Link 1"), required=False, widget=forms.URLInput(attrs={"inputmode": "url"})
    )
    link_2 = forms.CharField(
        label=_("Link 2"), required=False, widget=forms.URLInput(attrs={"inputmode": "url"})
    )
    link_3 = forms.CharField(
        label=_("Link 3"), required=False, widget=forms.URLInput(attrs={"inputmode": "url"})
    )

    def links(self) -> list[str]:
        return [self.cleaned_data[f"link_{n}"] for n in (1, 2, 3)]


class ImageForm(forms.Form):
    image = forms.FileField(
        label=_("Image"),
        help_text=_("JPEG, PNG, GIF or WebP, at most 2 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )


# The service's field names that a form shows under another name.
FIELD_ALIASES = {"links": "link_1", "image": "image"}


def add_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal at the field it names, else above the form."""
    add_domain_error(form, exc, FIELD_ALIASES)
