"""Settings for Cohort LMS: one module, driven by environment variables.

The defaults give the embedded mode: SQLite, a filesystem Celery broker and console
email, so the product runs with no server at all. ``LMS_ENV=production`` switches the
safety checks on and refuses to start with a default secret key.
"""

import json
import os
from pathlib import Path

import dj_database_url
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
    "notifications",
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
    "rest_framework.authtoken",
    "drf_spectacular",
    "simple_history",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.middleware.UserPreferencesMiddleware",
    "lms.middleware.DomainErrorMiddleware",
    "lms.middleware.ControlCharacterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
AUTH_USER_MODEL = "lms.User"
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
                "notifications.context_processors.unread_notifications",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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

# --- Wagtail --------------------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("LMS_SITE_NAME", "Cohort LMS")
WAGTAILADMIN_BASE_URL = os.environ.get("LMS_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Documents go through Wagtail's serve view so that the curriculum lock is checked on
# every download (see cms.wagtail_hooks).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
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
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "lms.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cohort LMS API",
    "DESCRIPTION": "Catalogue, cohorts, enrolment, curriculum and progress; assignments, "
    "hand-ins, peer review, grades and the instructors' grading queue.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Only our own API; Wagtail's admin API is internal to the admin.
    "PREPROCESSING_HOOKS": ["lms.api.public_endpoints_only"],
    "ENUM_NAME_OVERRIDES": {
        "EnrolmentStatusEnum": "cohorts.models.EnrolmentStatus",
        "RsvpAnswerEnum": "live.models.RsvpAnswer",
        "NotificationKindEnum": "notifications.models.Kind",
        "ReviewKindEnum": "reviews.models.ReviewKind",
        "NotificationDeliveryEnum": "notifications.models.Delivery",
    },
}

# --- Celery ---------------------------------------------------------------------------
# The embedded broker keeps messages as files under var/, so `make run` needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "complete-ended-cohorts": {
        "task": "cohorts.tasks.complete_ended_cohorts",
        "schedule": 15 * 60,
    },
    "fill-freed-seats": {
        "task": "cohorts.tasks.fill_freed_seats",
        "schedule": 5 * 60,
    },
    # Ends seat holds whose payment did not come, and pauses access where an instalment
    # stayed unpaid past the grace period. Idempotent.
    "expire-payment-holds": {
        "task": "payments.tasks.expire_payment_holds",
        "schedule": 60,
    },
    # Allocates peer reviews at deadlines, reassigns overdue reviews, closes review
    # periods and releases scheduled grades. Idempotent; a missed tick catches up.
    "review-tick": {
        "task": "reviews.tasks.review_tick",
        "schedule": 60,
    },
    # Badges are awarded by tasks queued on each event; this catches an event whose
    # task never reached the broker. Idempotent (one live award per badge and student).
    "badges-sweep": {
        "task": "badges.tasks.sweep_running_cohorts",
        "schedule": 24 * 60 * 60,
    },
    # Notifications: each producer is idempotent (one row per user, kind and key).
    "session-reminders": {
        "task": "notifications.tasks.session_reminders",
        "schedule": 60,
    },
    "module-unlocks": {
        "task": "notifications.tasks.module_unlocks",
        "schedule": 5 * 60,
    },
    "assignments-due": {
        "task": "notifications.tasks.assignments_due",
        "schedule": 15 * 60,
    },
    # Catches up emails whose on-commit kick was lost (a worker that died).
    "deliver-notifications": {
        "task": "notifications.tasks.deliver_pending",
        "schedule": 5 * 60,
    },
    "notification-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": 60 * 60,
    },
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
# Stripe: with a secret key, paid cohorts are paid online through Stripe Checkout;
# without one they are paid by invoice. STRIPE_API_BASE points the SDK elsewhere (tests).
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Days a failed instalment may stay unpaid (while Stripe retries) before access pauses.
LMS_PAYMENT_GRACE_DAYS = int(os.environ.get("LMS_PAYMENT_GRACE_DAYS", "7"))

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

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"

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
