"""Django settings, read from the environment through django-environ.

Every value that differs between a laptop, CI and production comes from an
environment variable; see README.md for the list.
"""

from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

class _Env(environ.Env):
    """django-environ's reader, with an error that names the variable when a number is not a number."""

    def int(self, var, default=environ.Env.NOTSET):
        try:
            return super().int(var, default=default)
        except ValueError:
            raise ImproperlyConfigured(
                f"{var}={self.str(var)!r} is not a whole number; set it to one, such as {default}."
            ) from None


env = _Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string, "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "core",
    "accounts",
    "marketplace",
    "leases",
    "abuse",
    "kyc",
    "rpki",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.organizations",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/ipv4lease"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ipv4lease"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded files (KYC documents) live outside the static tree and are served
# only through views that check the owner.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Production hardening. `manage.py check --deploy` passes when DEBUG is off
# and the site is served over HTTPS behind a proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "abuse_report_form": env.str("ABUSE_FORM_THROTTLE", default="20/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "IPv4 lease platform API",
    "DESCRIPTION": "Marketplace, leases, abuse desk, KYC and RPKI control of leased IPv4 space.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a field named "state" or "status" with their own
    # choices; each choice set gets a stable name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "LeaseStateEnum": "leases.choices.LeaseState",
        "CaseStateEnum": "abuse.choices.CaseState",
        "ReportStatusEnum": "abuse.choices.ReportStatus",
        "ListingStatusEnum": "marketplace.choices.ListingStatus",
    },
}

# Celery: Redis is both broker and result backend.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request or intake that queues a task while Redis is unreachable
# gives up after one quick retry instead of kombu's default of three tries
# two seconds apart, so the caller gets the error at once instead of hanging.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": env.int("CELERY_PUBLISH_MAX_RETRIES", default=1),
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}

# Lab ranges: the documentation (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24), benchmarking (198.18.0.0/15) and shared (100.64.0.0/10)
# ranges may be listed only when this is on. Tests and the demo turn it on;
# production must leave it off.
LAB_RANGES_ALLOWED = env.bool("LAB_RANGES_ALLOWED", default=False)

# Minutes a reservation keeps a prefix for the lessee during checkout.
RESERVATION_MINUTES = env.int("RESERVATION_MINUTES", default=20)
# While a lessee's due diligence is under review, its reservations wait for
# the decision this long at most. After approval it has
# RESERVATION_APPROVED_HOLD_HOURS to activate them; a rejection cancels them.
RESERVATION_REVIEW_HOLD_HOURS = env.int("RESERVATION_REVIEW_HOLD_HOURS", default=72)
RESERVATION_APPROVED_HOLD_HOURS = env.int("RESERVATION_APPROVED_HOLD_HOURS", default=24)

# Share of lease revenue the platform keeps, in percent.
PLATFORM_FEE_PERCENT = Decimal(env.str("PLATFORM_FEE_PERCENT", default="10"))

# DNS: the recursive resolver for blocklist queries, which must be the
# operator's own resolver, and the authoritative server for PTR scans.
DNS_RESOLVER = env.str("DNS_RESOLVER", default="127.0.0.1:53")
DNS_AUTHORITATIVE = env.str("DNS_AUTHORITATIVE", default="127.0.0.1:53")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- abuse ---
# Reports larger than ABUSE_MAX_REPORT_BYTES are rejected at intake with an
# error (an MTA then bounces or retries them); reports up to that size are
# stored, and those over ABUSE_MAX_PARSE_BYTES are kept unparsed and flagged.
ABUSE_MAX_REPORT_BYTES = env.int("ABUSE_MAX_REPORT_BYTES", default=25 * 1024 * 1024)
ABUSE_MAX_PARSE_BYTES = env.int("ABUSE_MAX_PARSE_BYTES", default=10 * 1024 * 1024)
# The sweep of unfiled reports files a report still "received"
# ABUSE_REFILE_AFTER_MINUTES after it arrived, ABUSE_INTAKE_BATCH reports per
# transaction.
ABUSE_INTAKE_BATCH = env.int("ABUSE_INTAKE_BATCH", default=500)
ABUSE_REFILE_AFTER_MINUTES = env.int("ABUSE_REFILE_AFTER_MINUTES", default=10)
# Deadlines used when no SLA policy row matches a case, in hours.
# Events dated more than this many minutes after the moment of parsing are
# left out as typos or wrong clocks, with a note on the report.
ABUSE_MAX_CLOCK_SKEW_MINUTES = env.int("ABUSE_MAX_CLOCK_SKEW_MINUTES", default=60)
ABUSE_DEFAULT_RESPONSE_HOURS = env.int("ABUSE_DEFAULT_RESPONSE_HOURS", default=24)
ABUSE_DEFAULT_RESOLUTION_HOURS = env.int("ABUSE_DEFAULT_RESOLUTION_HOURS", default=72)
# Where escalations go, and the base URL of links in notification e-mails.
ABUSE_TEAM_EMAIL = env.str("ABUSE_TEAM_EMAIL", default="abuse-team@localhost")
ABUSE_SITE_URL = env.str("ABUSE_SITE_URL", default=SITE_URL)
# A notification of the same kind about the same case is not sent again
# within this many minutes.
ABUSE_NOTIFY_REPEAT_MINUTES = env.int("ABUSE_NOTIFY_REPEAT_MINUTES", default=360)
# Queued notifications a worker sends per transaction over one connection;
# a failed mail is tried again after ABUSE_NOTIFY_RETRY_MINUTES, doubled at
# each attempt, until ABUSE_NOTIFY_MAX_ATTEMPTS.
ABUSE_NOTIFY_BATCH = env.int("ABUSE_NOTIFY_BATCH", default=200)
ABUSE_NOTIFY_RETRY_MINUTES = env.int("ABUSE_NOTIFY_RETRY_MINUTES", default=5)
ABUSE_NOTIFY_MAX_ATTEMPTS = env.int("ABUSE_NOTIFY_MAX_ATTEMPTS", default=5)
# A process requests a delivery run from the workers at most this often.
ABUSE_NOTIFY_KICK_SECONDS = env.int("ABUSE_NOTIFY_KICK_SECONDS", default=1)
# Cases the escalation task locks and handles per transaction.
ABUSE_ESCALATION_BATCH = env.int("ABUSE_ESCALATION_BATCH", default=200)
# The admin queue marks a deadline as due this many hours before it passes.
ABUSE_DUE_SOON_HOURS = env.int("ABUSE_DUE_SOON_HOURS", default=4)

# --- monitoring ---
# Bulk resolver: queries kept outstanding, pacing per server (queries per
# second; 0 turns pacing off), seconds per attempt and retries after a timeout.
MONITORING_MAX_IN_FLIGHT = env.int("MONITORING_MAX_IN_FLIGHT", default=2000)
MONITORING_PTR_RATE = env.int("MONITORING_PTR_RATE", default=5000)
MONITORING_DNSBL_RATE = env.int("MONITORING_DNSBL_RATE", default=500)
MONITORING_DNS_TIMEOUT = env.float("MONITORING_DNS_TIMEOUT", default=2.0)
MONITORING_DNS_RETRIES = env.int("MONITORING_DNS_RETRIES", default=2)
# Scan task size: leased space is cut into chunks of at most this many
# addresses (65536 is a /16); smaller leases are packed together up to it.
MONITORING_CHUNK_ADDRESSES = env.int("MONITORING_CHUNK_ADDRESSES", default=65536)
# Minutes a chunk may stay queued after its run started before a periodic
# task queues it again (for a task message lost from the broker).
MONITORING_CHUNK_REQUEUE_MINUTES = env.int("MONITORING_CHUNK_REQUEUE_MINUTES", default=90)
# PTR churn thresholds: changes in a rolling window that flag a lease or lessee.
MONITORING_CHURN_LEASE_24H = env.int("MONITORING_CHURN_LEASE_24H", default=50)
MONITORING_CHURN_LEASE_7D = env.int("MONITORING_CHURN_LEASE_7D", default=200)
MONITORING_CHURN_LESSEE_24H = env.int("MONITORING_CHURN_LESSEE_24H", default=200)
MONITORING_CHURN_LESSEE_7D = env.int("MONITORING_CHURN_LESSEE_7D", default=1000)
# PTR pattern thresholds: mail-server-like names per lessee, registered
# domains in one /24, random-looking names per lessee, FCrDNS failures.
MONITORING_MAIL_NAMES_MIN = env.int("MONITORING_MAIL_NAMES_MIN", default=20)
MONITORING_SNOWSHOE_DOMAINS_MIN = env.int("MONITORING_SNOWSHOE_DOMAINS_MIN", default=5)
MONITORING_RANDOM_NAMES_MIN = env.int("MONITORING_RANDOM_NAMES_MIN", default=10)
MONITORING_FCRDNS_FAILURES_MIN = env.int("MONITORING_FCRDNS_FAILURES_MIN", default=10)
# Minutes a DNSBL zone is skipped after an operational error; doubles with
# each error in a row, up to the maximum.
MONITORING_DNSBL_BACKOFF_MINUTES = env.int("MONITORING_DNSBL_BACKOFF_MINUTES", default=30)
MONITORING_DNSBL_BACKOFF_MAX_MINUTES = env.int("MONITORING_DNSBL_BACKOFF_MAX_MINUTES", default=1440)
# Zone export: name servers and SOA contact written into exported zones.
MONITORING_ZONE_NAMESERVERS = env.list(
    "MONITORING_ZONE_NAMESERVERS", default=["ns1.localhost.", "ns2.localhost."]
)
MONITORING_ZONE_CONTACT = env.str("MONITORING_ZONE_CONTACT", default="hostmaster.localhost.")
# Whether a finished PTR scan queues pattern checks (with FCrDNS lookups)
# for each lessee whose PTRs changed; off, they run only when queued by hand.
MONITORING_PATTERNS_AFTER_SCAN = env.bool("MONITORING_PATTERNS_AFTER_SCAN", default=True)
# Hours between periodic runs.
MONITORING_PTR_SCAN_HOURS = env.int("MONITORING_PTR_SCAN_HOURS", default=6)
MONITORING_DNSBL_CHECK_HOURS = env.int("MONITORING_DNSBL_CHECK_HOURS", default=12)

# --- rpki ---
# The ASN that announces parked space (idle, suspended and ended leases).
# The default is from the documentation range (RFC 5398); set the real one.
RPKI_PARKING_ASN = env.int("RPKI_PARKING_ASN", default=64511)
# Park with AS0 ROAs ("nobody may originate this") in place of the parking
# ASN. A block's own RPKI policy in the admin overrides this default.
RPKI_PARK_WITH_AS0 = env.bool("RPKI_PARK_WITH_AS0", default=False)
# Where ROA changes are published: "krill" (its API) or "slurm" (RFC 8416
# files written to the paths below for the operator's validators).
RPKI_BACKEND = env.str("RPKI_BACKEND", default="slurm")
RPKI_KRILL_URL = env.str("RPKI_KRILL_URL", default="https://127.0.0.1:3000")
RPKI_KRILL_CA = env.str("RPKI_KRILL_CA", default="platform")
RPKI_KRILL_TOKEN = env.str("RPKI_KRILL_TOKEN", default="")
# Seconds to wait for one Krill API request.
RPKI_KRILL_TIMEOUT = env.float("RPKI_KRILL_TIMEOUT", default=10.0)
# A CA bundle for Krill's TLS certificate (Krill ships a self-signed one);
# empty uses the system store.
RPKI_KRILL_CA_BUNDLE = env.str("RPKI_KRILL_CA_BUNDLE", default="")
RPKI_EXPORT_DIR = Path(env.str("RPKI_EXPORT_DIR", default=str(BASE_DIR / "var" / "rpki")))
RPKI_SLURM_JSON_PATH = Path(env.str("RPKI_SLURM_JSON_PATH", default=str(RPKI_EXPORT_DIR / "slurm.json")))
RPKI_SLURM_CSV_PATH = Path(env.str("RPKI_SLURM_CSV_PATH", default=str(RPKI_EXPORT_DIR / "roas.csv")))
RPKI_BIRD_CONFIG_PATH = Path(env.str("RPKI_BIRD_CONFIG_PATH", default=str(RPKI_EXPORT_DIR / "bird-parking.conf")))
RPKI_PARKED_JSON_PATH = Path(env.str("RPKI_PARKED_JSON_PATH", default=str(RPKI_EXPORT_DIR / "parked.json")))
# BIRD router id and BGP neighbours ("address AS-number" pairs, comma
# separated, e.g. "127.0.0.2 64512") for the parking announcements.
RPKI_BIRD_ROUTER_ID = env.str("RPKI_BIRD_ROUTER_ID", default="127.0.0.1")
RPKI_BIRD_NEIGHBORS = env.list("RPKI_BIRD_NEIGHBORS", default=[])
# Minutes between scheduled reconciliations; suspensions reconcile at once.
RPKI_RECONCILE_MINUTES = env.int("RPKI_RECONCILE_MINUTES", default=10)

# --- kyc ---
# A lessee needs a current due-diligence approval to activate a lease.
KYC_REQUIRED_FOR_ACTIVATION = env.bool("KYC_REQUIRED_FOR_ACTIVATION", default=True)
# Lists a screening must use to be complete (ofac, un, eu, uk, opensanctions).
KYC_REQUIRED_LISTS = env.list("KYC_REQUIRED_LISTS", default=["ofac", "un", "eu", "uk"])
# A list imported longer ago than this makes screenings "incomplete".
KYC_LIST_MAX_AGE_HOURS = env.int("KYC_LIST_MAX_AGE_HOURS", default=72)
# Where each list is downloaded from, as JSON: {"un": "https://...", "ofac_sdn": "...",
# "ofac_alt": "...", "ofac_add": "...", "eu": "...", "uk": "...", "opensanctions": "..."}.
# Empty by default: nothing is downloaded until the operator configures it.
KYC_LIST_URLS = env.json("KYC_LIST_URLS", default={})
KYC_LIST_DOWNLOAD_TIMEOUT = env.int("KYC_LIST_DOWNLOAD_TIMEOUT", default=120)
KYC_LIST_MAX_BYTES = env.int("KYC_LIST_MAX_BYTES", default=500 * 1024 * 1024)
# An import with fewer entries than this share of the current version is
# rejected as probably truncated (pass allow_shrink to accept it).
KYC_IMPORT_MIN_RATIO = env.float("KYC_IMPORT_MIN_RATIO", default=0.8)
# Fuzzy score (0-100) from which a name is a potential match, and the higher
# one for names of a single word.
KYC_MATCH_THRESHOLD = env.float("KYC_MATCH_THRESHOLD", default=88)
KYC_ONE_WORD_MATCH_THRESHOLD = env.float("KYC_ONE_WORD_MATCH_THRESHOLD", default=95)
# Everyone is screened again at least this often, besides on each list change.
KYC_RESCREEN_DAYS = env.int("KYC_RESCREEN_DAYS", default=7)
KYC_RESCREEN_BATCH = env.int("KYC_RESCREEN_BATCH", default=200)
# Risk score thresholds: from MEDIUM the level is medium, from HIGH high.
KYC_RISK_MEDIUM = env.int("KYC_RISK_MEDIUM", default=30)
KYC_RISK_HIGH = env.int("KYC_RISK_HIGH", default=60)
# ISO 3166-1 alpha-2 codes that add country risk. The default is the FATF
# "call for action" list as published in 2025 (North Korea, Iran, Myanmar);
# operators must keep it current.
KYC_HIGH_RISK_COUNTRIES = env.list("KYC_HIGH_RISK_COUNTRIES", default=["KP", "IR", "MM"])
KYC_APPROVAL_MONTHS = env.int("KYC_APPROVAL_MONTHS", default=12)
# Reminders go out this many days before an approval lapses.
KYC_REMINDER_DAYS = env.int("KYC_REMINDER_DAYS", default=30)
KYC_DOCUMENT_MAX_BYTES = env.int("KYC_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# How long the abuse-contact confirmation link stays valid.
KYC_CONFIRMATION_MAX_AGE_DAYS = env.int("KYC_CONFIRMATION_MAX_AGE_DAYS", default=7)
# Staff addresses for KYC notices; empty means every active staff user with an e-mail.
KYC_STAFF_EMAILS = env.list("KYC_STAFF_EMAILS", default=[])
# Abuse cases, PTR churn flags and blocklist listings count towards the risk
# score when they are younger than this.
KYC_RISK_HISTORY_DAYS = env.int("KYC_RISK_HISTORY_DAYS", default=365)
# VIES lookup of VAT numbers: the URL of the check-vat-number endpoint of
# the EU's VIES REST API. Empty by default, so only the format is checked
# and no VAT number is sent anywhere until the operator sets it.
KYC_VIES_URL = env.str("KYC_VIES_URL", default="")
# Seconds to wait for one VIES response.
KYC_VIES_TIMEOUT = env.float("KYC_VIES_TIMEOUT", default=10)
# A check that VIES could not complete is tried again after this many
# minutes. The scheduled task checks at most KYC_VIES_BATCH numbers per run.
KYC_VIES_RETRY_MINUTES = env.int("KYC_VIES_RETRY_MINUTES", default=60)
KYC_VIES_BATCH = env.int("KYC_VIES_BATCH", default=50)

# --- marketplace ---
# Proof of control by ROA: the holder creates a ROA for the block's prefix
# with an origin ASN that the platform draws for each request (see
# marketplace/verification.py). A requested proof fails when no such ROA
# has appeared after this many days. The holder can then request it again.
MARKETPLACE_PROOF_DAYS = env.int("MARKETPLACE_PROOF_DAYS", default=14)
