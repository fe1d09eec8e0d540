"""Badge classes in the Wagtail admin: a snippet with drafts and revisions.

A snippet rather than a page: a badge class has no place in the curriculum tree and no
page of its own to route to (its public address is its Open Badges id); the snippet
still gets Wagtail's drafts, revisions and publish workflow. The rule's settings are
form fields contributed by each kind in ``badges.rules``; the service's validation runs
on save so the admin shows the same messages as the API.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from badges import rules, selectors, services
from badges.models import BadgeClass
from lms.errors import DomainError


def _rule_field_name(kind: str, name: str) -> str:
    return f"rule__{kind}__{name}"


class BadgeClassFormBase(WagtailAdminModelForm):
    rule_kind = forms.ChoiceField(label=_("How it is earned"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_kind"].choices = rules.kind_choices()
        instance = self.instance
        for kind in rules.kinds():
            for name in kind.form_fields():
                if instance.rule_kind == kind.kind and name in (instance.rule_config or {}):
                    self.initial[_rule_field_name(kind.kind, name)] = instance.rule_config[name]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload
            try:
                extension = services.badge_image_validate(image=image)
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from exc
            image.name = f"badge.{extension}"
        return image

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        kind_name = cleaned.get("rule_kind") or "manual"
        config = {
            name: cleaned.get(_rule_field_name(kind_name, name))
            for kind in rules.kinds()
            if kind.kind == kind_name
            for name in kind.form_fields()
        }
        candidate = BadgeClass(
            course=cleaned.get("course"),
            name=cleaned.get("name") or "",
            description=cleaned.get("description") or "",
            criteria_narrative=cleaned.get("criteria_narrative") or "",
            rule_kind=kind_name,
            rule_config=config,
        )
        try:
            services.badge_class_validate(badge_class=candidate)
        except DomainError as exc:
            field = exc.field
            if field and field not in self.fields:
                field = _rule_field_name(kind_name, field)
            self.add_error(field if field in self.fields else None, exc.message)
            return cleaned
        self.instance.rule_kind = kind_name
        self.instance.rule_config = candidate.rule_config
        return cleaned


def _form_class() -> type[BadgeClassFormBase]:
    """The admin form with every kind's settings declared as fields (a model form only
    accepts extra fields that are declared on its class)."""
    attrs = {
        _rule_field_name(kind.kind, name): field
        for kind in rules.kinds()
        for name, field in kind.form_fields().items()
    }
    return type("BadgeClassForm", (BadgeClassFormBase,), attrs)


def _rule_panels() -> list:
    panels = [FieldPanel("rule_kind")]
    for kind in rules.kinds():
        names = list(kind.form_fields())
        if names:
            panels.append(
                MultiFieldPanel(
                    [FieldPanel(_rule_field_name(kind.kind, n)) for n in names],
                    heading=kind.label,
                )
            )
    return panels


class BadgeClassViewSet(SnippetViewSet):
    model = BadgeClass
    icon = "pick"
    menu_label = _("Badges")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name", "course", "rule_kind", "live"]
    list_filter = ["course"]
    search_fields = ["name", "description"]

    @property
    def edit_handler(self):
        return ObjectList(
            [
                FieldPanel("course"),
                FieldPanel("name"),
                FieldPanel("description"),
                FieldPanel("image"),
                FieldPanel("criteria_narrative"),
                MultiFieldPanel(_rule_panels(), heading=_("Rule")),
            ],
            base_form_class=_form_class(),
        )


register_snippet(BadgeClassViewSet)


class BadgeStatsMenuItem(MenuItem):
    """Shown only to whoever may open the page it leads to."""

    def is_shown(self, request) -> bool:
        return selectors.user_can_view_badge_stats(request.user)


@hooks.register("register_admin_menu_item")
def badge_stats_menu_item():
    return BadgeStatsMenuItem(
        _("Badges earned"), reverse("badges:stats"), icon_name="list-ul", order=310
    )
