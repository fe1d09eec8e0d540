"""HTML forms for planning sessions. Times are entered as a local date and wall-clock
times in the chosen zone; the view turns them into instants for the services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from live.services import MAX_SESSION_CAPACITY
from lms.timeutils import local_moment, timezone_names

# Descriptions and notes are a paragraph or a page, not megabytes.
LONG_TEXT = 10_000


def _zones():
    return [(name, name) for name in sorted(timezone_names())]


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    timezone = forms.ChoiceField(label=_("Timezone"), choices=_zones)
    join_url = forms.CharField(
        label=_("Join link"),
        max_length=500,
        help_text=_("Zoom, Meet, Jitsi, Teams or any https:// address."),
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    capacity = forms.IntegerField(
        label=_("Places"), required=False, min_value=1, max_value=MAX_SESSION_CAPACITY
    )
    rsvp_enabled = forms.BooleanField(label=_("Ask students to RSVP"), required=False)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        starts_at = local_moment(data["day"], data["starts"], data["timezone"])
        ends_at = local_moment(data["day"], data["ends"], data["timezone"])
        return starts_at, ends_at


class SessionEditForm(SessionForm):
    recording_url = forms.CharField(
        label=_("Recording link"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SeriesForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    first_day = forms.DateField(
        label=_("First session on"),
        help_text=_("The series repeats on this weekday."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    local_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Length in minutes"), min_value=1, max_value=12 * 60, initial=60
    )
    weeks = forms.IntegerField(label=_("Number of weeks"), min_value=1, max_value=52, initial=8)
    timezone = forms.ChoiceField(label=_("Timezone"), choices=_zones)
    join_url = forms.CharField(
        label=_("Join link"),
        max_length=500,
        help_text=_("Zoom, Meet, Jitsi, Teams or any https:// address."),
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    capacity = forms.IntegerField(
        label=_("Places"), required=False, min_value=1, max_value=MAX_SESSION_CAPACITY
    )
    rsvp_enabled = forms.BooleanField(label=_("Ask students to RSVP"), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Message to attendees"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
