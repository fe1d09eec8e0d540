"""Settings for Cohort LMS: one module, driven by environment variables.

The defaults give the embedded mode: SQLite, a filesystem Celery broker and console
email, so the product runs with no server at all. ``LMS_ENV=production`` switches the
safety checks on and refuses to start with a default secret key.
"""

import datetime as dt
import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LMS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


LMS_ENV = os.environ.get("LMS_ENV", "development")
PRODUCTION = LMS_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
_DEFAULT_SECRET = "embedded-development-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEFAULT_SECRET)
if PRODUCTION and (SECRET_KEY == _DEFAULT_SECRET or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "LMS_ENV=production needs DJANGO_SECRET_KEY set to a random value of at least "
        "40 characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("LMS_ENV=production needs DJANGO_ALLOWED_HOSTS.")
INSTALLED_APPS = [
    "lms",
    "cms",
    "cohorts",
    "assignments",
    "reviews",
    "payments",
    "badges",
    "live",
    "community",
    "memberships",
    "privacy",
    "notifications",
    "portal",
    "home",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files from here, not a CDN (offline, CSP)
    "csp",
    "simple_history",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: a request larger than its path accepts gets a
    # 413 without being read.
    "lms.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lms.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Loads the user itself: a connection lost there or in the view is retried or a 503.
    "lms.dropped_connection.DroppedConnectionMiddleware",
    "lms.middleware.UserPreferencesMiddleware",
    "lms.middleware.DomainErrorMiddleware",
    "lms.middleware.ControlCharacterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into lms.security's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
AUTH_USER_MODEL = "lms.User"
# django-axes first: it refuses a locked-out username and address before the password
# is checked. Every sign-in must pass the request to authenticate() for this.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cohorts:my_cohorts"
LOGOUT_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "notifications.context_processors.unread_notifications",
                "community.context_processors.community_unread",
            ],
        },
    },
]
# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's write lock at BEGIN, so two requests racing for the last
    # seat are serialised instead of both reading the old seat count.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Names each process's connections in pg_stat_activity (web, worker, beat).
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = os.environ.get(
        "LMS_DB_APPLICATION_NAME", "lms"
    )
# A request that lost its database connection is answered 503 with this Retry-After.
LMS_DB_RETRY_AFTER_SECONDS = int(os.environ.get("LMS_DB_RETRY_AFTER_SECONDS", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule for passwords: revokes the user's API tokens whenever one is set.
    {"NAME": "lms.security.ApiTokensEndWithThePassword"},
]
# --- Internationalisation and time ----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Shown to visitors who have neither a profile timezone nor a browser-reported one.
LMS_DEFAULT_VIEWER_TIMEZONE = os.environ.get("LMS_DEFAULT_VIEWER_TIMEZONE", "Europe/Amsterdam")
# --- Static and media files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Students' submitted files: never under MEDIA_URL, only served through the access-
    # checked download views. Point it at S3-compatible storage in production (README).
    "submissions": {
        "BACKEND": os.environ.get(
            "LMS_SUBMISSIONS_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(os.environ["LMS_SUBMISSIONS_STORAGE_OPTIONS"])
        if os.environ.get("LMS_SUBMISSIONS_STORAGE_OPTIONS")
        else {"location": str(VAR_DIR / "submissions"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# What students may hand in as a file.
LMS_SUBMISSION_MAX_BYTES = int(os.environ.get("LMS_SUBMISSION_MAX_BYTES", 20 * 1024 * 1024))
LMS_SUBMISSION_EXTENSIONS = os.environ.get(
    "LMS_SUBMISSION_EXTENSIONS", "pdf,docx,odt,txt,md,rtf,pptx,xlsx,png,jpg,jpeg,zip"
).split(",")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Request bodies: LMS_REQUEST_MAX_BYTES anywhere, the paths below their largest file plus
# room for the form; larger ones get a 413 before being read (lms.middleware).
LMS_REQUEST_MAX_BYTES = int(os.environ.get("LMS_REQUEST_MAX_BYTES", 2_621_440))
LMS_UPLOAD_FORM_OVERHEAD_BYTES = 256 * 1024
LMS_UPLOAD_PATHS = [
    # (path pattern, the settings that name the largest file it takes)
    (
        r"^/admin/",
        [
            "WAGTAILDOCS_MAX_UPLOAD_SIZE",
            "WAGTAILIMAGES_MAX_UPLOAD_SIZE",
            "LMS_BADGE_IMAGE_MAX_BYTES",
        ],
    ),
    (r"^/learn/\d+/assignments/\d+/submit/$", ["LMS_SUBMISSION_MAX_BYTES"]),
    (r"^/api/v1/cohorts/\d+/assignments/\d+/submission/$", ["LMS_SUBMISSION_MAX_BYTES"]),
]
# Django's own cap on what is read into memory outside files.
DATA_UPLOAD_MAX_MEMORY_SIZE = LMS_REQUEST_MAX_BYTES
# How long "grade next" reserves a submission for one instructor.
LMS_GRADING_LEASE_MINUTES = int(os.environ.get("LMS_GRADING_LEASE_MINUTES", "30"))
# The Join button of a live session opens this many minutes before the start.
LMS_LIVE_JOIN_EARLY_MINUTES = int(os.environ.get("LMS_LIVE_JOIN_EARLY_MINUTES", "10"))
# Session reminders go this many minutes before the start (comma-separated).
LMS_SESSION_REMINDER_MINUTES = [
    int(m) for m in os.environ.get("LMS_SESSION_REMINDER_MINUTES", "1440,15").split(",") if m
]
# Daily digests go out once the recipient's local clock passes this hour.
LMS_DIGEST_HOUR = int(os.environ.get("LMS_DIGEST_HOUR", "7"))


# --- Links ----------------------------------------------------------------------------
def _served_at() -> str:
    """Where `make run` (HOST, PORT) or the Procfile's server (PORT) listens."""
    host = os.environ.get("HOST", "").strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # noqa: S104 (every interface: link to this machine)
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('PORT', '').strip() or '8000'}"


# The site's address for links made without a request: emails sent by tasks, Open
# Badges ids (which must not change, so set it in production), calendar entries.
# Links on pages follow the request instead (lms.links.absolute_url).
LMS_BASE_URL = os.environ.get("LMS_BASE_URL", "").strip() or _served_at()

# --- Wagtail --------------------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("LMS_SITE_NAME", "Cohort LMS")
WAGTAILADMIN_BASE_URL = LMS_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Wagtail's serve view checks the curriculum lock on every document download (cms.wagtail_hooks).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# No avatars from gravatar.com: the admin loads nothing from other sites (CSP, privacy).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor does it ask releases.wagtail.org for new versions from every editor's browser.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lms.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's, with limits: too-deep JSON, oversized bodies and control characters
    # are a 400 with a message, not a server error.
    "DEFAULT_PARSER_CLASSES": [
        "lms.parsers.JSONParser",
        "lms.parsers.FormParser",
        "lms.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "lms.api.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "lms.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The client address for throttles: see LMS_TRUSTED_PROXY_COUNT.
    "NUM_PROXIES": None,
    "DEFAULT_THROTTLE_RATES": {
        # POST /api/v1/auth/token/ per client address, whatever the username.
        "api_token": os.environ.get("LMS_API_TOKEN_RATE", "10/minute"),
        "community_image": os.environ.get("LMS_COMMUNITY_IMAGE_RATE", "60/hour"),
        "community_search": os.environ.get("LMS_COMMUNITY_SEARCH_RATE", "60/minute"),
        "memberships": os.environ.get("LMS_MEMBERSHIP_RATE", "30/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cohort LMS API",
    "DESCRIPTION": "Catalogue, cohorts, enrolment, curriculum and progress; assignments, "
    "hand-ins, peer review, grades and the instructors' grading queue.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN, no "@latest".
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Only our own API; Wagtail's admin API is internal to the admin.
    "PREPROCESSING_HOOKS": ["lms.api.public_endpoints_only"],
    "ENUM_NAME_OVERRIDES": {
        "EnrolmentStatusEnum": "cohorts.models.EnrolmentStatus",
        "RsvpAnswerEnum": "live.models.RsvpAnswer",
        "NotificationKindEnum": "notifications.models.Kind",
        "ReviewKindEnum": "reviews.models.ReviewKind",
        "NotificationDeliveryEnum": "notifications.models.Delivery",
        "SpaceKindEnum": "community.models.SpaceKind",
        "ReactionKindEnum": "community.models.ReactionKind",
        "ReportReasonEnum": "community.models.ReportReason",
        "ReportStatusEnum": "community.models.ReportStatus",
        "MembershipStatusEnum": "memberships.models.MembershipStatus",
        "CancelReasonEnum": "memberships.models.CancelReason",
    },
}

# --- Accounts: sign-in lockout and API tokens -------------------------------------------
# Reverse proxies (each adding to X-Forwarded-For) in front of the app, for the sign-in
# lockout and API throttles. 0: the address is REMOTE_ADDR; X-Forwarded-For is ignored.
LMS_TRUSTED_PROXY_COUNT = int(os.environ.get("LMS_TRUSTED_PROXY_COUNT", "0"))
REST_FRAMEWORK["NUM_PROXIES"] = LMS_TRUSTED_PROXY_COUNT
# Wrong passwords for one username from one address before both are locked out...
LMS_LOGIN_FAILURE_LIMIT = int(os.environ.get("LMS_LOGIN_FAILURE_LIMIT", "5"))
# ...wrong passwords from one address, over all usernames, before it is locked out (0: no
# such limit). Higher, so that one person cannot lock out a whole office behind one NAT.
LMS_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LMS_LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
# ...and for how long (failures older than this no longer count either).
LMS_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LMS_LOGIN_LOCKOUT_MINUTES", "15"))
AXES_ENABLED = env_bool("LMS_LOGIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = LMS_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LMS_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "lms.security.SignInAttemptHandler"
AXES_LOCKOUT_CALLABLE = "lms.security.locked_out_response"
AXES_CLIENT_IP_CALLABLE = "lms.security.client_address"
# A successful sign-in clears that username's failures from that address.
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out do not extend the lockout: the wait we announce holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Only failures are kept (and only for the lockout period); not a log of every sign-in.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# API tokens (django-rest-knox): stored hashed, sent as "Authorization: Token <key>".
# knox's table is swapped for lms.ApiToken; its migrations would still create it (and its
# foreign key would block a PostgreSQL flush), so knox runs without migrations.
MIGRATION_MODULES = {"knox": None}
KNOX_TOKEN_MODEL = "lms.ApiToken"  # noqa: S105 (a model name)
# Days a new token lives; 0: until revoked.
LMS_API_TOKEN_TTL_DAYS = int(os.environ.get("LMS_API_TOKEN_TTL_DAYS", "90"))
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": dt.timedelta(days=LMS_API_TOKEN_TTL_DAYS) if LMS_API_TOKEN_TTL_DAYS else None,
    "AUTO_REFRESH": False,
}

# --- Celery ---------------------------------------------------------------------------
# The embedded broker: files under var/ (no Redis for `make run`), polled 10 times a second.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
# An unacknowledged message (its worker died) returns after this: > any task or retry (300 s).
LMS_BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("LMS_BROKER_VISIBILITY_TIMEOUT", "600"))
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        **{f"{k}_folder": str(VAR_DIR / "broker" / k) for k in ("processed", "control")},
        **{f"data_folder_{k}": str(VAR_DIR / "broker" / "queue") for k in ("in", "out")},
        "store_processed": False,
        "polling_interval": 0.1,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # A silent broker fails a connect or command (a publish) after 10 s, not never; a
    # consumer on a half-open connection reconnects within a minute (kombu's checks).
    else {"visibility_timeout": LMS_BROKER_VISIBILITY_TIMEOUT, "socket_timeout": 10}
)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport, with a worker that survives a broker restart mid-task.
    CELERY_BROKER_TRANSPORT = "lms.broker:Transport"
# A worker waits for the broker however long it is gone (by default it exits after 100
# attempts), also after a Redis error reply; a publish retries for about 5 s.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CHANNEL_ERROR_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 5, "interval_step": 0.5, "interval_max": 2}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# Acknowledged when the task has finished, handed back when its process died, so a crash
# never loses work (tasks are idempotent); one message reserved per process; a task that
# runs when the broker connection drops finishes (Celery 6 would kill it by default).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Sweeps find work every LMS_SWEEP_SECONDS; a dead delivery releases its emails after the
# lease: after a crash all goes out within lease + sweep (3 min). Every task is idempotent.
LMS_SWEEP_SECONDS = int(os.environ.get("LMS_SWEEP_SECONDS", "60"))
LMS_DELIVERY_LEASE_SECONDS = int(os.environ.get("LMS_DELIVERY_LEASE_SECONDS", "120"))
CELERY_BEAT_SCHEDULE = {
    name: {"task": task, "schedule": seconds}
    for name, task, seconds in (
        ("complete-ended-cohorts", "cohorts.tasks.complete_ended_cohorts", 15 * 60),
        ("fill-freed-seats", "cohorts.tasks.fill_freed_seats", 5 * 60),
        # Ends unpaid seat holds; dunning (reminders, access paused past the grace).
        ("expire-payment-holds", "payments.tasks.expire_payment_holds", LMS_SWEEP_SECONDS),
        # Peer review allocation, reassignment, closing and grade release; catches up.
        ("review-tick", "reviews.tasks.review_tick", 60),
        # Re-evaluates running cohorts: catches an event whose evaluation was lost.
        ("badges-sweep", "badges.tasks.sweep_running_cohorts", 24 * 60 * 60),
        ("badges-resume", "badges.tasks.resume_reevaluations", LMS_SWEEP_SECONDS),
        # Notifications: each producer makes one row per user, kind and key.
        ("session-reminders", "notifications.tasks.session_reminders", 60),
        ("module-unlocks", "notifications.tasks.module_unlocks", 5 * 60),
        ("assignments-due", "notifications.tasks.assignments_due", 15 * 60),
        ("deliver-notifications", "notifications.tasks.deliver_pending", LMS_SWEEP_SECONDS),
        ("notification-digests", "notifications.tasks.send_digests", 60 * 60),
        ("activation-emails", "lms.tasks.resume_activation_emails", LMS_SWEEP_SECONDS),
        # Community: posts whose notifications were not made, welcomes that were lost.
        ("community-resume", "community.tasks.resume", LMS_SWEEP_SECONDS),
        ("memberships-sweep", "memberships.tasks.sweep", LMS_SWEEP_SECONDS),
        ("memberships-daily", "memberships.tasks.daily", 60 * 60),
        ("memberships-reconcile", "memberships.tasks.reconcile", 24 * 60 * 60),
        # Privacy: erasures whose cool-off ended (and retries); retention once a day.
        ("privacy-erasures", "privacy.tasks.run_due_erasures", 5 * 60),
        ("privacy-retention", "privacy.tasks.retention_tick", 60 * 60),
        ("privacy-exports", "privacy.tasks.exports_sweep", 15 * 60),  # expiry, lost builds
    )
}
# --- Badges (Open Badges 2.0) ---------------------------------------------------------
# Published in every badge's issuer profile; verifiers show it to whoever checks.
LMS_BADGE_ISSUER_NAME = os.environ.get("LMS_BADGE_ISSUER_NAME", "")
LMS_BADGE_ISSUER_EMAIL = os.environ.get("LMS_BADGE_ISSUER_EMAIL", "badges@example.org")
LMS_BADGE_IMAGE_MAX_BYTES = int(os.environ.get("LMS_BADGE_IMAGE_MAX_BYTES", 512 * 1024))

# --- Payments -------------------------------------------------------------------------
# Shown on invoices: where students transfer the money to.
LMS_INVOICE_PAYEE = os.environ.get("LMS_INVOICE_PAYEE", "Cohort LMS")
LMS_INVOICE_IBAN = os.environ.get("LMS_INVOICE_IBAN", "NL00 BANK 0123 4567 89")
# Stripe: with a secret key, paid online through Stripe Checkout; else by invoice.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET.strip():
    # Without it no payment can be confirmed, and an unsigned event must never count.
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is empty: set "
        "STRIPE_WEBHOOK_SECRET to the signing secret (whsec_...) of the webhook endpoint "
        "https://<host>/payments/stripe/webhook/ in Stripe's dashboard, or unset "
        "STRIPE_SECRET_KEY to invoice every paid cohort."
    )
LMS_COUPON_FAILURES_PER_USER = int(os.environ.get("LMS_COUPON_FAILURES_PER_USER", "10"))
LMS_COUPON_FAILURES_PER_ADDRESS = int(os.environ.get("LMS_COUPON_FAILURES_PER_ADDRESS", "30"))
LMS_COUPON_FAILURE_WINDOW = int(os.environ.get("LMS_COUPON_FAILURE_WINDOW", "3600"))  # seconds
# Days a failed payment may stay unpaid before access pauses; reminder days (once each).
LMS_PAYMENT_GRACE_DAYS = int(os.environ.get("LMS_PAYMENT_GRACE_DAYS", "7"))
LMS_DUNNING_REMINDER_DAYS = os.environ.get("LMS_DUNNING_REMINDER_DAYS", "3,6")
# Memberships paid by invoice: sent this many days before the period ends, due after.
LMS_MEMBERSHIP_INVOICE_LEAD_DAYS = int(os.environ.get("LMS_MEMBERSHIP_INVOICE_LEAD_DAYS", "14"))
LMS_MEMBERSHIP_INVOICE_DAYS = int(os.environ.get("LMS_MEMBERSHIP_INVOICE_DAYS", "14"))
LMS_MEMBERSHIP_MAX_PAUSE_MONTHS = int(os.environ.get("LMS_MEMBERSHIP_MAX_PAUSE_MONTHS", "3"))

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Cohort LMS <noreply@localhost>")
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- Privacy, in days (LMS_PRIVACY_<NAME>): cool-off, export links, retention ---------
_PRIVACY_DAYS = "ERASURE_COOL_OFF_DAYS=14 EXPORT_LINK_DAYS=7 UNACTIVATED_DAYS=30"
_PRIVACY_DAYS += " NOTIFICATION_DAYS=365 INACTIVE_DAYS=1095 INACTIVE_WARNING_DAYS=30"
LMS_PRIVACY = {
    k: int(os.environ.get(f"LMS_PRIVACY_{k}", d))
    for k, d in (pair.split("=") for pair in _PRIVACY_DAYS.split())
}
# --- Cache ----------------------------------------------------------------------------
# Login lockouts, API throttles and failed coupon codes count in the cache: one per
# process in the embedded mode; set a shared one for several: redis://host:6379/1.
LMS_CACHE_URL = os.environ.get("LMS_CACHE_URL", "")
if LMS_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": LMS_CACHE_URL,
        }
    }
elif LMS_CACHE_URL in ("", "locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        "LMS_CACHE_URL must be a redis:// (or rediss://) address, or locmem:// for one "
        f"process; got {LMS_CACHE_URL!r}."
    )

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only in production. HSTS: a year there, 0 elsewhere (localhost would stay https);
# lower it while trying HTTPS out; no INCLUDE_SUBDOMAINS/PRELOAD while a subdomain is http.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
_HSTS_DEFAULT = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", _HSTS_DEFAULT))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
# Only Wagtail's preview frames our pages (setting SAMEORIGIN itself); CSP says so too.
X_FRAME_OPTIONS = os.environ.get("DJANGO_X_FRAME_OPTIONS", "DENY")

# Content-Security-Policy (django-csp), set by lms.middleware.ContentSecurityPolicyMiddleware.
# The site runs only its own scripts and styles (inline ones carry the per-request
# nonce); lesson videos are YouTube and Vimeo frames. The Wagtail admin has its own,
# looser policy for scripts and styles (LMS_ADMIN_CONTENT_SECURITY_POLICY below).
LMS_CSP_FRAME_SRC = env_list(
    "LMS_CSP_FRAME_SRC",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com",
)
# Forms whose answer redirects elsewhere: "Pay" goes to Stripe Checkout and "Manage
# payment method" to Stripe's portal, and browsers hold such redirects to form-action.
LMS_CSP_FORM_ACTION = env_list(
    "LMS_CSP_FORM_ACTION", "https://checkout.stripe.com,https://billing.stripe.com"
)
_CSP_COMMON = {
    "default-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "media-src": [SELF],
    "frame-src": [SELF, *LMS_CSP_FRAME_SRC],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF, *LMS_CSP_FORM_ACTION],
    "frame-ancestors": [SELF],
}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **_CSP_COMMON,
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
    }
}
LMS_ADMIN_CSP_PREFIX = "/admin/"
LMS_ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **_CSP_COMMON,
        # Wagtail's admin runs inline scripts it cannot give a nonce: its date and time
        # widgets, inline panels, and the StreamField blocks its own script inserts.
        # Scripts still come only from this site, and connections, images, frames and
        # form posts go nowhere else.
        "script-src": [SELF, UNSAFE_INLINE],
        # And style attributes in its markup (progress bars, previews).
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
    }
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LMS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail logs every background index update at INFO; keep the console readable.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
