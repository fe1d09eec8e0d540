"""The vocabulary of the personal-data registry.

Every app declares, in its own ``personal_data.py``, what each field of each of its
models holds: personal or not, and for personal data its category, purpose, legal basis,
retention and what erasure does with it. The ``privacy`` app collects the declarations
(``privacy.registry``), a test fails on any field left out, and export, erasure and the
public privacy page are driven by them. The types live here, at the bottom of the layers,
so that every app can declare without importing the app that reads the declarations.

A declaration names the *subject*: the ORM path from the model to the user the row is
about (``"user"``, ``"enrolment__user"``). Export selects the subject's rows through it
and erasure acts on them as ``on_erasure`` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    IDENTITY = "identity", _("Identity (name, username, account)")
    CONTACT = "contact", _("Contact details (email, address, phone)")
    PROFILE = "profile", _("Profile (photo, bio, interests, preferences)")
    LEARNING = "learning", _("Learning record (enrolments, progress, grades)")
    CONTENT = "content", _("What the member wrote or uploaded")
    FINANCIAL = "financial", _("Financial records (orders, invoices, payments)")
    COMMUNICATION = "communication", _("Messages and notifications")
    CONSENT = "consent", _("Consent and choices")
    TECHNICAL = "technical", _("Technical (sign-ins, IP addresses, tokens)")


class Basis(models.TextChoices):
    """The lawful bases of article 6 GDPR (AVG) the product relies on."""

    CONTRACT = "contract", _("Contract: needed to give the course or membership")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (fiscal record keeping)")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest (security, service)")
    CONSENT = "consent", _("Consent, which can be withdrawn at any time")


class Erasure(models.TextChoices):
    """What erasure of the subject does to the rows about them."""

    DELETE = "delete", _("Deleted")
    ANONYMISE = "anonymise", _("Anonymised: kept without anything that identifies the member")
    KEEP_REDUCED = "keep_reduced", _("Kept as long as the law requires, reduced to what it needs")
    # Rows that point at a member only as a link to their (anonymised) account, or
    # content nobody can tie to them once the account is anonymised.
    FOLLOWS_ACCOUNT = "follows_account", _("Kept; shown as 'a former member'")


# Retention periods the declarations name (text shown on the privacy page).
RETENTION_MEMBERSHIP = _("As long as the account exists; erased on request")
RETENTION_FISCAL = _("7 years after the financial year (Dutch fiscal retention)")
RETENTION_NOTIFICATIONS = _("1 year")
RETENTION_SECURITY = _("Up to 30 days")
RETENTION_CONTENT = _("As long as the course or community exists; anonymised on erasure")
RETENTION_CONSENT = _("As long as the consent holds, and its record 7 years after")
RETENTION_EXPORT = _("Until the download link expires")


@dataclass(frozen=True)
class ModelDeclaration:
    """What one model holds. Fields not in ``personal`` must be in ``other``."""

    label: str  # "app_label.ModelName"
    personal: Mapping[str, Category] = field(default_factory=dict)
    other: frozenset[str] = frozenset()
    subject: str | None = None
    purpose: str | Promise = ""
    basis: str = ""
    retention: str | Promise = ""
    on_erasure: str = Erasure.FOLLOWS_ACCOUNT
    # The export kind the subject's rows go to ("enrolments"); empty: not exported.
    export_kind: str = ""
    # Fields left out of the export although personal: another person's identity.
    export_exclude: frozenset[str] = frozenset()
    # Fields kept on erasure under fiscal retention (KEEP_REDUCED); the other personal
    # fields are blanked.
    fiscal_keep: frozenset[str] = frozenset()
    # Erasure blanks these even when the row follows the account (free text that may
    # name the member, a file).
    scrub: frozenset[str] = frozenset()


def declare(
    label: str,
    *,
    personal: Mapping[str, Category] | None = None,
    other: Iterable[str] | str = (),
    subject: str | None = None,
    purpose: str | Promise = "",
    basis: str = "",
    retention: str | Promise = "",
    on_erasure: str = Erasure.FOLLOWS_ACCOUNT,
    export_kind: str = "",
    export_exclude: Iterable[str] = (),
    fiscal_keep: Iterable[str] = (),
    scrub: Iterable[str] = (),
) -> ModelDeclaration:
    """One model's declaration. ``other`` may be a whitespace-separated string."""
    if isinstance(other, str):
        other = other.split()
    return ModelDeclaration(
        label=label,
        personal=dict(personal or {}),
        other=frozenset(other),
        subject=subject,
        purpose=purpose,
        basis=basis,
        retention=retention,
        on_erasure=on_erasure,
        export_kind=export_kind,
        export_exclude=frozenset(export_exclude),
        fiscal_keep=frozenset(fiscal_keep),
        scrub=frozenset(scrub),
    )


def not_personal(label: str, fields: str, *, why: str | Promise = "") -> ModelDeclaration:
    """A model none of whose fields is about a person (course content, settings)."""
    return declare(label, other=fields, purpose=why)


# The purposes the declarations name (shown on the privacy page).
PURPOSE_ACCOUNT = _("Run the member's account and sign them in")
PURPOSE_COURSE = _("Give the course: enrolment, curriculum, progress")
PURPOSE_ASSESSMENT = _("Hand-ins, peer review and grading")
PURPOSE_PAYMENT = _("Take payment and keep the books")
PURPOSE_LIVE = _("Live sessions: invitations, RSVPs and attendance")
PURPOSE_COMMUNITY = _("The cohort's community: posts, reactions and moderation")
PURPOSE_MEMBERSHIP = _("Memberships: plans, billing and access")
PURPOSE_NOTIFY = _("Tell members what happens, in the product and by email")
PURPOSE_SECURITY = _("Keep accounts secure: sign-in lockout, tokens, sessions")
PURPOSE_BADGES = _("Award badges and let others verify them")
PURPOSE_EDITING = _("Edit the curriculum and the site (designers and staff)")
PURPOSE_PRIVACY = _("Handle privacy requests and prove how they were handled")
PURPOSE_LISTS = _("Send the newsletter and the news to those who asked for them")
PURPOSE_NEWS = _("Show and send members the news on the topics they chose")
