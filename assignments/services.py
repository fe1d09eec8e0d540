"""Writes for assignments: rubric snapshots and hand-ins.

Every function is atomic and validates before it stores anything: a refused hand-in
leaves no row and no file behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assignments import anonymise, signals
from assignments import deadlines as deadline_rules
from assignments.models import (
    SUBMISSION_MACHINE,
    CohortAssignment,
    RubricVersion,
    Submission,
    SubmissionVersion,
)
from assignments.selectors import AssignmentSlot, assignment_slot_get
from cms.models import AssignmentPage, LatePolicy
from cohorts.models import Cohort, EnrolmentStatus
from cohorts.selectors import cohort_access
from lms.errors import Conflict, NotAllowed, ValidationFailed
from lms.models import User

# --- Rubrics ----------------------------------------------------------------------------


def rubric_criteria(*, assignment: AssignmentPage) -> list[dict]:
    """The rubric as plain data. Criterion ids are the StreamField block ids, which stay
    the same when a designer rewords a criterion."""
    return [
        {
            "id": block.id,
            "title": block.value["title"],
            "description": block.value["description"] or "",
            "levels": [
                {
                    "label": level["label"],
                    "points": int(level["points"]),
                    "description": level["description"] or "",
                }
                for level in block.value["levels"]
            ],
        }
        for block in assignment.rubric
        if block.block_type == "criterion"
    ]


def rubric_snapshot(*, assignment: AssignmentPage) -> RubricVersion:
    """The RubricVersion matching the assignment's current rubric, created on first use."""
    criteria = rubric_criteria(assignment=assignment)
    if not criteria:
        raise Conflict(
            _("This assignment has no rubric yet; ask the course designer to add one."),
            code="no_rubric",
        )
    digest = hashlib.sha256(json.dumps(criteria, sort_keys=True).encode()).hexdigest()
    max_points = sum(max(level["points"] for level in c["levels"]) for c in criteria)
    version, _created = RubricVersion.objects.get_or_create(
        assignment=assignment,
        digest=digest,
        defaults={"criteria": criteria, "max_points": max_points},
    )
    return version


def rubric_scores_validate(*, rubric: RubricVersion, scores: object) -> dict[str, dict]:
    """Scores for every criterion, each one of the rubric's own levels. Returns them in a
    clean shape: {criterion id: {"points": int, "comment": str}}."""
    if not isinstance(scores, dict):
        raise ValidationFailed(
            _("Scores must map each criterion to the points of one of its levels."),
            field="scores",
        )
    clean: dict[str, dict] = {}
    for criterion in rubric.criteria:
        given = scores.get(criterion["id"])
        if isinstance(given, dict):
            points, comment = given.get("points"), given.get("comment") or ""
        else:
            points, comment = given, ""
        allowed = sorted({level["points"] for level in criterion["levels"]})
        if points is None or points == "":
            raise ValidationFailed(
                _("Score “%(criterion)s”: choose one of its levels.")
                % {"criterion": criterion["title"]},
                code="score_missing",
                field="scores",
            )
        try:
            points = int(points)
        except (TypeError, ValueError):
            points = None
        if points not in allowed:
            raise ValidationFailed(
                _("“%(criterion)s” can only score %(allowed)s points.")
                % {
                    "criterion": criterion["title"],
                    "allowed": ", ".join(str(p) for p in allowed),
                },
                code="score_outside_rubric",
                field="scores",
            )
        if not isinstance(comment, str) or len(comment) > 5000:
            raise ValidationFailed(
                _("A comment is text of at most 5,000 characters."), field="scores"
            )
        clean[criterion["id"]] = {"points": points, "comment": comment.strip()}
    unknown = set(scores) - set(clean)
    if unknown:
        raise ValidationFailed(
            _("These criteria are not in the rubric: %(ids)s.")
            % {"ids": ", ".join(sorted(unknown))},
            code="score_outside_rubric",
            field="scores",
        )
    return clean


# --- Hand-ins ---------------------------------------------------------------------------


def submission_transition(
    *, submission: Submission, to: str, reason: str = "", by: User | None = None
) -> Submission:
    """The one function that changes one submission's status (SUBMISSION_MACHINE: it
    follows the table, saves, records who and why). Moving to the status it has
    already is a no-op."""
    if to == submission.status:
        return submission
    SUBMISSION_MACHINE.move(submission, to, by=by, reason=reason, update_fields=())
    return submission


def cohort_assignment_get_or_create(*, cohort: Cohort, assignment: AssignmentPage):
    try:
        with transaction.atomic():
            run, _created = CohortAssignment.objects.get_or_create(
                cohort=cohort, assignment=assignment
            )
    except IntegrityError:  # created by a concurrent request in between
        run = CohortAssignment.objects.get(cohort=cohort, assignment=assignment)
    return run


def _validated_content(
    assignment: AssignmentPage, *, text: str, link: str, file: UploadedFile | None
) -> tuple[str, str]:
    text, link = (text or "").strip(), (link or "").strip()
    if text and not assignment.accepts_text:
        raise ValidationFailed(_("This assignment does not take text."), field="text")
    if link and not assignment.accepts_link:
        raise ValidationFailed(_("This assignment does not take links."), field="link")
    if file is not None and not assignment.accepts_file:
        raise ValidationFailed(_("This assignment does not take files."), field="file")
    if not (text or link or file):
        kinds = [
            label
            for accepted, label in (
                (assignment.accepts_text, _("text")),
                (assignment.accepts_file, _("a file")),
                (assignment.accepts_link, _("a link")),
            )
            if accepted
        ]
        raise ValidationFailed(
            _("The submission is empty. Hand in %(kinds)s.") % {"kinds": _(" or ").join(kinds)},
            code="empty_submission",
        )
    if len(text) > 100_000:
        raise ValidationFailed(_("The text is longer than 100,000 characters."), field="text")
    # The column holds 500 characters; PostgreSQL refuses a longer one with an error.
    if len(link) > 500:
        raise ValidationFailed(
            _("The link is longer than 500 characters; use a shorter address."),
            code="invalid_link",
            field="link",
        )
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise ValidationFailed(
                _("The link must be a web address starting with http:// or https://."),
                code="invalid_link",
                field="link",
            ) from None
    if file is not None:
        _validate_file(file)
    return text, link


def _validate_file(file: UploadedFile) -> None:
    extension = PurePath(file.name or "").suffix.lower().lstrip(".")
    allowed = [e.strip().lower() for e in settings.LMS_SUBMISSION_EXTENSIONS if e.strip()]
    if extension not in allowed:
        raise ValidationFailed(
            _("Files of type “%(ext)s” are not accepted. Upload one of: %(allowed)s.")
            % {"ext": extension or "?", "allowed": ", ".join(allowed)},
            code="file_type_refused",
            field="file",
        )
    if file.size is None or file.size == 0:
        raise ValidationFailed(_("The file is empty."), code="empty_file", field="file")
    if file.size > settings.LMS_SUBMISSION_MAX_BYTES:
        raise ValidationFailed(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.LMS_SUBMISSION_MAX_BYTES),
            },
            code="file_too_large",
            field="file",
        )


def _check_window(slot: AssignmentSlot, existing: Submission | None, now: dt.datetime) -> None:
    deadlines = slot.deadlines
    if not slot.is_open:
        raise Conflict(
            _("This assignment opens with its module on %(when)s.")
            % {"when": date_format(timezone.localtime(slot.module.unlocks_at), "DATETIME_FORMAT")},
            code="assignment_locked",
        )
    if (
        existing is not None
        and not deadlines.is_late(existing.submitted_at)
        and now < deadlines.due_at
    ):
        return  # revising before the deadline
    if existing is not None:
        raise Conflict(
            _("The deadline has passed; your last version is the one that counts."),
            code="revisions_closed",
        )
    if now >= deadlines.cutoff_at:
        message = (
            _("The deadline has passed and late work is not accepted for this assignment.")
            if slot.assignment.late_policy == LatePolicy.REFUSE
            else _("Late work was accepted until %(when)s; this assignment is closed.")
            % {"when": date_format(timezone.localtime(deadlines.cutoff_at), "DATETIME_FORMAT")}
        )
        raise Conflict(message, code="assignment_closed")


@transaction.atomic
def submission_submit(
    *,
    cohort: Cohort,
    assignment_id: int,
    author: User,
    text: str = "",
    link: str = "",
    file: UploadedFile | None = None,
    now: dt.datetime | None = None,
) -> SubmissionVersion:
    """Hand in work, or a new version of it before the deadline.

    After the deadline a first hand-in is still taken until the late cut-off (with the
    penalty shown); revisions are not, so reviewers never see work change under them.
    """
    now = now or timezone.now()
    access = cohort_access(user=author, cohort=cohort)
    if access.enrolment is None or access.enrolment.status != EnrolmentStatus.ACTIVE:
        raise NotAllowed(
            _("Only students with an active seat in this cohort hand in work."),
            code="not_a_student",
        )
    slot = assignment_slot_get(
        cohort=cohort, assignment_id=assignment_id, now=now, enrolment=access.enrolment
    )
    run = cohort_assignment_get_or_create(cohort=cohort, assignment=slot.assignment)
    # Serialises hand-ins with the allocation of this assignment's reviews.
    run = CohortAssignment.objects.select_for_update().get(pk=run.pk)
    submission = (
        Submission.objects.select_for_update().filter(cohort_assignment=run, author=author).first()
    )
    _check_window(slot, submission, now)  # locked or closed says so before any content check
    text, link = _validated_content(slot.assignment, text=text, link=link, file=file)
    late = slot.deadlines.is_late(now)
    if submission is None:
        submission = Submission(
            cohort_assignment=run,
            author=author,
            submitted_at=now,
            is_late=late,
            late_days=deadline_rules.late_days(due_at=slot.deadlines.due_at, submitted_at=now),
        )
        submission._change_reason = "handed in late" if late else "handed in"
    else:
        submission.submitted_at = now
        submission._change_reason = "revised"
    submission.version_count += 1
    submission.save()
    version = SubmissionVersion(
        submission=submission,
        number=submission.version_count,
        text=text,
        link=link,
        created_at=now,
    )
    if file is not None:
        version.file_name = PurePath(file.name).name[:255]
        version.file_size = file.size
        version.file_type = (getattr(file, "content_type", "") or "")[:100]
        version.file = file
    try:
        version.save()
        # In the transaction and under the run's lock: reviews puts late work in the
        # rolling pool here, exactly once, or refuses the hand-in with its error.
        signals.submission_submitted.send(
            sender=Submission, submission=submission, version=version, run=run, slot=slot, now=now
        )
    except BaseException:
        # The transaction rolls back; the stored file must not outlive the row.
        if version.file.name:
            version.file.storage.delete(version.file.name)
        raise
    return version


# --- Files for reviewers ----------------------------------------------------------------

logger = logging.getLogger(__name__)


@transaction.atomic
def version_reviewer_copy(*, version: SubmissionVersion) -> SubmissionVersion | None:
    """The version with ``reviewer_file`` set: its file without document metadata, made
    once and kept beside the original. None when the file is not given to reviewers
    (a type that cannot be cleaned, or cleaning failed, which is remembered so that a
    damaged file is not parsed again on every download). The uploaded bytes are never
    what this returns.

    The row is locked, so two reviewers opening the file at once make one copy."""
    version = SubmissionVersion.objects.select_for_update().get(pk=version.pk)
    if not version.file_for_reviewers:
        return None
    if version.reviewer_file:
        return version
    with version.file.open("rb") as original:
        data = original.read()
    try:
        cleaned = anonymise.clean(data, version.file_extension)
    except anonymise.CannotClean as exc:
        logger.info("Submission version %s withheld from reviewers: %s", version.pk, exc)
        version.reviewer_file_refused = True
        version.save(update_fields=["reviewer_file_refused"])
        return None
    version.reviewer_file.save("reviewer-copy", ContentFile(cleaned), save=False)
    try:
        version.save(update_fields=["reviewer_file"])
    except BaseException:
        version.reviewer_file.storage.delete(version.reviewer_file.name)
        raise
    return version
