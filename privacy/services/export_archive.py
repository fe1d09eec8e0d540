"""The zip a member downloads: what the registry says is theirs, kind by kind.

Every model whose declaration names an ``export_kind`` contributes the subject's rows
(``privacy.registry.subject_queryset``), so a new model is exported as soon as its app
declares it. Each kind becomes ``<kind>.csv`` (headers in the member's language, choice
labels, ISO dates, a related row as its id) and a list in ``data.json`` (field names,
stored values); their files go under ``files/``; ``README.txt`` explains it all.

A kind costs one query whatever the number of rows (read in batches as plain values,
never model instances), and the archive is written as it is read: memory stays flat.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from notifications import selectors as notification_selectors
from privacy import registry
from reviews.models import Review, ReviewStatus

logger = logging.getLogger(__name__)

# Rows read per round trip; a kind is still one query (a server-side cursor on
# PostgreSQL, chunked fetches elsewhere).
BATCH = 500
# Personal but never handed out, not even to the person it is about.
NEVER_EXPORTED = frozenset({"password"})
# Reviews of the member's work: what they said, never who said it (reviews are
# double-blind; the reviewer is another person).
REVIEWS_RECEIVED_FIELDS = (
    "submission",
    "kind",
    "submitted_at",
    "scores",
    "points",
    "comment",
    "helpfulness",
    "flagged_at",
    "flag_reason",
)


@dataclass(frozen=True)
class Column:
    name: str  # the key in data.json
    header: str | Promise  # the CSV header
    field: models.Field | None = None

    @property
    def is_file(self) -> bool:
        return isinstance(self.field, models.FileField)


@dataclass(frozen=True)
class ExportKind:
    """One file of the archive: its rows come from ``rows(user)`` as tuples in the
    order of ``columns``."""

    name: str
    title: str | Promise
    columns: tuple[Column, ...]
    rows: Callable[[object], Iterator[tuple]] = field(compare=False)


def _column(f: models.Field) -> Column:
    name = f.attname if f.is_relation else f.name
    return Column(name=name, header=capfirst(getattr(f, "verbose_name", f.name)), field=f)


def exported_fields(model: type[models.Model], declaration) -> list[models.Field]:
    """The row's own id, the personal fields and the links to its context (a cohort,
    a submission), in the model's order, without what the declaration keeps out."""
    chosen = []
    for f in model._meta.concrete_fields:
        if f.name in declaration.export_exclude or f.name in NEVER_EXPORTED:
            continue
        if f.primary_key or f.name in declaration.personal or f.is_relation:
            chosen.append(f)
    return chosen


def _values(queryset: models.QuerySet, columns: tuple[Column, ...]) -> Iterator[tuple]:
    names = [c.name for c in columns]
    return queryset.order_by("pk").values_list(*names).iterator(chunk_size=BATCH)


def _declared_kind(model: type[models.Model]) -> ExportKind | None:
    declaration = registry.declaration_for(model)
    if declaration is None or not declaration.export_kind:
        return None
    if registry._history_base(model) is not None:
        return None  # a history table repeats its model's rows
    columns = tuple(_column(f) for f in exported_fields(model, declaration))

    def rows(user) -> Iterator[tuple]:
        queryset = registry.subject_queryset(model, user)
        return iter(()) if queryset is None else _values(queryset, columns)

    return ExportKind(
        name=declaration.export_kind,
        title=capfirst(model._meta.verbose_name_plural),
        columns=columns,
        rows=rows,
    )


def _reviews_received_kind() -> ExportKind:
    columns = tuple(_column(Review._meta.get_field(name)) for name in REVIEWS_RECEIVED_FIELDS)

    def rows(user) -> Iterator[tuple]:
        done = Review._base_manager.filter(submission__author=user, status=ReviewStatus.SUBMITTED)
        return _values(done, columns)

    return ExportKind(
        name="reviews_received",
        title=_("Reviews of your work (without the reviewers' identity)"),
        columns=columns,
        rows=rows,
    )


def _consent_kind() -> ExportKind:
    """The member's consent records (notifications keeps them): the current state per
    list, then every event with the exact text agreed to."""

    def rows(user) -> Iterator[tuple]:
        records = notification_selectors.consent_records_for(user=user)
        for state in records.states:
            yield (
                "state",
                state.get_mailing_list_display(),
                state.get_status_display(),
                "",
                state.changed_at,
                "",
                "",
            )
        for event in records.events:
            yield (
                "event",
                event.get_mailing_list_display(),
                event.get_action_display(),
                event.get_source_display(),
                event.at,
                event.text,
                event.language,
            )

    return ExportKind(
        name="consent_records",
        title=_("Consent records"),
        columns=(
            Column(name="record", header=_("Record")),
            Column(name="list", header=_("list")),
            Column(name="status", header=_("status")),
            Column(name="how", header=_("how")),
            Column(name="at", header=_("when")),
            Column(name="text", header=_("text agreed to")),
            Column(name="language", header=_("language of the text")),
        ),
        rows=rows,
    )


def export_kinds() -> list[ExportKind]:
    """Every kind of the archive, by name."""
    kinds = [k for m in registry.subject_models() if (k := _declared_kind(m)) is not None]
    kinds.append(_reviews_received_kind())
    kinds.append(_consent_kind())
    return sorted(kinds, key=lambda k: k.name)


# --- values --------------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _csv_value(column: Column, value) -> str:
    if value is None:
        return ""
    choices = getattr(column.field, "flatchoices", None)
    if choices and not column.is_file:
        return str(dict(choices).get(value, value))
    value = _json_value(value)
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_UNSAFE = re.compile(r"[^\w.\-]+")


def _file_entry(kind: str, pk, column: Column, stored: str, row: dict) -> str:
    """Where a row's file goes in the archive: the original name when the row keeps
    one (a hand-in), else the field's name and the stored extension."""
    original = row.get("file_name") if column.name == "file" else ""
    if original:
        name = _UNSAFE.sub("_", os.path.basename(original)).strip("._") or "file"
    else:
        name = column.name + os.path.splitext(stored)[1]
    return f"files/{kind}/{pk}-{name}"


# --- the archive ---------------------------------------------------------------------


@dataclass
class Built:
    path: str
    counts: dict[str, int]
    missing_files: int = 0


def archive_write(user, directory: str) -> Built:
    """Write the member's archive into ``directory`` and say what is in it."""
    kinds = export_kinds()
    path = os.path.join(directory, "export.zip")
    counts: dict[str, int] = {}
    files: list[tuple[object, str, str]] = []  # (storage, stored name, archive name)
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryFile("w+b", dir=directory) as raw_data,
        translation.override(_language(user)),
    ):
        data = io.TextIOWrapper(raw_data, encoding="utf-8")
        data.write("{")
        for index, kind in enumerate(kinds):
            data.write(("," if index else "") + f"\n{json.dumps(kind.name)}: [")
            counts[kind.name] = _write_kind(archive, data, kind, user, files)
            data.write("]")
        data.write("\n}\n")
        data.flush()
        raw_data.seek(0)
        with archive.open("data.json", "w") as target:
            shutil.copyfileobj(raw_data, target)
        missing = _copy_files(archive, files)
        archive.writestr(
            "README.txt",
            render_to_string(
                "privacy/export_readme.txt",
                {
                    "user": user,
                    "made_at": timezone.now(),
                    "kinds": [(k, counts[k.name]) for k in kinds],
                    "files": len(files) - missing,
                    "missing": missing,
                },
            ),
        )
    return Built(path=path, counts=counts, missing_files=missing)


def _language(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _write_kind(archive, data, kind: ExportKind, user, files: list) -> int:
    count = 0
    with (
        archive.open(f"{kind.name}.csv", "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
    ):
        writer = csv.writer(text)
        writer.writerow([str(c.header) for c in kind.columns])
        for values in kind.rows(user):
            row = {c.name: v for c, v in zip(kind.columns, values, strict=True)}
            for column in kind.columns:
                if column.is_file:
                    stored = row[column.name]
                    if stored:
                        entry = _file_entry(kind.name, row.get("id"), column, stored, row)
                        files.append((column.field.storage, stored, entry))
                        row[column.name] = entry
                    else:
                        row[column.name] = ""
            writer.writerow([_csv_value(c, row[c.name]) for c in kind.columns])
            document = {name: _json_value(value) for name, value in row.items()}
            data.write(("," if count else "") + "\n  ")
            data.write(json.dumps(document, ensure_ascii=False, default=str))
            count += 1
    return count


def _copy_files(archive, files: list) -> int:
    """Copy each file into the archive as a stream; one that is gone from storage is
    left out (and counted), not a reason to refuse the member the rest."""
    missing = 0
    for storage, stored, entry in files:
        try:
            source = storage.open(stored, "rb")
        except FileNotFoundError:
            logger.warning("export: %s is missing from storage", stored)
            missing += 1
            continue
        with source, archive.open(entry, "w") as target:
            shutil.copyfileobj(source, target)
    return missing
