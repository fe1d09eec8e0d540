"""A member's copy of their data: asking for it (the member, or staff for them),
building it in the worker, handing it to the member alone, and expiring it.

One request at a time per member (a database constraint, so two clicks or two tabs
make one request). The build is idempotent: a ready request is never built again, and
a build that crashed halfway (still "building") starts over from nothing. The zip is
written to a temporary directory and only then stored; the member is told through
``notifications`` (always emailed: it answers their own request).

(The few reads of exports live here beside the writes, so that the privacy app's
shared selectors stay with the privacy notice.)
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import uuid

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.celery import TRANSIENT_ERRORS
from lms.errors import Conflict, DomainError, NotFound
from notifications.models import Kind
from notifications.services import notify_user
from privacy.jobs import exports as jobs
from privacy.models.exports import (
    EXPORT_MACHINE,
    OPEN_EXPORT_STATUSES,
    ExportRequest,
    ExportStatus,
    export_upload_to,
)
from privacy.services.export_archive import archive_write

__all__ = [
    "ExportExpired",
    "export_build",
    "export_for_download",
    "export_link_days",
    "export_request",
    "export_retry",
    "exports_expire",
    "exports_of",
    "exports_recent",
    "exports_resume",
]

logger = logging.getLogger(__name__)

ALREADY_OPEN = _("Your data is already being prepared. We email you as soon as it is ready.")
# A request nobody picked up (a lost message), or a build that stopped without a word
# (a worker killed halfway), is queued again after this long.
STALE_REQUESTED = dt.timedelta(minutes=10)
STALE_BUILDING = dt.timedelta(hours=1)
EXPIRE_BATCH = 200


class ExportExpired(DomainError):
    """The download link's time is over: the file is gone or about to be."""

    status_code = 410
    default_code = "export_expired"


def export_link_days() -> int:
    """How long a ready export can be downloaded (settings.LMS_PRIVACY, default 7)."""
    return int(getattr(settings, "LMS_PRIVACY", {}).get("EXPORT_LINK_DAYS", 7))


# --- asking ---------------------------------------------------------------------------


@transaction.atomic
def export_request(*, user, by, now: dt.datetime | None = None) -> ExportRequest:
    """A new export of ``user``'s data, asked by the member or by staff (``by``);
    refused (409) while one is open. The worker builds it."""
    if ExportRequest.objects.filter(user=user, status__in=OPEN_EXPORT_STATUSES).exists():
        raise Conflict(ALREADY_OPEN, code="export_open")
    request = ExportRequest(user=user, requested_by=by, created_at=now or timezone.now())
    _record(request, by, "requested")
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        # Another request of the same member committed in between: theirs stands.
        raise Conflict(ALREADY_OPEN, code="export_open") from None
    jobs.export_build_task.delay_on_commit(request.pk)
    return request


@transaction.atomic
def export_retry(*, request: ExportRequest, by) -> ExportRequest:
    """Build a failed export again (staff)."""
    request = ExportRequest.objects.select_for_update().get(pk=request.pk)
    EXPORT_MACHINE.check(request, ExportStatus.BUILDING)
    request.error = ""
    try:
        with transaction.atomic():
            EXPORT_MACHINE.move(
                request, ExportStatus.BUILDING, by=by, reason="retry", update_fields=["error"]
            )
    except IntegrityError:
        raise Conflict(ALREADY_OPEN, code="export_open") from None
    jobs.export_build_task.delay_on_commit(request.pk)
    return request


def _record(request: ExportRequest, by, reason: str) -> None:
    if by is not None and getattr(by, "is_authenticated", False):
        request._history_user = by
    request._change_reason = reason


# --- building -------------------------------------------------------------------------


def export_build(request_id: int, *, now: dt.datetime | None = None) -> ExportRequest | None:
    """Build the export's zip and make it downloadable; does nothing for one that is
    ready, expired or failed already. A build that crashed starts over."""
    request = _claim(request_id, now or timezone.now())
    if request is None:
        return ExportRequest.objects.filter(pk=request_id).first()
    with tempfile.TemporaryDirectory(prefix="lms-export-") as directory:
        try:
            built = archive_write(request.user, directory)
            stored = _store(request, built.path)
        except TRANSIENT_ERRORS:
            raise  # the task tries again; the request stays "building" and starts over
        except Exception as exc:
            # A request must never stay open for ever: that would block the member's
            # next one. The error is kept for staff, the member sees "failed".
            logger.exception("export %s failed", request_id)
            return _fail(request_id, f"{type(exc).__name__}: {exc}")
    return _finish(request_id, stored, built.counts, now or timezone.now())


@transaction.atomic
def _claim(request_id: int, now: dt.datetime) -> ExportRequest | None:
    request = (
        ExportRequest.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.status not in OPEN_EXPORT_STATUSES:
        return None
    if request.status == ExportStatus.REQUESTED:
        EXPORT_MACHINE.move(request, ExportStatus.BUILDING, reason="build started", now=now)
    else:  # a build that never finished: from the start again
        request.started_at = now
        request.save(update_fields=["started_at"])
    return request


def _store(request: ExportRequest, path: str) -> tuple[str, int]:
    """The built zip in private storage, before any row is locked (a slow storage
    holds no lock); the caller removes it again if the request is no longer building."""
    storage = ExportRequest._meta.get_field("file").storage
    with open(path, "rb") as handle:
        name = storage.save(export_upload_to(request, "export.zip"), File(handle))
    return name, os.path.getsize(path)


@transaction.atomic
def _finish(
    request_id: int, stored: tuple[str, int], counts: dict, now: dt.datetime
) -> ExportRequest:
    name, size = stored
    request = ExportRequest.objects.select_for_update().get(pk=request_id)
    if request.status != ExportStatus.BUILDING:  # finished by a twin task meanwhile
        transaction.on_commit(lambda: _delete_file(name))
        return request
    request.file.name = name
    request.size = size
    request.counts = counts
    request.error = ""
    request.expires_at = now + dt.timedelta(days=export_link_days())
    EXPORT_MACHINE.move(
        request,
        ExportStatus.READY,
        reason="built",
        now=now,
        update_fields=["file", "size", "counts", "error", "expires_at"],
    )
    notify_user(
        kind=Kind.DATA_EXPORT_READY,
        key=f"privacy-export:{request.public_id}",
        user_id=request.user_id,
        params={"expires_at": request.expires_at.isoformat()},
        url=reverse("privacy:export_download", args=[request.public_id]),
    )
    return request


@transaction.atomic
def _fail(request_id: int, error: str) -> ExportRequest:
    request = ExportRequest.objects.select_for_update().get(pk=request_id)
    if request.status == ExportStatus.BUILDING:
        request.error = error[:2000]
        EXPORT_MACHINE.move(request, ExportStatus.FAILED, reason="build failed")
    return request


def _delete_file(name: str) -> None:
    ExportRequest._meta.get_field("file").storage.delete(name)


# --- expiring and catching up ---------------------------------------------------------


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their link's life and mark them expired."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                ExportRequest.objects.select_for_update(skip_locked=True)
                .filter(status=ExportStatus.READY, expires_at__lte=now)
                .order_by("pk")[:EXPIRE_BATCH]
            )
            if not batch:
                return done
            names = [r.file.name for r in batch if r.file]
            EXPORT_MACHINE.move_many(
                batch, ExportStatus.EXPIRED, reason="link expired", now=now, changes={"file": ""}
            )
            # Files go once the rows say so: a rollback leaves both in place.
            transaction.on_commit(lambda names=names: [_delete_file(n) for n in names])
        done += len(batch)


def exports_resume(*, now: dt.datetime | None = None) -> int:
    """Queue again the builds whose message was lost or whose worker died."""
    now = now or timezone.now()
    stale = ExportRequest.objects.filter(
        status=ExportStatus.REQUESTED, created_at__lte=now - STALE_REQUESTED
    ) | ExportRequest.objects.filter(
        status=ExportStatus.BUILDING, started_at__lte=now - STALE_BUILDING
    )
    ids = list(stale.values_list("pk", flat=True)[:EXPIRE_BATCH])
    for pk in ids:
        jobs.export_build_task.delay(pk)
    return len(ids)


# --- reads ----------------------------------------------------------------------------


def exports_of(*, user) -> QuerySet[ExportRequest]:
    """The member's own exports, newest first."""
    return ExportRequest.objects.filter(user=user).order_by("-created_at", "-pk")


def exports_recent(*, limit: int = 100) -> list[ExportRequest]:
    """Every member's latest exports, for staff: who asked, for whom, how it went."""
    return list(
        ExportRequest.objects.select_related("user", "requested_by").order_by("-created_at", "-pk")[
            :limit
        ]
    )


def export_for_download(*, user, public_id, now: dt.datetime | None = None) -> ExportRequest:
    """The member's own ready export; anyone else's is not found (staff included: the
    data goes to the member alone). Past its link's life: 410."""
    now = now or timezone.now()
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(_("There is no such export.")) from None
    request = ExportRequest.objects.filter(public_id=key, user_id=user.pk).first()
    if request is None:
        raise NotFound(_("There is no such export."))
    if request.expired(now):
        raise ExportExpired(_("This export has expired. Ask for a new one on your privacy page."))
    if not request.downloadable(now):
        raise NotFound(_("This export is not ready yet."), code="export_not_ready")
    return request
