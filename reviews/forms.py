"""HTML forms of peer review, grading and the assignment page.

They carry the input to the services and no rules of their own: which points a rubric
takes, how long a comment may be, what a hand-in may hold are the services' rules, and
the services say what is wrong (so the page and the API say the same). Every field is
optional text for that reason; the pages keep showing the input as typed.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assignments.selectors import submission_file_types
from cms.models import AssignmentPage
from lms.errors import ValidationFailed


def _text(**kwargs) -> forms.CharField:
    """Optional text passed on as typed (the service strips what it stores)."""
    return forms.CharField(required=False, strip=False, **kwargs)


def form_input(form: forms.Form) -> dict:
    """The cleaned input of a form whose refusals are pages, not inline errors (the
    service's own refusal, a ValidationFailed, becomes a 400 page as well)."""
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ValidationFailed(errors[0], field=None if field == "__all__" else field)
    return form.cleaned_data


def first_error(form: forms.Form) -> str:
    return next(iter(form.errors.values()))[0]


# --- The rubric -------------------------------------------------------------------------


class RubricForm(forms.Form):
    """The rubric part of a review or grading form: one radio group ("score-<id>", the
    level's points) and one comment ("comment-<id>") per criterion of ``criteria``. The
    service checks the points against the rubric."""

    def __init__(self, *args, criteria: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score-{criterion['id']}"] = _text()
            self.fields[f"comment-{criterion['id']}"] = _text()

    def _typed(self, name: str) -> str:
        """A field's input as typed, whether or not the form is valid."""
        return self[name].value() or ""

    def scores(self) -> dict[str, dict]:
        """{criterion id: {"points": as typed, "comment": str}}, for the service."""
        return {
            c["id"]: {
                "points": self._typed(f"score-{c['id']}"),
                "comment": self._typed(f"comment-{c['id']}"),
            }
            for c in self.criteria
        }


def rubric_rows(criteria: list[dict], entered: dict[str, dict] | None) -> list[dict]:
    """Each criterion with what the form shows in it: the chosen level's points (an int,
    to compare with the levels') and the comment."""
    entered = entered or {}
    rows = []
    for criterion in criteria:
        given = entered.get(criterion["id"]) or {}
        try:
            points = float(given.get("points"))
        except (TypeError, ValueError):
            points = None
        # A peer median between two levels (2.5) preselects nothing.
        selected = int(points) if points is not None and points.is_integer() else None
        rows.append(
            {"criterion": criterion, "selected": selected, "comment": given.get("comment", "")}
        )
    return rows


# --- Students ---------------------------------------------------------------------------


class ReviewForm(RubricForm):
    comment = _text()


class RateForm(forms.Form):
    helpfulness = _text()

    def clean_helpfulness(self) -> int | None:
        try:
            return int(self.cleaned_data["helpfulness"])
        except ValueError:
            return None  # the service says what it takes


class FlagForm(forms.Form):
    reason = _text()


class RegradeRequestForm(forms.Form):
    reason = _text()


# --- Instructors ------------------------------------------------------------------------


class GradeForm(RubricForm):
    feedback = _text()
    release = _text()  # "now" or "later"
    release_at = _text()  # a datetime-local moment, in the viewer's timezone
    reason = _text()
    # The grade version the form was opened on ("": no grade yet).
    seen_version = _text()

    def clean(self):
        data = super().clean()
        data["release_moment"] = None
        if data.get("release") == "later":
            try:
                moment = dt.datetime.fromisoformat(data.get("release_at", ""))
            except ValueError:
                self.add_error(
                    "release_at",
                    _("Choose the day and time to release the feedback, or release it now."),
                )
                return data
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, timezone.get_current_timezone())
            data["release_moment"] = moment
        return data

    def seen_version_value(self, any_version: object) -> int | object | None:
        """The version to check against: ``any_version`` for a form without the field
        (no check asked), None for "" (no grade yet) or an unknown version (refused if
        a grade exists meanwhile)."""
        if "seen_version" not in self.data:
            return any_version
        raw = self.cleaned_data["seen_version"]
        try:
            return int(raw) if raw else None
        except ValueError:
            return None

    def shown(self) -> dict:
        """The form as the grading page shows it again after a refused save. The seen
        version is kept: the check is against what the grader saw."""
        return {
            "entered": self.scores(),
            "feedback": self._typed("feedback"),
            "release": "later" if self._typed("release") == "later" else "now",
            "release_at": self._typed("release_at"),
            "reason": self._typed("reason"),
            "seen_version": self._typed("seen_version"),
        }


class ResolveForm(forms.Form):
    note = _text()


class RegradeAnswerForm(RubricForm):
    """With keep=1 the grade stays; otherwise the rubric levels sent along regrade it."""

    answer = _text()
    keep = _text()

    def scores(self) -> dict[str, dict] | None:
        return None if self.cleaned_data.get("keep") == "1" else super().scores()


# --- The assignment page ----------------------------------------------------------------


class HandInForm(forms.Form):
    """Only the kinds of work the assignment takes. The rules (types, sizes, links, the
    deadline) are the service's: the form only carries the input to it."""

    text = forms.CharField(
        label=gettext_lazy("Your text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    link = forms.CharField(
        label=gettext_lazy("Link"),
        required=False,
        help_text=gettext_lazy("A web address starting with https:// or http://."),
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
    )
    file = forms.FileField(label=gettext_lazy("File"), required=False, allow_empty_file=True)

    def __init__(self, *args, assignment: AssignmentPage, **kwargs):
        super().__init__(*args, **kwargs)
        for name, accepted in (
            ("text", assignment.accepts_text),
            ("link", assignment.accepts_link),
            ("file", assignment.accepts_file),
        ):
            if not accepted:
                del self.fields[name]
        if "file" in self.fields:
            extensions = [e.strip().lower() for e in settings.LMS_SUBMISSION_EXTENSIONS if e]
            self.fields["file"].help_text = _("One of: %(types)s. At most %(limit)s.") % {
                "types": ", ".join(extensions),
                "limit": filesizeformat(settings.LMS_SUBMISSION_MAX_BYTES),
            }
            self.fields["file"].widget.attrs["accept"] = ",".join(f".{e}" for e in extensions)
            if assignment.peer_reviews:
                self.fields["file"].help_text += " " + reviewer_files_note()


def reviewer_files_note() -> str:
    """What peer reviewers get of a handed-in file, said where the author chooses it."""
    types = submission_file_types()
    note = _(
        "Peer reviewers get %(types)s files as a copy without the document's properties "
        "(such as its author)."
    ) % {"types": ", ".join(f".{e}" for e in types.shared)}
    if types.withheld:
        note += " " + _(
            "They do not get %(types)s files: those cannot be made anonymous, so reviewers "
            "see your text and link only. Instructors always get your file as handed in."
        ) % {"types": ", ".join(f".{e}" for e in types.withheld)}
    return note
