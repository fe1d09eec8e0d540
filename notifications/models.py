"""In-app notifications, their email delivery, and each user's choice per kind.

A notification is one row, unique on (user, kind, key): whoever produces it (a beat
tick, a retried task, two workers at once) inserts with ON CONFLICT DO NOTHING, so it
exists once, and its email is keyed on that row, so it is sent once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SESSION_REMINDER = "session_reminder", _("Live session reminders")
    SESSION_CHANGED = "session_changed", _("Live session moved or cancelled")
    MODULE_UNLOCKED = "module_unlocked", _("A module opens")
    ASSIGNMENT_DUE = "assignment_due", _("Assignment due in 48 hours")
    REVIEWS_ASSIGNED = "reviews_assigned", _("Peer reviews to write")
    FEEDBACK_RECEIVED = "feedback_received", _("Feedback received")
    GRADE_RELEASED = "grade_released", _("Grade released")
    REGRADE_ANSWERED = "regrade_answered", _("Regrade answered")
    BADGE_AWARDED = "badge_awarded", _("A badge earned")
    WAITLIST_PROMOTED = "waitlist_promoted", _("A seat from the waitlist")
    INVOICE = "invoice", _("Invoices")
    RECEIPT = "receipt", _("Payment receipts")
    INSTALMENT_FAILED = "instalment_failed", _("An instalment did not go through")
    ACCESS_SUSPENDED = "access_suspended", _("Access paused for an unpaid instalment")
    ACCESS_RESTORED = "access_restored", _("Access back after a payment")
    REFUNDED = "refunded", _("Refunds")
    DEFERRAL = "deferral", _("Requests to move your seat")
    PAYMENT_FAILED = "payment_failed", _("A payment did not go through")
    PAYMENT_REMINDER = "payment_reminder", _("Reminders of a payment still due")
    PAYMENT_ACCESS_PAUSED = "payment_access_paused", _("Access paused for a payment due")
    PAYMENT_SETTLED = "payment_settled", _("A payment due was made")
    COMMUNITY_WELCOME = "community_welcome", _("Welcome to a cohort's community")
    COMMUNITY_MENTION = "community_mention", _("Someone mentioned you")
    COMMUNITY_REPLY = "community_reply", _("Replies to your posts")
    COMMUNITY_ANSWER = "community_answer", _("Answers to your questions")
    COMMUNITY_ANNOUNCEMENT = "community_announcement", _("New announcements")
    COMMUNITY_FOLLOWED = "community_followed", _("New posts in threads you follow")
    MEMBERSHIP = "membership", _("Your membership and its payments")
    MEMBERSHIP_MILESTONE = "membership_milestone", _("Membership anniversaries")
    ACCOUNT_INACTIVE = "account_inactive", _("Your unused account is about to be erased")
    ERASURE_REQUESTED = "erasure_requested", _("Your request to be erased")
    ERASURE_CANCELLED = "erasure_cancelled", _("Your erasure cancelled")
    ERASURE_DONE = "erasure_done", _("Your data erased")
    DATA_EXPORT_READY = "data_export_ready", _("Your data export is ready")
    CONSENT_CONFIRM = "consent_confirm", _("Confirm a subscription you asked for")


# Kinds that ignore preferences: emailed at once, never in a digest, and shown as fixed
# on the preferences page. Each is about money owed or paid, a seat, access to a course
# the person pays for, or the answer to a request they made: missing one can cost them
# a seat, money or access. (A badge is good news, not a duty: it follows preferences.)
ALWAYS_EMAILED: frozenset[str] = frozenset(
    {
        Kind.WAITLIST_PROMOTED,  # a seat is theirs; they may need to give it back
        Kind.INVOICE,  # the seat is held only until it is paid
        Kind.RECEIPT,  # proof of payment
        Kind.INSTALMENT_FAILED,  # access pauses unless they act within the grace days
        Kind.ACCESS_SUSPENDED,
        Kind.ACCESS_RESTORED,
        Kind.REFUNDED,  # money back
        Kind.DEFERRAL,  # the answer to their own request to move their seat
        Kind.MEMBERSHIP,  # what they pay, when, and what they have access to
        Kind.PAYMENT_FAILED,  # access pauses unless they act within the grace days
        Kind.PAYMENT_REMINDER,
        Kind.PAYMENT_ACCESS_PAUSED,
        Kind.PAYMENT_SETTLED,
        Kind.ACCOUNT_INACTIVE,  # the last word before an unused account is erased
        # The answer to their own request to be erased, and the last chance to stop it.
        Kind.ERASURE_REQUESTED,
        Kind.ERASURE_CANCELLED,
        Kind.ERASURE_DONE,
        Kind.DATA_EXPORT_READY,  # the answer to their own request for their data
        Kind.CONSENT_CONFIRM,  # the answer to their own request to subscribe
    }
)


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", _("Email immediately")
    DIGEST = "digest", _("In a daily digest")
    OFF = "off", _("Off")


# The delivery of a kind for someone who has not chosen: immediately, except these.
# Threads one follows can be busy, so they come together once a day.
DEFAULT_DELIVERY: dict[str, str] = {Kind.COMMUNITY_FOLLOWED: Delivery.DIGEST}


def default_delivery(kind: str) -> str:
    return DEFAULT_DELIVERY.get(kind, Delivery.IMMEDIATELY)


class Preference(models.Model):
    """A user's choice for one kind; no row means the kind's default (``default_delivery``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # What makes this notification the same one when produced again, e.g.
    # "<session>:<lead minutes>:<start>" for a reminder.
    key = models.CharField(max_length=200)
    # The facts, rendered into text in the recipient's language and zone when shown.
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # How the email side was settled: the delivery chosen when the row was made, and
    # when it was emailed (alone or in a digest).
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # A delivery claims a few rows before it sends them (committed, so other deliveries
    # skip them) and marks each emailed right after its message. If it dies, its claim
    # runs out at this moment and another delivery takes the rows.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notification_once")
        ]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["delivery", "created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_to_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} ({self.key})"


# --- Consent to marketing email (GDPR/AVG) ----------------------------------------------


class ConsentList(models.TextChoices):
    """The mailing lists that need the person's consent. Service email (every Kind
    above) is part of the course or membership and follows Preference instead."""

    NEWSLETTER = "newsletter", _("Newsletter")
    NEWS = "news", _("News on my topics")


class ConsentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for your confirmation")
    GRANTED = "granted", _("Subscribed")
    WITHDRAWN = "withdrawn", _("Not subscribed")


class ConsentAction(models.TextChoices):
    REQUESTED = "requested", _("Asked to subscribe")
    GRANTED = "granted", _("Confirmed the subscription")
    WITHDRAWN = "withdrawn", _("Unsubscribed")


class ConsentSource(models.TextChoices):
    SIGNUP = "signup", _("Sign-up form")
    PORTAL = "portal", _("Email choices page")
    API = "api", _("API")
    EMAIL_LINK = "email_link", _("Link in an email")
    STAFF = "staff", _("Staff, on the member's request")
    ERASURE = "erasure", _("Account erased")


class Consent(models.Model):
    """The current state of one user's consent for one list.

    A state row beside the append-only ConsentEvent log rather than "the latest event":
    the row is what two requests lock (SELECT ... FOR UPDATE) when they race to change
    the same consent, and what a marketing send selects and locks per recipient, with
    an index on (list, status). The events are the proof; only the consent services
    write either, and always both in one transaction."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    mailing_list = models.CharField(_("list"), max_length=32, choices=ConsentList.choices)
    status = models.CharField(_("status"), max_length=16, choices=ConsentStatus.choices)
    changed_at = models.DateTimeField(_("changed at"))
    # The request that a confirmation link must name: while pending, the one waiting;
    # once granted, the one confirmed. A withdrawal clears it, so a link from before
    # the withdrawal (or from an older request) confirms nothing.
    request_event = models.ForeignKey(
        "ConsentEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["user", "mailing_list"], name="one_consent_per_list")
        ]
        indexes = [models.Index(fields=["mailing_list", "status"], name="consent_by_list_status")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.mailing_list}: {self.status}"


class ConsentEvent(models.Model):
    """One grant, withdrawal or request, as it happened: append-only proof of consent
    (article 7(1) GDPR). Requests and grants keep the exact text the person was shown
    and its language; a grant also names the request it confirms."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_events"
    )
    mailing_list = models.CharField(_("list"), max_length=32, choices=ConsentList.choices)
    action = models.CharField(_("action"), max_length=16, choices=ConsentAction.choices)
    source = models.CharField(_("how"), max_length=16, choices=ConsentSource.choices)
    text = models.TextField(_("text agreed to"), blank=True)
    language = models.CharField(_("language of the text"), max_length=10, blank=True)
    at = models.DateTimeField(_("when"))
    request = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Staff who recorded it on the member's behalf; empty when the member acted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [
            models.Index(fields=["user", "mailing_list", "at"], name="consent_event_history")
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.mailing_list} {self.action} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # A record of consent is evidence: it is added, never changed.
        if self.pk is not None and not self._state.adding:
            raise ValueError("Consent records are append-only.")
        super().save(*args, **kwargs)
