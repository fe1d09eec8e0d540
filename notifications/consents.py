"""Consent to marketing email (GDPR/AVG): double opt-in, withdrawal, and sending to a
list. Re-exported by ``notifications.services``, which is what other apps import.

- ``consent_request``: record the request with the text shown, and email a signed link
  that expires after CONFIRM_DAYS.
- ``consent_confirm``: the link's button; records the grant once, however often (and
  however many times at once) it is pressed.
- ``consent_withdraw`` / ``consent_withdraw_by_token``: from the page, the API, staff,
  or the one-click link in every list email (RFC 8058).
- ``marketing_send``: a list email to everyone whose consent holds, each with its own
  one-click withdraw link and List-Unsubscribe headers, each sent once per key.
- ``consents_erase``: for account erasure.

Every write locks the (user, list) state row, changes it and appends its event in one
transaction, so the state and its proof never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.errors import ValidationFailed
from lms.links import absolute_url
from lms.models import User
from notifications.models import (
    Consent,
    ConsentAction,
    ConsentEvent,
    ConsentList,
    ConsentSource,
    ConsentStatus,
    Kind,
)

# How long a confirmation link works. A default in code: the project keeps its settings
# module for what differs between deployments.
CONFIRM_DAYS = 7
CONFIRM_SALT = "notifications.consent.confirm"
# Withdraw links do not expire: withdrawing must stay as easy as consenting was, and a
# leaked link can do nothing but stop mail the person can ask for again.
UNSUBSCRIBE_SALT = "notifications.consent.unsubscribe"
MARKETING_BATCH = 200


def consent_text(mailing_list: str) -> str:
    """What the person agrees to, in the active language: shown beside the subscribe
    button and stored with the request and the grant."""
    texts = {
        ConsentList.NEWSLETTER: _(
            "Yes, email me the newsletter: articles, tips and new courses, about once a "
            "month. I can unsubscribe at any time with the link in every newsletter or on "
            "my email choices page."
        ),
        ConsentList.NEWS: _(
            "Yes, email me the news posts on the topics I follow (and news for everyone), "
            "when they appear. I can unsubscribe at any time with the link in every email or "
            "on my email choices page."
        ),
    }
    return texts[ConsentList(mailing_list)]


def _check_list(mailing_list: str) -> None:
    if mailing_list not in ConsentList.values:
        raise ValidationFailed(
            _("Choose one of the lists: %(lists)s.") % {"lists": ", ".join(ConsentList.values)},
            field="list",
        )


def _locked(user_id: int, mailing_list: str) -> Consent:
    """The state row, locked until the transaction ends; made (as not subscribed) the
    first time. Two first requests at once: one inserts, the other meets the unique
    constraint, and both then lock the same row."""
    now = timezone.now()
    try:
        with transaction.atomic():
            Consent.objects.get_or_create(
                user_id=user_id,
                mailing_list=mailing_list,
                defaults={"status": ConsentStatus.WITHDRAWN, "changed_at": now},
            )
    except IntegrityError:
        pass  # made by the other request, which has committed
    return Consent.objects.select_for_update().get(user_id=user_id, mailing_list=mailing_list)


def _record(
    consent: Consent,
    *,
    action: str,
    source: str,
    text: str = "",
    language: str = "",
    request: ConsentEvent | None = None,
    actor: User | None = None,
) -> ConsentEvent:
    return ConsentEvent.objects.create(
        user_id=consent.user_id,
        mailing_list=consent.mailing_list,
        action=action,
        source=source,
        text=text,
        language=language,
        request=request,
        actor=actor,
        at=timezone.now(),
    )


def _move(consent: Consent, status: str, request_event: ConsentEvent | None) -> None:
    consent.status = status
    consent.request_event = request_event
    consent.changed_at = timezone.now()
    consent.save(update_fields=["status", "request_event", "changed_at"])


# --- Links ------------------------------------------------------------------------------


def consent_confirm_url(*, event: ConsentEvent) -> str:
    """The path of the confirmation link for one request."""
    token = signing.dumps(
        {"u": event.user_id, "l": event.mailing_list, "e": event.pk}, salt=CONFIRM_SALT
    )
    return reverse("notifications:consent_confirm", args=[token])


def consent_unsubscribe_url(*, user_id: int, mailing_list: str) -> str:
    """The absolute one-click withdraw link for one person and list (no sign-in)."""
    token = signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user_id, "l": mailing_list})
    return absolute_url(reverse("notifications:consent_unsubscribe", args=[token]))


def _invalid_link() -> ValidationFailed:
    return ValidationFailed(
        _(
            "This link is not valid: it may be cut short or changed. Open it again from "
            "the email, or sign in and choose your lists on your email choices page."
        ),
        code="invalid_link",
    )


def _fields(data: object, *names: str) -> tuple:
    """The named values of a token's payload: the list one of ConsentList, the others
    ids."""
    if not isinstance(data, dict) or data.get("l") not in ConsentList.values:
        raise _invalid_link()
    values = tuple(data.get(name) for name in names)
    if any(name != "l" and type(v) is not int for name, v in zip(names, values, strict=True)):
        raise _invalid_link()
    return values


def confirm_token_read(token: str) -> tuple[int, str, int]:
    """(user id, list, request event id) of a confirmation link, or a ValidationFailed
    that says what to do: an expired link (code ``link_expired``), a changed one."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=dt.timedelta(days=CONFIRM_DAYS))
    except signing.SignatureExpired as exc:
        raise ValidationFailed(
            _(
                "This confirmation link has expired: it works for %(days)s days. Sign in and "
                "subscribe again on your email choices page; we will send a new link."
            )
            % {"days": CONFIRM_DAYS},
            code="link_expired",
        ) from exc
    except signing.BadSignature as exc:
        raise _invalid_link() from exc
    user_id, mailing_list, event_id = _fields(data, "u", "l", "e")
    return user_id, mailing_list, event_id


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """(user id, list) of a withdraw link, or ValidationFailed ``invalid_link``."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature as exc:
        raise _invalid_link() from exc
    return _fields(data, "u", "l")


# --- Writes -----------------------------------------------------------------------------


@transaction.atomic
def consent_request(
    *, user: User, mailing_list: str, source: str = ConsentSource.PORTAL, actor: User | None = None
) -> Consent:
    """Ask for ``mailing_list``: record the request with the text shown (consent_text in
    the active language) and email a confirmation link. Nothing is granted until the
    link is followed. Asking again while waiting sends a new link (the older one then
    confirms nothing); asking when subscribed changes nothing."""
    _check_list(mailing_list)
    if source not in ConsentSource.values:
        raise ValidationFailed(_("Unknown source of consent."), field="source")
    if not user.email:
        raise ValidationFailed(
            _("Add an email address to your account first: the confirmation is emailed."),
            code="no_email",
        )
    consent = _locked(user.pk, mailing_list)
    if consent.status == ConsentStatus.GRANTED:
        return consent
    event = _record(
        consent,
        action=ConsentAction.REQUESTED,
        source=source,
        text=consent_text(mailing_list),
        language=translation.get_language() or "",
        actor=actor,
    )
    _move(consent, ConsentStatus.PENDING, event)
    from notifications.services import notify_user

    notify_user(
        kind=Kind.CONSENT_CONFIRM,
        key=f"consent-request:{event.pk}",
        user_id=user.pk,
        params={"list": mailing_list, "days": CONFIRM_DAYS},
        url=consent_confirm_url(event=event),
    )
    return consent


@transaction.atomic
def consent_confirm(*, token: str, signed_in: User | None = None) -> Consent:
    """Record the grant a confirmation link asks for, once: a second press (or two at
    once) finds it granted by that same request and records nothing more.

    Refused with a message that says what to do: an expired or changed link, a link
    for another account than the one signed in, and a link whose request is no longer
    the one waiting (asked again since, or unsubscribed since)."""
    user_id, mailing_list, event_id = confirm_token_read(token)
    if signed_in is not None and signed_in.is_authenticated and signed_in.pk != user_id:
        raise ValidationFailed(
            _(
                "This confirmation link is for another account than the one you are signed "
                "in with. Sign out and open the link again, or subscribe from your own "
                "email choices page."
            ),
            code="other_account",
        )
    consent = (
        Consent.objects.select_for_update(of=("self",))
        .select_related("request_event")
        .filter(user_id=user_id, mailing_list=mailing_list)
        .first()
    )
    request = consent.request_event if consent is not None else None
    if consent is None or request is None or request.pk != event_id:
        raise ValidationFailed(
            _(
                "This confirmation link is no longer valid: you asked again or unsubscribed "
                "since. Use the newest email, or subscribe again on your email choices page."
            ),
            code="link_superseded",
        )
    if consent.status == ConsentStatus.GRANTED:
        return consent
    _record(
        consent,
        action=ConsentAction.GRANTED,
        source=ConsentSource.EMAIL_LINK,
        text=request.text,
        language=request.language,
        request=request,
    )
    _move(consent, ConsentStatus.GRANTED, request)
    return consent


@transaction.atomic
def consent_withdraw(
    *, user: User, mailing_list: str, source: str = ConsentSource.PORTAL, actor: User | None = None
) -> Consent:
    """Stop ``mailing_list`` for ``user`` (a waiting request too: its link then confirms
    nothing). Withdrawing what is not given changes nothing and records nothing."""
    _check_list(mailing_list)
    if source not in ConsentSource.values:
        raise ValidationFailed(_("Unknown source of consent."), field="source")
    consent = _locked(user.pk, mailing_list)
    if consent.status != ConsentStatus.WITHDRAWN:
        _record(consent, action=ConsentAction.WITHDRAWN, source=source, actor=actor)
        _move(consent, ConsentStatus.WITHDRAWN, None)
    return consent


def consent_withdraw_by_token(*, token: str) -> Consent:
    """The one-click withdraw link of a list email: no sign-in, the signed token names
    the person and the list."""
    user_id, mailing_list = unsubscribe_token_read(token)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise _invalid_link()
    return consent_withdraw(user=user, mailing_list=mailing_list, source=ConsentSource.EMAIL_LINK)


@transaction.atomic
def consents_erase(*, user: User) -> int:
    """For erasure of the account: every consent that holds or waits is withdrawn (an
    event with source ``erasure``) and the state rows are deleted, so nothing is sent
    to the account again. The events are kept, linked to the account that erasure
    anonymises: they prove that what was sent before had consent (article 7(1) GDPR)
    and hold no personal data of their own, only the list, the text and the moments.
    Returns how many consents were withdrawn."""
    withdrawn = 0
    for consent in Consent.objects.select_for_update().filter(user=user).order_by("pk"):
        if consent.status != ConsentStatus.WITHDRAWN:
            _record(consent, action=ConsentAction.WITHDRAWN, source=ConsentSource.ERASURE)
            withdrawn += 1
    Consent.objects.filter(user=user).delete()
    return withdrawn


# --- Sending to a list ------------------------------------------------------------------


def marketing_send(
    *,
    mailing_list: str,
    key: str,
    subject: str,
    body: str,
    user_ids: Iterable[int] | None = None,
) -> int:
    """Email ``subject`` and ``body`` (written by staff, sent as written) to everyone
    whose consent for ``mailing_list`` holds, with a footer in their language and the
    List-Unsubscribe headers of RFC 8058; ``user_ids`` narrows it to those people. Once
    per (key, person): safe to run again
    after a crash. Each recipient's consent is locked and checked right before their
    message, so a withdrawal that committed first is never mailed. Returns how many
    were sent."""
    _check_list(mailing_list)
    if not key or not subject.strip() or not body.strip():
        raise ValidationFailed(_("A list email needs a key, a subject and a body."))
    sent = 0
    last = 0
    holding = Consent.objects.filter(mailing_list=mailing_list, status=ConsentStatus.GRANTED)
    if user_ids is not None:  # only these people (news for the topics they follow)
        holding = holding.filter(user_id__in=list(user_ids))
    while True:
        ids = list(
            holding.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:MARKETING_BATCH]
        )
        if not ids:
            return sent
        last = ids[-1]
        for consent_id in ids:
            sent += _send_one(consent_id, key=key, subject=subject, body=body)


def _send_one(consent_id: int, *, key: str, subject: str, body: str) -> bool:
    from lms.services import email_user_once

    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=consent_id, status=ConsentStatus.GRANTED)
            .first()
        )
        if consent is None or not consent.user.is_active or not consent.user.email:
            return False
        user = consent.user
        unsubscribe = consent_unsubscribe_url(user_id=user.pk, mailing_list=consent.mailing_list)
        return email_user_once(
            user=user,
            key=f"marketing:{consent.mailing_list}:{key}:{user.pk}",
            subject_template="notifications/email/marketing_subject.txt",
            body_template="notifications/email/marketing_body.txt",
            context=lambda: {
                "user": user,
                "subject": subject,
                "body": body,
                "list_label": ConsentList(consent.mailing_list).label,
                "unsubscribe_url": unsubscribe,
                "choices_url": absolute_url(reverse("notifications:consents")),
            },
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
