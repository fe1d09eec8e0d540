"""The personal-data registry: every app's ``personal_data.DECLARATIONS`` in one place.

Each installed app (the project's and the libraries' it uses) is declared by the app that
owns it: the project's apps by themselves, Django's and Wagtail's by ``lms`` and ``cms``.
A model's history table (django-simple-history) follows its model's declaration; an
automatic many-to-many table follows the field that made it. ``unclassified()`` lists
what no declaration covers, and a test keeps it empty.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models

from lms.privacy import (
    PURPOSE_EDITING,
    RETENTION_MEMBERSHIP,
    Basis,
    Category,
    ModelDeclaration,
    declare,
)

HISTORY_FIELDS = {
    "history_id": None,
    "history_date": None,
    "history_change_reason": Category.TECHNICAL,
    "history_type": None,
    "history_user": Category.IDENTITY,
    "history_relation": None,
}


@dataclass(frozen=True)
class Problem:
    label: str
    field: str
    what: str

    def __str__(self) -> str:
        return f"{self.label}.{self.field}: {self.what}"


@cache
def declarations() -> dict[str, ModelDeclaration]:
    """Every declaration by model label, history tables included."""
    found: dict[str, ModelDeclaration] = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.personal_data")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.personal_data":
                raise
            continue
        for declaration in module.DECLARATIONS:
            if declaration.label in found:
                raise ValueError(f"{declaration.label} is declared twice")
            found[declaration.label.lower()] = declaration
    for model in apps.get_models():
        base = _history_base(model)
        if base is not None and base._meta.label_lower in found:
            found[model._meta.label_lower] = _history_declaration(
                model, found[base._meta.label_lower]
            )
    return found


def declaration_for(model: type[models.Model]) -> ModelDeclaration | None:
    return declarations().get(model._meta.label_lower)


def _history_base(model: type[models.Model]) -> type[models.Model] | None:
    return getattr(model, "instance_type", None) if hasattr(model, "history_object") else None


def _history_declaration(model, base: ModelDeclaration) -> ModelDeclaration:
    """A history table holds its model's tracked fields (classified as on the model)
    and who changed what, when."""
    personal: dict[str, Category] = {}
    other: set[str] = set()
    for f in concrete_fields(model):
        category = HISTORY_FIELDS.get(f.name, base.personal.get(f.name))
        if category is None:
            other.add(f.name)
        else:
            personal[f.name] = category
    return declare(
        model._meta.label,
        personal=personal,
        other=other,
        subject=base.subject,
        # Who changed a model nobody is the subject of: the staff's edit trail.
        purpose=base.purpose or PURPOSE_EDITING,
        basis=base.basis or Basis.LEGITIMATE_INTEREST,
        retention=base.retention or RETENTION_MEMBERSHIP,
        on_erasure=base.on_erasure,
        fiscal_keep=base.fiscal_keep & set(personal),
        scrub=(base.scrub | set(personal)) - {"id"} - base.fiscal_keep,
    )


def concrete_fields(model: type[models.Model]) -> Iterator[models.Field]:
    """The fields that hold a value on this model's table (and its own m2m fields)."""
    for f in model._meta.get_fields(include_hidden=False):
        if f.auto_created and not f.concrete:
            continue  # a reverse relation: declared on the other side
        if getattr(f, "model", model) is not model:
            continue  # a concrete parent's field (Wagtail pages): declared on the parent
        yield f


# Models whose fields depend on the database: Wagtail's search index has a SQLite FTS
# table, and other columns on PostgreSQL. Their declarations name both; what one
# database lacks is not a stale declaration.
BACKEND_DEPENDENT = {"wagtailsearch.indexentry", "wagtailsearch.sqliteftsindexentry"}


def unclassified() -> list[Problem]:
    """Every field no declaration classifies, and every declaration that names a field
    its model no longer has."""
    problems: list[Problem] = []
    found = declarations()
    for model in apps.get_models():
        label = model._meta.label_lower
        declaration = found.get(label)
        names = {f.name for f in concrete_fields(model)}
        if declaration is None:
            problems.append(Problem(model._meta.label, "*", "the model is not declared"))
            continue
        declared = set(declaration.personal) | set(declaration.other)
        for name in sorted(names - declared):
            problems.append(Problem(model._meta.label, name, "not classified"))
        for name in sorted(declared - names):
            if label not in BACKEND_DEPENDENT:
                problems.append(Problem(model._meta.label, name, "declared but not a field"))
        for name in sorted(set(declaration.personal) & set(declaration.other)):
            problems.append(Problem(model._meta.label, name, "both personal and not"))
        if declaration.personal and not (declaration.purpose and declaration.basis):
            problems.append(Problem(model._meta.label, "*", "personal without purpose or basis"))
        if declaration.personal and not declaration.retention:
            problems.append(Problem(model._meta.label, "*", "personal data without retention"))
    for label in set(found) - {m._meta.label_lower for m in apps.get_models()}:
        if label not in BACKEND_DEPENDENT:
            problems.append(Problem(label, "*", "declared but not a model"))
    return problems


def subject_queryset(model: type[models.Model], user) -> models.QuerySet | None:
    """The rows of ``model`` about ``user``, by the declaration's subject; None when the
    model names no subject (its personal data is found another way, or is about staff).

    A subject is an ORM path to the user ("user", "enrolment__user"), "id" for the user
    table itself, or "=email:<field>" / "=username:<field>" for rows that hold the
    address or the username as text (sent-email markers, sign-in attempts)."""
    declaration = declaration_for(model)
    if declaration is None or not declaration.subject:
        return None
    subject = declaration.subject
    manager = model._base_manager
    if subject == "id":
        return manager.filter(pk=user.pk)
    if subject.startswith("=email:"):
        return manager.filter(**{f"{subject.removeprefix('=email:')}__iexact": user.email})
    if subject.startswith("=username:"):
        return manager.filter(**{subject.removeprefix("=username:"): user.username})
    if _history_base(model) is not None and "__" not in subject:
        # A history table stores the subject as a plain id column.
        return manager.filter(**{f"{subject}_id": user.pk})
    return manager.filter(**{subject: user})


def subject_models() -> list[type[models.Model]]:
    """Every model with rows about a member (history tables included), in a stable order."""
    return sorted(
        (m for m in apps.get_models() if (d := declaration_for(m)) and d.subject),
        key=lambda m: m._meta.label,
    )
