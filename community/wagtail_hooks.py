"""The community in the Wagtail admin: staff appoint mentors and moderators for one
cohort or every cohort of a course (through ``services.role_appoint``, so the admin
refuses what the service refuses, with the same message)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from community import services
from community.models import Role
from lms.errors import DomainError


class RoleForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        if not self.errors and (cleaned.get("cohort") is None) == (cleaned.get("course") is None):
            raise forms.ValidationError(_("Choose one cohort or one course, not both."))
        return cleaned


class RoleCreateView(generic.CreateView):
    def save_instance(self):
        d = self.form.cleaned_data
        try:
            return services.role_appoint(
                by=self.request.user,
                user=d["user"],
                role=d["role"],
                cohort=d.get("cohort"),
                course=d.get("course"),
            )
        except DomainError as exc:
            self.form.add_error(None, exc.message)
            raise forms.ValidationError(exc.message) from exc

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except forms.ValidationError:
            return self.form_invalid(self.form)


class RoleViewSet(ModelViewSet):
    model = Role
    icon = "user"
    menu_label = _("Mentors and moderators")
    menu_order = 210
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["user", "role", "cohort", "course", "appointed_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "user__display_name"]
    add_view_class = RoleCreateView
    edit_handler = ObjectList(
        [FieldPanel("user"), FieldPanel("role"), FieldPanel("cohort"), FieldPanel("course")],
        base_form_class=RoleForm,
    )


@hooks.register("register_admin_viewset")
def register_role_viewset():
    return RoleViewSet("community_roles")
