"""Writes for badges: badge classes, automatic awarding, manual awards, revoking,
privacy. Every function is atomic and the only place that saves these models."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from badges import rules, selectors
from badges.models import Award, BadgeClass, PendingEvaluation, Reevaluation
from cohorts.models import CURRICULUM_ACCESS, Cohort, Enrolment
from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from lms.models import User

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- Badge classes ----------------------------------------------------------------------


def badge_image_validate(*, image: Any) -> str:
    """Accept a PNG or an SVG no larger than LMS_BADGE_IMAGE_MAX_BYTES; return its
    extension. Checked on the content, not the file name."""
    limit = settings.LMS_BADGE_IMAGE_MAX_BYTES
    if image is None:
        raise ValidationFailed(_("Upload the badge image (PNG or SVG)."), field="image")
    size = getattr(image, "size", None)
    if size is not None and size > limit:
        raise ValidationFailed(
            _("The image is %(size)s KB; a badge image may be at most %(limit)s KB.")
            % {"size": (size + 1023) // 1024, "limit": limit // 1024},
            field="image",
        )
    image.seek(0)
    head = image.read(limit + 1)
    image.seek(0)
    if len(head) > limit:
        raise ValidationFailed(
            _("A badge image may be at most %(limit)s KB.") % {"limit": limit // 1024},
            field="image",
        )
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if _looks_like_svg(head):
        return "svg"
    raise ValidationFailed(_("The badge image must be a PNG or an SVG file."), field="image")


def _looks_like_svg(data: bytes) -> bool:
    from xml.etree.ElementTree import ParseError

    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(data)
    except (ParseError, DefusedXmlException, ValueError):
        return False
    return root.tag in ("svg", "{http://www.w3.org/2000/svg}svg")


def badge_class_validate(*, badge_class: BadgeClass) -> None:
    """Refuse a badge class that cannot be published, naming the field to fix; turns
    the rule settings into their stored form."""
    if not (badge_class.name or "").strip():
        raise ValidationFailed(_("Give the badge a name."), field="name")
    if not (badge_class.description or "").strip():
        raise ValidationFailed(_("Describe what the badge shows."), field="description")
    if not (badge_class.criteria_narrative or "").strip():
        raise ValidationFailed(
            _("Say in words what a student does to earn it."), field="criteria_narrative"
        )
    if not badge_class.course_id:
        raise ValidationFailed(_("Choose the course the badge belongs to."), field="course")
    kind = rules.get_kind(badge_class.rule_kind)
    badge_class.rule_config = kind.clean(badge_class.rule_config or {}, course=badge_class.course)


@transaction.atomic
def badge_class_create(
    *,
    course,
    name: str,
    description: str,
    image: UploadedFile,
    criteria_narrative: str,
    rule_kind: str = "manual",
    rule_config: dict | None = None,
    live: bool = True,
) -> BadgeClass:
    """Create a badge class; published at once unless ``live`` is false (a draft)."""
    extension = badge_image_validate(image=image)
    badge = BadgeClass(
        course=course,
        name=name.strip(),
        description=description.strip(),
        criteria_narrative=criteria_narrative.strip(),
        rule_kind=rule_kind,
        rule_config=rule_config or {},
        live=live,
    )
    badge_class_validate(badge_class=badge)
    image.name = f"badge.{extension}"
    badge.image = image
    badge.save()
    if live:
        badge_class_published(badge_class=badge)
    return badge


def badge_class_published(*, badge_class: BadgeClass) -> None:
    """A published rule may now hold for students who did the work already: re-evaluate
    every cohort of the course (batched, in the background)."""

    if not rules.get_kind(badge_class.rule_kind).automatic:
        return
    for cohort_id in Cohort.objects.filter(course_id=badge_class.course_id).values_list(
        "pk", flat=True
    ):
        cohort_reevaluation_request(cohort_id=cohort_id)


def cohort_reevaluation_request(*, cohort_id: int, now: dt.datetime | None = None) -> None:
    """Evaluate every student of the cohort again, in batches in the background. The
    request is a row written in the caller's transaction, so it survives a lost message
    (the resume sweep finds it); one already open starts again from the first student,
    so the students it had passed are evaluated against the newer badges too."""
    from badges import tasks

    now = now or timezone.now()
    with transaction.atomic():
        restarted = Reevaluation.objects.filter(
            cohort_id=cohort_id, finished_at__isnull=True
        ).update(after_enrolment_id=0, touched_at=now)
        if not restarted:
            try:
                with transaction.atomic():
                    Reevaluation.objects.create(
                        cohort_id=cohort_id, requested_at=now, touched_at=now
                    )
            except IntegrityError:  # a concurrent request opened it: start that one over
                Reevaluation.objects.filter(cohort_id=cohort_id, finished_at__isnull=True).update(
                    after_enrolment_id=0, touched_at=now
                )
    tasks.reevaluate_cohort.delay_on_commit(cohort_id)


def cohort_reevaluate_batch(*, cohort_id: int, size: int) -> tuple[int, bool]:
    """The next batch of the cohort's open re-evaluation: its awards, their
    notifications and the row's progress in one transaction. Returns (awards made,
    whether more remain). A second worker on the same cohort skips it (the row is
    locked) instead of evaluating the same students twice."""
    with transaction.atomic():
        job = (
            Reevaluation.objects.select_for_update(skip_locked=True)
            .filter(cohort_id=cohort_id, finished_at__isnull=True)
            .first()
        )
        if job is None:
            return 0, False
        cohort = Cohort.objects.select_related("course").get(pk=cohort_id)
        batch = selectors.enrolment_batch(cohort=cohort, after_id=job.after_enrolment_id, size=size)
        awarded = awards_evaluate(cohort=cohort, enrolment_ids=batch) if batch else []
        job.touched_at = timezone.now()
        if len(batch) < size:
            job.finished_at = job.touched_at
        else:
            job.after_enrolment_id = batch[-1]
        job.save()
    return len(awarded), job.finished_at is None


def reevaluations_resume(*, now: dt.datetime | None = None) -> list[int]:
    """Cohorts whose re-evaluation has not moved for a lease (its worker died, its
    message was lost): their next batch is queued again; and students whose evaluation
    after an event is still pending a lease later. Returns the cohorts' ids."""
    from badges import tasks

    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.LMS_DELIVERY_LEASE_SECONDS)
    cohort_ids = list(
        Reevaluation.objects.filter(finished_at__isnull=True, touched_at__lte=stale).values_list(
            "cohort_id", flat=True
        )
    )
    for cohort_id in cohort_ids:
        tasks.reevaluate_cohort.delay(cohort_id)
    for cohort_id, user_id in PendingEvaluation.objects.filter(requested_at__lte=stale).values_list(
        "cohort_id", "user_id"
    )[:1000]:
        tasks.evaluate_student.delay(cohort_id, user_id)
    return cohort_ids


def student_evaluation_request(*, cohort_id: int, user_id: int) -> None:
    """An event may have earned the student a badge: record that their evaluation is
    due (kept until it has run) and queue it. Called when the event's transaction has
    committed."""
    from badges import tasks

    PendingEvaluation.objects.bulk_create(
        [PendingEvaluation(cohort_id=cohort_id, user_id=user_id, requested_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["cohort", "user"],
        update_fields=["requested_at"],
    )
    tasks.evaluate_student.delay_on_commit(cohort_id, user_id)


def student_evaluate(*, cohort_id: int, user_id: int) -> int:
    """Award what the student's events earned, and settle their pending evaluation
    (unless a newer event came in meanwhile: its own run settles it)."""
    started = timezone.now()
    with transaction.atomic():
        cohort = Cohort.objects.select_related("course").filter(pk=cohort_id).first()
        awarded = awards_evaluate(cohort=cohort, user_ids=[user_id]) if cohort else []
        PendingEvaluation.objects.filter(
            cohort_id=cohort_id, user_id=user_id, requested_at__lte=started
        ).delete()
    return len(awarded)


# --- Automatic awarding -----------------------------------------------------------------


def _identity(email: str, salt: str) -> str:
    return hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def _new_award(
    *, badge_class_id: int, recipient: User, cohort_id: int, now: dt.datetime, **extra: Any
) -> Award:
    salt = secrets.token_hex(8)
    return Award(
        uuid=uuid.uuid4(),
        badge_class_id=badge_class_id,
        recipient=recipient,
        cohort_id=cohort_id,
        awarded_at=now,
        salt=salt,
        identity_hash=_identity(recipient.email, salt),
        **extra,
    )


@transaction.atomic
def awards_evaluate(
    *,
    cohort: Cohort,
    user_ids: Iterable[int] | None = None,
    enrolment_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
) -> list[Award]:
    """Award every automatic badge of the cohort's course whose rule now holds.

    For the given students or enrolments (default: every student with access to the
    cohort's curriculum). A fixed number of queries: the
    enrolments, the badge classes, the awards decided already, one query per kind of
    fact the rules need, and one insert. Never awards twice: a badge revoked from a
    student stays revoked, and the database refuses a second live award (a concurrent
    evaluation's insert is skipped, not an error).
    """
    now = now or timezone.now()
    enrolments_qs = (
        Enrolment.objects.filter(cohort=cohort, status__in=CURRICULUM_ACCESS)
        .select_related("user")
        .order_by("pk")
    )
    if user_ids is not None:
        enrolments_qs = enrolments_qs.filter(user_id__in=list(user_ids))
    if enrolment_ids is not None:
        enrolments_qs = enrolments_qs.filter(pk__in=list(enrolment_ids))
    enrolments = list(enrolments_qs)
    if not enrolments:
        return []
    automatic = [k.kind for k in rules.kinds() if k.automatic]
    badges = list(
        BadgeClass.objects.filter(course_id=cohort.course_id, live=True, rule_kind__in=automatic)
    )
    if not badges:
        return []
    decided = set(
        Award.objects.filter(
            badge_class__in=[b.pk for b in badges],
            recipient__in=[e.user_id for e in enrolments],
        ).values_list("badge_class_id", "recipient_id")
    )
    facts = rules.Facts(cohort, enrolments)
    new: list[Award] = []
    for enrolment in enrolments:
        for badge in badges:
            if (badge.pk, enrolment.user_id) in decided:
                continue
            progress = rules.get_kind(badge.rule_kind).progress(badge.rule_config, enrolment, facts)
            if progress.met:
                new.append(
                    _new_award(
                        badge_class_id=badge.pk,
                        recipient=enrolment.user,
                        cohort_id=cohort.pk,
                        now=now,
                    )
                )
    if not new:
        return []
    # ignore_conflicts: a concurrent evaluation may have awarded one of these since we
    # read; the unique constraint keeps theirs and we notify only for rows we wrote.
    Award.objects.bulk_create(new, ignore_conflicts=True)
    created = list(
        Award.objects.filter(uuid__in=[a.uuid for a in new]).select_related("badge_class")
    )
    Award.history.bulk_history_create(created, default_change_reason="earned by its rule")
    awards_notify(awards=created, cohort=cohort)
    return created


# --- Manual awards, revoking, privacy ---------------------------------------------------


def _require_cohort_instructor(user: User, cohort: Cohort) -> None:
    if cohort.instructors.filter(pk=user.pk).exists() or selectors.user_can_manage_awards(user):
        return
    raise NotAllowed(
        _("Only instructors of this cohort award and revoke its badges."), code="not_instructor"
    )


@transaction.atomic
def award_grant(
    *,
    badge_class: BadgeClass,
    recipient: User,
    cohort: Cohort,
    by: User,
    note: str,
    now: dt.datetime | None = None,
) -> Award:
    """An instructor gives a badge that is awarded by hand, with a note for the student."""
    now = now or timezone.now()
    _require_cohort_instructor(by, cohort)
    if badge_class.course_id != cohort.course_id or not badge_class.live:
        raise NotFound(_("This cohort's course has no published badge with that id."))
    if not badge_class.is_manual:
        raise Conflict(
            _("This badge is earned by its rule; it is awarded automatically."),
            code="badge_not_manual",
        )
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            _("Add a note: say what the student did to earn this badge."), field="note"
        )
    if len(note) > 2000:
        raise ValidationFailed(_("The note is longer than 2,000 characters."), field="note")
    if not Enrolment.objects.filter(
        cohort=cohort, user=recipient, status__in=CURRICULUM_ACCESS
    ).exists():
        raise ValidationFailed(
            _("%(name)s is not a student of this cohort.") % {"name": recipient.get_display_name()},
            code="not_enrolled",
            field="recipient",
        )
    if Award.objects.filter(
        badge_class=badge_class, recipient=recipient, revoked_at__isnull=True
    ).exists():
        raise Conflict(
            _("%(name)s has this badge already.") % {"name": recipient.get_display_name()},
            code="already_awarded",
        )
    award = _new_award(
        badge_class_id=badge_class.pk,
        recipient=recipient,
        cohort_id=cohort.pk,
        now=now,
        awarded_by=by,
        note=note,
    )
    _with_history(award, by, "awarded")
    try:
        with transaction.atomic():
            award.save()
    except IntegrityError as exc:  # a double click that slipped past the check above
        raise Conflict(
            _("%(name)s has this badge already.") % {"name": recipient.get_display_name()},
            code="already_awarded",
        ) from exc
    award.badge_class = badge_class
    award_notify(award=award)
    return award


@transaction.atomic
def award_revoke(*, award: Award, by: User, reason: str, now: dt.datetime | None = None) -> Award:
    """Withdraw an award. Its assertion then answers 410 Gone with the reason; an
    automatic badge is not given again by its rule."""
    now = now or timezone.now()
    award = Award.objects.select_for_update(of=("self",)).select_related("cohort").get(pk=award.pk)
    _require_cohort_instructor(by, award.cohort)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for revoking; it is published with the revoked badge."),
            field="reason",
        )
    if len(reason) > 1000:
        raise ValidationFailed(_("The reason is longer than 1,000 characters."), field="reason")
    if award.revoked_at is not None:
        raise Conflict(_("This award is revoked already."), code="already_revoked")
    award.revoked_at = now
    award.revoked_by = by
    award.revocation_reason = reason
    _with_history(award, by, "revoked")
    award.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return award


@transaction.atomic
def award_set_public(*, award: Award, by: User, public: bool) -> Award:
    """The student shows or hides an award. Hidden: its page, assertion and baked image
    answer 404 to everyone else."""
    award = Award.objects.select_for_update(of=("self",)).get(pk=award.pk)
    if award.recipient_id != by.pk:
        raise NotFound(_("You have no badge with that id."))
    if award.is_public != public:
        award.is_public = public
        _with_history(award, by, "made public" if public else "made private")
        award.save(update_fields=["is_public"])
    return award


def _with_history(instance: Any, by: User, reason: str) -> None:
    instance._history_user = by
    instance._change_reason = reason


def award_notify(*, award: Award) -> None:
    """Tell the student about a new badge, in the transaction that awards it."""
    awards_notify(awards=[award], cohort=award.cohort)


def awards_notify(*, awards: list[Award], cohort: Cohort) -> int:
    """Tell each recipient about their new badge: one notification each, written in the
    transaction that made the awards, so no award goes untold whatever happens to a
    worker afterwards (their choice for badges applies; the key is the one the email
    always had, so it goes out once). A fixed number of queries."""
    from notifications.models import Kind
    from notifications.services import notify_each

    return notify_each(
        kind=Kind.BADGE_AWARDED,
        items=(
            (
                award.recipient_id,
                f"badge-award:{award.uuid}",
                {"badge": award.badge_class.name, "cohort": cohort.name, "note": award.note},
                reverse("badges:award", kwargs={"award_uuid": award.uuid}),
            )
            for award in awards
        ),
    )
