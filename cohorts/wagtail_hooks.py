"""Cohorts in Wagtail: the admin for staff (writes through the services), and the
hooks by which the curriculum pages of cms follow the cohorts' access policy on the
site (catalogue context, page serving, document downloads)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseObjectMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from cms.models import AssignmentPage, CoursePage, HomePage, LessonPage, ModulePage
from cohorts import selectors, services
from cohorts.models import Cohort, ModuleUnlockOverride
from lms.errors import DomainError


class ServiceValidatedForm(WagtailAdminModelForm):
    """Runs the service's own validation so the admin shows the same messages as the
    API, attached to the field to fix."""

    def validate_with_service(self, instance) -> None:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = self._meta.model(pk=self.instance.pk)
        for name, value in cleaned.items():
            if name in {f.name for f in self._meta.model._meta.concrete_fields}:
                setattr(candidate, name, value)
        try:
            self.validate_with_service(candidate)
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return cleaned


class CohortForm(ServiceValidatedForm):
    def validate_with_service(self, instance) -> None:
        services.cohort_validate(cohort=instance)


class CohortCreateView(generic.CreateView):
    def save_instance(self):
        data = dict(self.form.cleaned_data)
        instructors = data.pop("instructors", [])
        data.pop("status", None)
        return services.cohort_create(**data, instructors=instructors, by=self.request.user)


class CohortEditView(generic.EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if not self.object.is_cancelled and self.user_has_permission("change"):
            buttons.append(
                Button(
                    _("Cancel cohort"),
                    url=reverse("cohort_admin:cancel", args=[quote(self.object.pk)]),
                    icon_name="cross",
                    priority=15,
                )
            )
        return buttons

    def save_instance(self):
        data = dict(self.form.cleaned_data)
        instructors = data.pop("instructors", None)
        data.pop("status", None)
        changes = {k: v for k, v in data.items() if k in services.COHORT_FIELDS}
        return services.cohort_update(
            cohort=self.object, instructors=instructors, by=self.request.user, **changes
        )


class CohortDeleteView(generic.DeleteView):
    def form_valid(self, form):
        # Enrolments protect their cohort (on_delete=PROTECT); refuse with a reason
        # instead of failing on the database's refusal.
        if self.object.enrolments.exists():
            messages.error(
                self.request,
                _(
                    "Students have enrolled in this cohort, so it cannot be deleted without "
                    "losing their records."
                ),
            )
            return redirect(self.edit_url_name, quote(self.object.pk))
        return super().form_valid(form)


class CohortCancelView(
    PermissionCheckedMixin, BaseObjectMixin, generic.WagtailAdminTemplateMixin, TemplateView
):
    """Staff cancel a cohort that will not run: a page that says what follows, and a
    button that calls cohorts.services.cohort_cancel."""

    model = Cohort
    permission_required = "change"
    template_name = "cohorts/admin/cancel.html"
    page_title = _("Cancel cohort")
    header_icon = "group"

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["seats"] = self.object.enrolments.count()
        context["edit_url"] = reverse("cohort_admin:edit", args=[quote(self.object.pk)])
        return context

    def post(self, request, *args, **kwargs):
        try:
            services.cohort_cancel(cohort=self.object, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("The cohort “%(name)s” is cancelled.") % {"name": self.object}
            )
        return redirect("cohort_admin:edit", quote(self.object.pk))


class CohortViewSet(ModelViewSet):
    model = Cohort
    icon = "group"
    menu_label = _("Cohorts")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "name",
        "course",
        "starts_on",
        "ends_on",
        "capacity",
        "pace",
        # The stored status only tells cancelled from not; show the phase its dates give.
        Column(
            "phase",
            label=_("Status"),
            accessor=lambda cohort: selectors.cohort_status_label(cohort=cohort),
        ),
    ]
    list_filter = ["status", "pace", "course"]
    search_fields = ["name"]
    add_view_class = CohortCreateView
    edit_view_class = CohortEditView
    delete_view_class = CohortDeleteView

    @property
    def cancel_view(self):
        return self.construct_view(CohortCancelView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(f"cancel/<{self.pk_path_converter}:pk>/", self.cancel_view, name="cancel"),
        ]

    edit_handler = ObjectList(
        [
            FieldPanel("course"),
            FieldPanel("name"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
                    FieldPanel("timezone"),
                    FieldRowPanel([FieldPanel("unlock_weekday"), FieldPanel("unlock_time")]),
                ],
                heading=_("Term and weekly unlock"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("pace"),
                    FieldPanel("self_paced_start"),
                    FieldPanel("all_at_once"),
                ],
                heading=_("Pace"),
                help_text=_(
                    "A self-paced cohort is a course's membership library: members start "
                    "when they join (or first open the course) and each week opens on "
                    "their own calendar, at the unlock weekday and time above."
                ),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("enrolment_opens_at"), FieldPanel("enrolment_closes_at")]
                    ),
                    FieldPanel("capacity"),
                ],
                heading=_("Enrolment"),
            ),
            FieldPanel("instructors"),
        ],
        base_form_class=CohortForm,
    )


class OverrideForm(ServiceValidatedForm):
    def validate_with_service(self, instance) -> None:
        services.module_unlock_override_validate(
            cohort=instance.cohort, module=instance.module, unlocks_at=instance.unlocks_at
        )


class OverrideCreateView(generic.CreateView):
    def save_instance(self):
        d = self.form.cleaned_data
        return services.module_unlock_override_set(
            cohort=d["cohort"],
            module=d["module"],
            unlocks_at=d["unlocks_at"],
            reason=d.get("reason", ""),
            by=self.request.user,
        )


class OverrideEditView(generic.EditView):
    def save_instance(self):
        d = self.form.cleaned_data
        # The form has written the new values onto self.object already; the service
        # needs the stored override to tell whether it moved.
        stored = ModuleUnlockOverride.objects.get(pk=self.object.pk)
        return services.module_unlock_override_update(
            override=stored,
            cohort=d["cohort"],
            module=d["module"],
            unlocks_at=d["unlocks_at"],
            reason=d.get("reason", ""),
            by=self.request.user,
        )


class ModuleUnlockOverrideViewSet(ModelViewSet):
    model = ModuleUnlockOverride
    edit_handler = ObjectList(
        [
            FieldPanel("cohort"),
            FieldPanel("module"),
            FieldPanel("unlocks_at"),
            FieldPanel("reason"),
        ],
        base_form_class=OverrideForm,
    )
    icon = "time"
    menu_label = _("Unlock overrides")
    copy_view_enabled = False
    list_display = ["cohort", "module", "unlocks_at", "reason"]
    list_filter = ["cohort"]
    add_view_class = OverrideCreateView
    edit_view_class = OverrideEditView


class CohortsGroup(ViewSetGroup):
    menu_label = _("Cohorts")
    menu_icon = "group"
    menu_order = 200
    items = (CohortViewSet("cohort_admin"), ModuleUnlockOverrideViewSet("unlock_overrides"))


@hooks.register("register_admin_viewset")
def register_cohort_viewsets():
    return CohortsGroup()


# --- The curriculum on the site ------------------------------------------------------
# cms owns the pages; who reads them, and through which cohort, is decided here.


@hooks.register("construct_page_context")
def add_catalogue_to_page_context(page, request, context) -> None:
    """The catalogue on the home page, a course's outline and cohorts on its page."""
    if isinstance(page, HomePage):
        context["courses"] = selectors.catalogue_list(user=request.user)
    elif isinstance(page, CoursePage):
        context["outline"] = selectors.course_outline(course=page, user=request.user)


# order=1: inside Wagtail's own view-restriction check (order 0), as the pages' own
# serve() was: a private page asks for its password or login before anything here.
@hooks.register("on_serve_page", order=1)
def serve_curriculum_on_schedule(next_serve):
    """Module, lesson and assignment pages (read on their module's schedule): editors
    and previews see the page itself; a learner is sent to their cohort's view of it
    (which applies the unlock schedule); anyone else gets the public teaser."""

    def serve(page, request, serve_args, serve_kwargs):
        if (
            not isinstance(page, selectors.CURRICULUM_CLASSES)
            or getattr(request, "is_preview", False)
            or selectors.user_can_edit_page(user=request.user, page=page)
        ):
            return next_serve(page, request, serve_args, serve_kwargs)
        cohort = selectors.cohort_for_course_page(user=request.user, page=page)
        if cohort is not None:
            if isinstance(page, LessonPage):
                return redirect("cohorts:lesson", cohort_id=cohort.pk, lesson_id=page.pk)
            if isinstance(page, AssignmentPage):
                return redirect("assignments:detail", cohort_id=cohort.pk, assignment_id=page.pk)
            return redirect("cohorts:module", cohort_id=cohort.pk, module_id=page.pk)
        module = page if isinstance(page, ModulePage) else page.get_parent().specific
        return TemplateResponse(
            request,
            "cms/locked_page.html",
            {"page": page, "module": module, "course": module.get_parent().specific},
            status=200,
        )

    return serve


@hooks.register("before_serve_document")
def protect_curriculum_documents(document, request):
    """A download is the lesson's content too: it follows the same lock."""
    if not selectors.media_readable(user=request.user, obj=document):
        if request.user.is_authenticated:
            raise PermissionDenied("This file belongs to a lesson that is not open to you.")
        raise Http404
