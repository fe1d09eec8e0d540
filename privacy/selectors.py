"""Reads of the privacy app: the privacy notice's generated table and its cookies."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lms.middleware import TIMEZONE_COOKIE
from lms.privacy import Basis, Category, Erasure
from privacy import registry
from privacy.models import PrivacyNotice


@dataclass
class PolicyRow:
    """What is kept for one purpose: the data, on which basis, how long, and what
    erasure does with it."""

    purpose: str | Promise
    categories: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    retentions: list[str] = field(default_factory=list)
    erasure: list[str] = field(default_factory=list)


def _add(items: list[str], value) -> None:
    value = str(value)
    if value and value not in items:
        items.append(value)


def policy_rows() -> list[PolicyRow]:
    """The registry's personal data grouped by purpose, in the active language. History
    tables are said once ("its change history"), not model by model."""
    rows: dict[str, PolicyRow] = {}
    for model in apps.get_models():
        if registry._history_base(model) is not None:
            continue
        declaration = registry.declaration_for(model)
        if declaration is None or not declaration.personal:
            continue
        row = rows.setdefault(str(declaration.purpose), PolicyRow(purpose=declaration.purpose))
        fields = {f.name: f for f in registry.concrete_fields(model)}
        for name, category in declaration.personal.items():
            if name not in fields:
                continue  # a column this database does not have (the search index)
            _add(row.categories, Category(category).label)
            _add(row.data, capfirst(getattr(fields[name], "verbose_name", name)))
        _add(row.bases, Basis(declaration.basis).label)
        _add(row.retentions, declaration.retention)
        _add(row.erasure, Erasure(declaration.on_erasure).label)
    return sorted(rows.values(), key=lambda row: str(row.purpose))


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str | Promise
    lasts: str | Promise


def cookies() -> list[Cookie]:
    """Every cookie the site sets. All are essential: no consent banner is needed, and
    a browser test fails if a page sets one that is not listed here."""
    session_days = settings.SESSION_COOKIE_AGE // 86400
    return [
        Cookie(
            settings.SESSION_COOKIE_NAME,
            _("Keeps you signed in."),
            _("%(days)s days, or until you sign out") % {"days": session_days},
        ),
        Cookie(settings.CSRF_COOKIE_NAME, _("Protects forms against forgery."), _("1 year")),
        Cookie(
            settings.LANGUAGE_COOKIE_NAME,
            _("Remembers the language you chose."),
            _("Until you close the browser")
            if settings.LANGUAGE_COOKIE_AGE is None
            else _("%(days)s days") % {"days": settings.LANGUAGE_COOKIE_AGE // 86400},
        ),
        Cookie(TIMEZONE_COOKIE, _("Shows times in your browser's timezone."), _("1 year")),
    ]


def notice_get() -> PrivacyNotice | None:
    return PrivacyNotice.objects.order_by("-updated_at", "-pk").first()
