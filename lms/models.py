from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from lms.profile import COUNTRIES, photo_upload_to


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person using the LMS. Roles come from cohorts (student, instructor) and from
    Wagtail groups (course designers, staff), not from fields here."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    timezone = models.CharField(
        _("timezone"),
        max_length=64,
        blank=True,
        help_text=_("Times are shown in this zone. Empty: the zone your browser reports."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the language your browser prefers."),
    )
    # Set when the member was erased (privacy): the row stays, so that what they wrote
    # and the fiscal records still point somewhere, and is shown as "a former member".
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    # Personal details, for invoices and the profile: written by profile_update only.
    street_address = models.CharField(_("street address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    organisation = models.CharField(_("organisation"), max_length=150, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    bio = models.CharField(_("short bio"), max_length=500, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_upload_to, max_length=200, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [
            # The minute sweep for sign-up confirmations reads only accounts waiting
            # for theirs.
            models.Index(
                fields=["date_joined"],
                condition=Q(is_active=False, last_login__isnull=True),
                name="user_awaiting_activation",
            ),
        ]

    def __str__(self) -> str:
        return self.get_display_name()

    def get_display_name(self) -> str:
        if self.erased_at is not None:
            return str(_("a former member"))
        return self.display_name or self.get_full_name() or self.username


class ProfileChange(models.Model):
    """Who changed which of a member's personal details, and when. The field names only,
    not the old values: the record answers "who changed my address?" without keeping
    addresses a member has left behind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="profile_changes",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))
    fields = models.JSONField(_("fields changed"), default=list)

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}: {', '.join(self.fields)}"


class SentEmail(models.Model):
    """A sent-marker: one row per email that must go out at most once.

    The unique key makes a retried task, a restarted beat or two workers agree on who
    sends; the row is written in the same transaction as the send attempt, so a failed
    send leaves no marker and is retried.
    """

    key = models.CharField(max_length=200, unique=True)
    recipient = models.EmailField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sent email")
        verbose_name_plural = _("sent emails")

    def __str__(self) -> str:
        return self.key


class ApiToken(AbstractAuthToken):
    """A key for the API, stored hashed (knox): the key itself is shown once, when it
    is made. It expires (LMS_API_TOKEN_TTL_DAYS), and its owner can revoke it; a
    password change or reset revokes all of them."""

    # A plain id to name a token in addresses (knox's own key is the digest).
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("Which program or device uses this token, so you can tell them apart."),
    )
    # Written at most every few minutes (see lms.api.ApiTokenAuthentication).
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.token_key[:8]}… ({self.user_id})"

    @property
    def prefix(self) -> str:
        """The first characters of the key: enough to recognise it, useless to guess it."""
        return self.token_key[:8]
