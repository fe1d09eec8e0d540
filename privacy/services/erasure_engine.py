"""The erasure run, driven by the personal-data registry.

``erasure_run(request_id)`` erases one member in steps. Each step runs in its own
transaction with the request row locked, works in bounded batches, and records itself
(``steps_done``, its rows in ``counts``, an audit event) in that same transaction: a run
that stops halfway (an error, a worker that died) resumes at the first step not done,
and no row is ever counted twice. The order matters:

1. outside systems first (the Stripe customer, uploaded files, Wagtail form
   submissions), while the rows that point at them still exist;
2. every model with rows about the member, as its declaration says (delete, anonymise,
   keep reduced, or follow the account), and the history tables of those rows;
3. the account itself: "a former member", with no way to sign in;
4. a last pass that replaces the member's former names where others' text mentions them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Callable, Iterable

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.utils import timezone

from lms.models import User
from lms.privacy import Erasure
from notifications.models import Kind
from notifications.services import email_address_once
from privacy import registry
from privacy.models import (
    ERASURE_MACHINE,
    ErasureEvent,
    ErasureEventKind,
    ErasureRequest,
    ErasureStatus,
)

logger = logging.getLogger(__name__)

BATCH = 500
FORMER_MEMBER = "a former member"  # stored text: the product translates on display
SKIP = object()
ERASED_TEXT = "(erased)"


class ErasureRefused(Exception):
    """The member cannot be erased now (see erasure_refusal); the run fails with why."""


def event_add(
    request, what: str, *, actor=None, step: str = "", counts=None, error: str = "", now=None
):
    return ErasureEvent.objects.create(
        request=request,
        at=now or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        what=what,
        step=step,
        counts=counts or {},
        error=error[:2000],
    )


# --- What to blank ------------------------------------------------------------------


def _blank(f: models.Field):
    """The empty value of a field, or SKIP for one that cannot be emptied (a number, a
    date that is required, a link to another row)."""
    if f.is_relation or f.primary_key:
        return SKIP
    if f.null:
        return None
    if isinstance(f, models.JSONField):
        default = f.get_default()
        return default if default is not None else {}
    if isinstance(f, (models.CharField, models.TextField, models.FileField)):
        return ""
    return SKIP


def _is_text(f: models.Field) -> bool:
    return isinstance(f, (models.CharField, models.TextField, models.FileField, models.JSONField))


def blanked_fields(model: type[models.Model]) -> list[str]:
    """The fields erasure empties on the member's rows of ``model`` (that it keeps)."""
    d = registry.declaration_for(model)
    if d is None or d.on_erasure == Erasure.DELETE:
        return []
    names = set(d.scrub)
    if d.on_erasure == Erasure.ANONYMISE:
        names |= {n for n in d.personal if _is_text(model._meta.get_field(n))}
    elif d.on_erasure == Erasure.KEEP_REDUCED:
        names |= set(d.personal) - set(d.fiscal_keep)
    if registry._history_base(model) is not None:
        names |= set(d.personal) - set(d.fiscal_keep)
    fields = [model._meta.get_field(n) for n in sorted(names)]
    return [f.name for f in fields if getattr(f, "concrete", False) and _blank(f) is not SKIP]


def _file_fields(model, names: Iterable[str] | None = None) -> list[models.FileField]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.FileField) and (names is None or f.name in names)
    ]


# --- Steps --------------------------------------------------------------------------


def _batches(queryset) -> Iterable[list]:
    """Primary keys in ascending batches (a keyset walk, no OFFSET)."""
    last = None
    queryset = queryset.order_by("pk")
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        ids = list(page.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        last = ids[-1]
        yield ids


def step_stripe(request, user) -> dict:
    """Delete the member's customer at Stripe (their cards, addresses, subscriptions
    there). A customer Stripe no longer knows counts as done."""
    import stripe

    from payments import stripe_gateway
    from payments.models import StripeCustomer

    customers = list(StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True))
    if not customers:
        return {}
    if not stripe_gateway.configured():
        logger.warning("Erasure %s: Stripe is not configured; customers left there.", request.pk)
        return {"stripe_customers_not_reached": len(customers)}
    for customer_id in customers:
        try:
            stripe_gateway.call(stripe_gateway.client().v1.customers.delete, customer_id)
        except stripe_gateway.PaymentServiceDown as exc:
            cause = exc.__cause__
            if not (isinstance(cause, stripe.InvalidRequestError) and cause.http_status == 404):
                raise
    return {"stripe_customers": len(customers)}


def step_files(request, user) -> dict:
    """Delete from storage every file erasure removes: of rows it deletes, and the file
    fields it blanks on rows it keeps (hand-ins, reviewer copies, post images, avatars)."""
    deleted = 0
    for model in registry.subject_models():
        d = registry.declaration_for(model)
        if registry._history_base(model) is not None or (
            d.on_erasure == Erasure.FOLLOWS_ACCOUNT and not d.scrub
        ):
            continue
        names = None if d.on_erasure == Erasure.DELETE else set(blanked_fields(model))
        fields = _file_fields(model, names)
        if not fields:
            continue
        rows = registry.subject_queryset(model, user)
        for ids in _batches(rows):
            for values in model._base_manager.filter(pk__in=ids).values(*[f.name for f in fields]):
                for f in fields:
                    name = values[f.name]
                    if name:
                        f.storage.delete(name)
                        deleted += 1
    return {"files": deleted}


def step_forms(request, user) -> dict:
    """Wagtail form submissions that hold the member's address."""
    from wagtail.contrib.forms.models import FormSubmission

    needle = (request.former_names or [user.email])[0]
    rows = FormSubmission.objects.filter(form_data__icontains=needle)
    deleted = 0
    for ids in _batches(rows):
        deleted += (
            FormSubmission.objects.filter(pk__in=ids).delete()[1].get(FormSubmission._meta.label, 0)
        )
    return {"form_submissions": deleted}


def step_model(model) -> Callable:
    def run(request, user) -> dict:
        d = registry.declaration_for(model)
        rows = registry.subject_queryset(model, user)
        done = 0
        if d.on_erasure == Erasure.DELETE:
            for ids in _batches(rows):
                deleted = model._base_manager.filter(pk__in=ids).delete()[1]
                done += deleted.get(model._meta.label, 0)
            return {model._meta.label_lower: done} if done else {}
        blanks = {name: _blank(model._meta.get_field(name)) for name in blanked_fields(model)}
        if any(isinstance(c, models.CheckConstraint) for c in model._meta.constraints):
            # A row that must hold something (a hand-in: text, a link or a file) keeps
            # a word that says what happened instead of an empty text.
            for name, value in blanks.items():
                if value == "" and isinstance(model._meta.get_field(name), models.TextField):
                    blanks[name] = ERASED_TEXT
        for ids in _batches(rows):
            if blanks:
                model._base_manager.filter(pk__in=ids).update(**blanks)
            done += len(ids)
        return {model._meta.label_lower: done} if done else {}

    return run


def step_history_users(request, user) -> dict:
    """History rows of any model that name the member as the one who made a change."""
    done = 0
    for model in apps.get_models():
        if registry._history_base(model) is None:
            continue
        done += model._base_manager.filter(history_user_id=user.pk).update(history_user=None)
    return {"history_changes_by_member": done}


# Set by step_account itself, not emptied.
ACCOUNT_SET = {"username", "email", "password"}


def step_account(request, user) -> dict:
    """The account: shown as "a former member", unreachable, unable to sign in."""
    user.username = f"former-{secrets.token_hex(6)}"
    user.first_name = user.last_name = user.display_name = ""
    user.email = f"erased-{user.pk}@invalid"
    user.set_unusable_password()  # a new hash: every session of the account ends
    user.is_active = user.is_staff = False
    # Every other personal detail the registry declares on the account (address,
    # phone, organisation, bio, photo, preferences): emptied, so a field added to the
    # account later is erased as soon as it is declared.
    declaration = registry.declaration_for(User)
    for name in declaration.personal:
        f = User._meta.get_field(name)
        if name in ACCOUNT_SET or not isinstance(f, (models.CharField, models.TextField)):
            continue
        setattr(user, name, "")
    if user.photo:
        user.photo = ""  # the file itself went in the files step
    user.last_login = None
    user.erased_at = user.erased_at or timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return {"accounts": 1}


def step_sessions(request, user) -> dict:
    """Sign-in sessions of the account (they stopped working with the new password
    hash; this removes their rows too)."""
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for ids in _batches(live):
        mine = [
            s.session_key
            for s in Session.objects.filter(pk__in=ids)
            if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
        ]
        if mine:
            ended += Session.objects.filter(pk__in=mine).delete()[0]
    return {"sessions": ended}


def _pattern(names: Iterable[str]) -> re.Pattern | None:
    names = sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE
    )


def _replace(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(FORMER_MEMBER, value)
    if isinstance(value, list):
        return [_replace(v, pattern) for v in value]
    if isinstance(value, dict):
        return {_replace(k, pattern): _replace(v, pattern) for k, v in value.items()}
    return value


def _mention_columns() -> Iterable[tuple[type[models.Model], models.Field]]:
    """Every free-text column of every declared model, but accounts (another member
    may share a first name) and the erasure requests themselves."""
    skip = {"lms.user", "privacy.erasurerequest"}
    for model in apps.get_models():
        if model._meta.label_lower in skip or registry.declaration_for(model) is None:
            continue
        if not model._meta.managed or model._meta.proxy:
            continue
        for f in model._meta.concrete_fields:
            if f.choices or f.primary_key or f.is_relation or f.unique:
                continue
            if isinstance(f, (models.CharField, models.TextField, models.JSONField)):
                yield model, f


def step_mentions(request, user) -> dict:
    """Others' text that names the member (an @mention, a quoted name, a stored title)
    gets "a former member" in place of each former name."""
    names = request.former_names
    pattern = _pattern(names)
    if pattern is None:
        return {}
    changed = 0
    for model, f in _mention_columns():
        for name in names:
            if not name or len(name) < 2:
                continue
            rows = model._base_manager.filter(**{f"{f.attname}__icontains": name})
            for ids in _batches(rows):
                for pk, value in model._base_manager.filter(pk__in=ids).values_list(
                    "pk", f.attname
                ):
                    new = _replace(value, pattern)
                    if new != value:
                        model._base_manager.filter(pk=pk).update(**{f.attname: new})
                        changed += 1
    return {"mentions": changed}


def steps() -> list[tuple[str, Callable]]:
    """Every step, in order: a name (what ``steps_done`` records) and its function."""
    records = [
        (f"records:{model._meta.label_lower}", step_model(model))
        for model in registry.subject_models()
        if model._meta.label_lower not in {"lms.user", "privacy.erasurerequest"}
    ]
    return [
        ("stripe", step_stripe),
        ("files", step_files),
        ("forms", step_forms),
        *records,
        ("history_users", step_history_users),
        ("account", step_account),
        ("sessions", step_sessions),
        ("mentions", step_mentions),
    ]


# --- The run ------------------------------------------------------------------------


def _locked(request_id: int) -> ErasureRequest:
    return ErasureRequest.objects.select_for_update().select_related("user").get(pk=request_id)


def _former_names(user: User) -> list[str]:
    full = f"{user.first_name} {user.last_name}".strip()
    names = [user.email, user.username, user.display_name, full, user.last_name, user.first_name]
    return [n for n in dict.fromkeys(n.strip() for n in names) if n]


def _start(request_id: int, now: dt.datetime) -> ErasureRequest | None:
    """Move the request to running (or resume it); None: nothing to run."""
    from privacy.services.erasures import erasure_refusal

    with transaction.atomic():
        request = _locked(request_id)
        if request.status == ErasureStatus.RUNNING:
            return request  # resumed after a worker died
        due = (request.status == ErasureStatus.REQUESTED and request.runs_after <= now) or (
            request.status == ErasureStatus.FAILED
        )
        if not due:
            return None
        if request.started_at is None:
            user = request.user
            request.notify_email = user.email
            request.language = user.language
            request.former_names = _former_names(user)
        request.attempts += 1
        request.retry_at = None
        request.started_at = request.started_at or now
        ERASURE_MACHINE.move(request, ErasureStatus.RUNNING, reason="started", now=now)
        event_add(request, ErasureEventKind.STARTED, now=now)
        refusal = erasure_refusal(request.user, now=now)
    if refusal:
        raise ErasureRefused(refusal)
    return request


def _fail(request_id: int, error: BaseException) -> ErasureRequest:
    from privacy.services.erasures import AUTO_ATTEMPTS, retry_delay

    now = timezone.now()
    with transaction.atomic():
        request = _locked(request_id)
        request.error = f"{type(error).__name__}: {error}"[:2000]
        request.retry_at = (
            now + retry_delay(request.attempts) if request.attempts < AUTO_ATTEMPTS else None
        )
        ERASURE_MACHINE.move(request, ErasureStatus.FAILED, reason="failed", now=now)
        event_add(request, ErasureEventKind.FAILED, error=request.error, now=now)
    return request


def _finish(request_id: int) -> ErasureRequest:
    now = timezone.now()
    with transaction.atomic():
        request = _locked(request_id)
        if request.notify_email:
            email_address_once(
                kind=Kind.ERASURE_DONE,
                key=f"erasure-done:{request.pk}",
                to=request.notify_email,
                params={},
                language=request.language,
            )
        request.notify_email = ""
        request.former_names = []
        request.error = ""
        ERASURE_MACHINE.move(request, ErasureStatus.DONE, reason="done", now=now)
        event_add(request, ErasureEventKind.DONE, counts=request.counts, now=now)
    return request


def erasure_run(request_id: int, *, now: dt.datetime | None = None) -> ErasureRequest:
    """Run (or resume) one erasure; safe to call again at any point: steps done are
    skipped, a done or cancelled request is left as it is."""
    now = now or timezone.now()
    try:
        request = _start(request_id, now)
    except ErasureRefused as refusal:
        return _fail(request_id, refusal)
    if request is None:
        return ErasureRequest.objects.get(pk=request_id)
    for name, run in steps():
        try:
            with transaction.atomic():
                request = _locked(request_id)
                if request.status != ErasureStatus.RUNNING:
                    return request  # another worker finished or failed it meanwhile
                if name in request.steps_done:
                    continue
                counts = run(request, request.user)
                for kind, n in counts.items():
                    request.counts[kind] = request.counts.get(kind, 0) + n
                request.steps_done = [*request.steps_done, name]
                request.save(update_fields=["steps_done", "counts", "updated_at"])
                event_add(request, ErasureEventKind.STEP, step=name, counts=counts)
        except Exception as exc:
            logger.exception("Erasure %s failed at %s", request_id, name)
            return _fail(request_id, exc)
    try:
        return _finish(request_id)
    except Exception as exc:  # the confirmation could not be sent: retried
        logger.exception("Erasure %s could not finish", request_id)
        return _fail(request_id, exc)
