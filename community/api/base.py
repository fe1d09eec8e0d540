"""What every community endpoint shares: the locked-space answer, the checks of who may
act that come before the input is read, strict booleans and the page parameter."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.throttling import ScopedRateThrottle

from community.selectors import PostContext, SpaceRow, ThreadContext
from lms.api import MAX_INT32, ApiView
from lms.errors import NotAllowed

TAGS = ["community"]

SPACE_LOCKED = inline_serializer(
    "SpaceLocked",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(
            help_text="`space_locked` while the space's module is locked for the cohort; "
            "otherwise why you may not do this."
        ),
        "unlocks_at": serializers.DateTimeField(
            required=False, help_text="With `space_locked`: when the space opens."
        ),
    },
)


class SpaceLocked(NotAllowed):
    """A module space before its module opens (or after an unlock override locked it
    again): nothing of it is shown but its title and unlock moment."""

    def __init__(self, row: SpaceRow):
        when = date_format(timezone.localtime(row.unlocks_at), "DATETIME_FORMAT")
        super().__init__(
            _("This space opens with its module on %(when)s.") % {"when": when},
            code="space_locked",
        )
        self.unlocks_at = row.unlocks_at


def refuse_locked(row: SpaceRow) -> None:
    if row.locked:
        raise SpaceLocked(row)


def open_thread(context: ThreadContext) -> ThreadContext:
    refuse_locked(context.row)
    return context


def open_post(context: PostContext) -> PostContext:
    refuse_locked(context.row)
    return context


# Who may act is checked before the input is read, so that someone who may not hears
# 403 whatever they sent; the services check the same again when they act.


class CommunityApiView(ApiView):
    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, SpaceLocked):
            response.data["unlocks_at"] = serializers.DateTimeField().to_representation(
                exc.unlocks_at
            )
        return response


class ThrottledApiView(CommunityApiView):
    """Limited per signed-in user by the view's ``throttle_scope`` (rates in settings,
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]): past it, 429 with Retry-After."""

    throttle_classes = [ScopedRateThrottle]

    def throttled(self, request, wait):
        raise exceptions.Throttled(
            wait, detail=_("You did this many times in a short while; please wait a little.")
        )


class TextField(serializers.CharField):
    """Text, and only text: a number or a boolean where words belong is a mistake of
    the sender, not something to turn into "5.0"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, nothing that merely looks like one ("yes", 1, "on"); a form body
    may send the words "true" and "false"."""

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        if data in ("true", "false"):
            return data == "true"
        self.fail("invalid", input=data)


_PAGE = gettext_lazy("Give a page number from 1.")


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INT32,
        default=1,
        help_text="From 1; past the last page, the last page.",
        error_messages={"invalid": _PAGE, "min_value": _PAGE, "max_value": _PAGE},
    )
