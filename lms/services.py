"""Writes for users and the shared email primitive."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lms.errors import Conflict, NotFound, ValidationFailed
from lms.models import ApiToken, SentEmail, User
from lms.timeutils import is_valid_timezone


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    timezone: str = "",
    language: str = "",
) -> User:
    username = username.strip()
    email = User.objects.normalize_email(email.strip()).lower()
    if not username:
        raise ValidationFailed(_("Choose a username."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("That username is taken; choose another."), field="username")
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("An account with this email address exists already; log in instead."),
            field="email",
        )
    _validate_preferences(timezone=timezone, language=language)
    user = User(
        username=username,
        email=email,
        display_name=display_name.strip(),
        timezone=timezone,
        language=language,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same name or email
        raise Conflict(_("That username or email address was just taken.")) from exc
    return user


@transaction.atomic
def user_update_preferences(
    *,
    user: User,
    display_name: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
) -> User:
    _validate_preferences(timezone=timezone or "", language=language or "")
    fields = []
    if display_name is not None:
        user.display_name = display_name.strip()
        fields.append("display_name")
    if timezone is not None:
        user.timezone = timezone
        fields.append("timezone")
    if language is not None:
        user.language = language
        fields.append("language")
    if fields:
        user.save(update_fields=fields)
    return user


def _validate_preferences(*, timezone: str, language: str) -> None:
    from django.conf import settings

    if timezone and not is_valid_timezone(timezone):
        raise ValidationFailed(
            _("'%(tz)s' is not a timezone; use a name such as Europe/Amsterdam.")
            % {"tz": timezone},
            field="timezone",
        )
    if language and language not in dict(settings.LANGUAGES):
        codes = ", ".join(code for code, _name in settings.LANGUAGES)
        raise ValidationFailed(
            _("Choose one of the languages: %(codes)s.") % {"codes": codes}, field="language"
        )


def email_send_once(*, key: str, to: str, subject: str, body: str) -> bool:
    """Send an email unless one with ``key`` went out already. Returns whether it sent.

    The marker insert and the send share a transaction: a second worker blocks on the
    unique key until the first commits, then sees the row and skips; a failed send
    rolls the marker back so a retry sends.
    """
    try:
        with transaction.atomic():
            SentEmail.objects.create(key=key, recipient=to)
            send_mail(subject, body, None, [to])
    except IntegrityError:
        return False
    return True


# --- API tokens ---------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for ``user``; returns the row and the key, which exists only
    here (the database keeps its hash). It expires after LMS_API_TOKEN_TTL_DAYS."""
    from django.conf import settings

    days = settings.LMS_API_TOKEN_TTL_DAYS
    return ApiToken.objects.create(
        user=user, expiry=dt.timedelta(days=days) if days else None, name=name.strip()[:100]
    )


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    deleted, _rows = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise NotFound(_("You have no API token with that id."))


@transaction.atomic
def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every API token of ``user``: on request, and on a password change or
    reset, so a token taken with the old password stops working with it."""
    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    return deleted
