"""Writes for users and the shared email primitive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from datetime import tzinfo
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from lms.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from lms.links import absolute_url, base_url
from lms.models import ApiToken, SentEmail, User
from lms.timeutils import is_valid_timezone

# Sign-up usernames: ASCII letters, digits and @ . + - _ (Django's rule), so a name
# cannot imitate another with look-alike letters; the real name goes in display_name.
USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30


def _validate_new_username(username: str) -> None:
    from django.contrib.auth.validators import ASCIIUsernameValidator

    message = _(
        "Choose a username of %(min)s to %(max)s characters: letters, digits and @ . + - _ only."
    ) % {"min": USERNAME_MIN_LENGTH, "max": USERNAME_MAX_LENGTH}
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        raise ValidationFailed(message, field="username")
    try:
        ASCIIUsernameValidator()(username)
    except ValidationError as exc:
        raise ValidationFailed(message, field="username") from exc


@transaction.atomic
def user_signup(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    timezone: str = "",
    language: str = "",
) -> User | None:
    """Open an account that stays inactive until its owner follows the link we email.

    Whether the email address has an account already must not show: then nothing is
    created, the address's owner is told by email that someone tried to sign up, and
    the caller shows the same "check your email" answer (returns None). Every check
    whose failure the person sees comes first; the password is hashed on both paths so
    that the answer takes as long.
    """
    username = username.strip()
    email = User.objects.normalize_email(email.strip()).lower()
    _validate_new_username(username)
    # Usernames are shown to others (reviews, cohort lists): saying one is taken tells
    # nothing that is not public already.
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("That username is taken; choose another."), field="username")
    _validate_preferences(timezone=timezone, language=language)
    user = User(
        username=username,
        email=email,
        display_name=display_name.strip(),
        timezone=timezone,
        language=language,
        is_active=False,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    owner = User.objects.filter(email__iexact=email).first()
    if owner is None:
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:  # a concurrent sign-up with the same name or email
            if User.objects.filter(username__iexact=username).exists():
                raise Conflict(
                    _("That username was just taken; choose another."), field="username"
                ) from exc
            owner = User.objects.filter(email__iexact=email).first()
            if owner is None:
                raise
    if owner is not None:
        _account_email_on_commit(
            kind="signup_attempt",
            user=owner,
            # At most one an hour: the sign-up form is no way to flood someone's inbox.
            key=f"signup-attempt:{owner.pk}:{dj_timezone.now():%Y-%m-%dT%H}",
        )
        return None
    _account_email_on_commit(kind="activate", user=user, key=f"signup-activate:{user.pk}")
    return user


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Links that activate a new account: signed, expiring after PASSWORD_RESET_TIMEOUT,
    and dead once used (the account's active flag is part of the hash)."""

    key_salt = "lms.services.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{timestamp}{user.email}"


activation_tokens = ActivationTokenGenerator()


def account_activation_url(*, user: User) -> str:

    path = reverse(
        "signup_activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_tokens.make_token(user),
        },
    )
    return absolute_url(path)


def _pending_activation(user: User) -> bool:
    return not user.is_active and user.last_login is None


@transaction.atomic
def user_activate(*, uidb64: str, token: str) -> User:
    """Activate the account an emailed sign-up link names."""
    try:
        user = User.objects.select_for_update().get(pk=int(urlsafe_base64_decode(uidb64)))
    except (ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not activation_tokens.check_token(user, token):
        raise ValidationFailed(
            _(
                "This confirmation link is not valid: it was used already, or it is too "
                "old. Sign up again to get a new one, or log in if your account works."
            ),
            code="invalid_link",
        )
    if not _pending_activation(user):
        raise ValidationFailed(
            _("This account is not waiting for confirmation; log in instead."),
            code="invalid_link",
        )
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def _account_email_on_commit(*, kind: str, user: User, key: str) -> None:
    from lms.tasks import send_account_email

    send_account_email.delay_on_commit(kind=kind, user_id=user.pk, key=key)


ACCOUNT_EMAILS = ("activate", "signup_attempt")


def account_email_send(*, kind: str, user_id: int, key: str) -> bool:
    """Send one account email (kinds in ACCOUNT_EMAILS) once per key, in the
    recipient's language. Account emails ignore notification preferences, as password
    resets do: they are how a person gets into their account."""
    from django.conf import settings

    if kind not in ACCOUNT_EMAILS:
        raise ValidationFailed(_("Unknown kind of account email."), field="kind")
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return False
    context = {
        "user": user,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "base_url": base_url(),
        "login_url": absolute_url(reverse("login")),
        "password_reset_url": absolute_url(reverse("password_reset")),
        # A sign-up still waiting for confirmation gets its link again.
        "activation_url": account_activation_url(user=user) if _pending_activation(user) else "",
    }
    return email_user_once(
        user=user,
        key=key,
        subject_template=f"registration/{kind}_subject.txt",
        body_template=f"registration/{kind}_email.txt",
        context=context,
    )


def activation_emails_resume(*, now: dt.datetime | None = None) -> int:
    """Sign-ups still waiting for their confirmation email a lease after they signed up
    (the task that sends it was lost with a worker or a broker restart): send it.
    Only while its link would still work (PASSWORD_RESET_TIMEOUT). Returns how many
    were queued; each goes out once (its key)."""
    from django.conf import settings

    from lms.tasks import send_account_email

    now = now or dj_timezone.now()
    waiting = dict(
        User.objects.filter(
            is_active=False,
            last_login__isnull=True,
            date_joined__gte=now - dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
            date_joined__lte=now - dt.timedelta(seconds=settings.LMS_DELIVERY_LEASE_SECONDS),
        )
        .exclude(email="")
        .annotate(key=Concat(Value("signup-activate:"), Cast("pk", CharField())))
        .values_list("key", "pk")
    )
    sent = set(SentEmail.objects.filter(key__in=list(waiting)).values_list("key", flat=True))
    for key, user_id in waiting.items():
        if key not in sent:
            send_account_email.delay(kind="activate", user_id=user_id, key=key)
    return len(waiting) - len(sent)


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


def email_user_once(
    *,
    user: User,
    key: str,
    subject_template: str,
    body_template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    zone: tzinfo | None = None,
    headers: Mapping[str, str] | None = None,
) -> bool:
    """Write an email to ``user`` in their language (and in ``zone``, when given) and
    send it once per ``key``: the one way every email of the project is rendered and
    sent. ``context`` may be a function; it is then called with the language and zone
    active, for text that is made in Python rather than in the templates. ``headers``
    are added to the message (List-Unsubscribe on mailing-list email)."""
    from django.conf import settings

    with (
        translation.override(user.language or settings.LANGUAGE_CODE),
        dj_timezone.override(zone) if zone is not None else nullcontext(),
    ):
        values = context() if callable(context) else context
        subject = render_to_string(subject_template, values).strip()
        body = render_to_string(body_template, values)
    return email_send_once(key=key, to=user.email, subject=subject, body=body, headers=headers)


def email_send_once(
    *, key: str, to: str, subject: str, body: str, headers: Mapping[str, str] | None = None
) -> bool:
    """Send an email unless one with ``key`` went out already. Returns whether it sent.

    The marker insert and the send share a transaction: a second worker blocks on the
    unique key until the first commits, then sees the row and skips; a failed send
    rolls the marker back so a retry sends.
    """
    try:
        with transaction.atomic():
            SentEmail.objects.create(key=key, recipient=to)
            if headers:
                EmailMessage(subject, body, None, [to], headers=dict(headers)).send()
            else:
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


def unactivated_accounts_delete(*, joined_before: dt.datetime, limit: int = 500) -> tuple[int, int]:
    """Delete sign-ups never confirmed (no sign-in ever) that joined before the cutoff.
    Returns (deleted, kept): an account something must keep (a protected record, such as
    an invoice staff issued to it) is kept, and counted, never half-deleted."""
    from django.db.models import ProtectedError, RestrictedError

    deleted = kept = 0
    ids = list(
        User.objects.filter(
            is_active=False,
            last_login__isnull=True,
            date_joined__lt=joined_before,
            erased_at__isnull=True,  # an erased account is kept as "a former member"
        ).values_list("pk", flat=True)[:limit]
    )
    for user_id in ids:
        try:
            with transaction.atomic():
                User.objects.filter(pk=user_id, is_active=False, last_login__isnull=True).delete()
            deleted += 1
        except (ProtectedError, RestrictedError, IntegrityError):
            kept += 1
    return deleted, kept


# --- Personal details -------------------------------------------------------------------


@transaction.atomic
def profile_update(*, user: User, by: User, **fields: Any) -> User:
    """Change ``user``'s personal details (lms.profile.PROFILE_FIELDS; text is stripped,
    ``photo`` is an uploaded file, or None to remove it). The member may, and staff
    who may change users (``lms.change_user``, the admin's users);
    every field is checked before anything is written, and the names of the fields
    that changed are recorded with who changed them. A replaced photo's file is
    deleted once this commits."""
    from lms.models import ProfileChange
    from lms.profile import (
        COUNTRIES,
        PROFILE_FIELDS,
        PROFILE_TEXT_FIELDS,
        photo_check,
        vat_number_clean,
    )

    if by.pk != user.pk and not by.has_perm("lms.change_user"):
        raise NotAllowed(_("You may change only your own personal details."), code="not_yours")
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("These are not personal details: %(fields)s.") % {"fields": ", ".join(unknown)},
            field=unknown[0],
        )
    values: dict[str, Any] = {}
    for name, limit in PROFILE_TEXT_FIELDS.items():
        if name not in fields:
            continue
        value = (fields[name] or "").strip()
        if name == "vat_number":
            value = vat_number_clean(value)
        elif name == "country":
            value = value.upper()
            if value and value not in dict(COUNTRIES):
                raise ValidationFailed(
                    _("Choose your country from the list."), code="invalid_country", field=name
                )
        if len(value) > limit:
            raise ValidationFailed(
                _("Write at most %(limit)s characters here (this has %(length)s).")
                % {"limit": limit, "length": len(value)},
                code="too_long",
                field=name,
            )
        values[name] = value
    photo = fields.get("photo")
    if photo:
        photo_extension = photo_check(photo)

    # Lock the row, then compare with what is stored; the caller's object is updated.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    user.refresh_from_db(fields=PROFILE_FIELDS)
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, values[name])
    old_photo = user.photo.name if user.photo else ""
    if "photo" in fields and (photo or old_photo):
        if photo:
            user.photo.save(f"photo.{photo_extension}", photo, save=False)
        else:
            user.photo = ""
        changed.append("photo")
        if old_photo:
            storage = user.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
    if changed:
        user.save(update_fields=changed)
        ProfileChange.objects.create(
            user=user, changed_by=by, changed_at=dj_timezone.now(), fields=changed
        )
    return user
