"""Django settings for motcua, read from environment variables.

Every variable is documented in docs/configuration.md. The defaults give the embedded set-up of
`make run`: SQLite under var/, local-memory cache, no other service.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", str(PROJECT_DIR / "var")))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (see docs/configuration.md)")
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "ninja",
    "motcua.core",
    "motcua.org",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.accounts",
    "motcua.notify",
    "motcua.integrations",
    "motcua.payments",
    "motcua.results",
    "motcua.reports",
    "motcua.api",
    "motcua.portal",
    "motcua.backoffice",
    "motcua.demo",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "motcua.core.middleware.SecurityHeadersMiddleware",  # CSP, Permissions-Policy, COOP (docs/security.md)
    "motcua.core.middleware.InputGuardMiddleware",  # NUL in the path, oversized API body (docs/security.md)
    "motcua.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "motcua.accounts.sessions.AuthenticationMiddleware",  # Django's, taking the user read with the session
    "motcua.accounts.middleware.OTPMiddleware",  # django-otp's, its TOTP device read by SQL written once
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "motcua.urls"

# Django's ModelBackend and database sessions, the session and its user read in one statement compiled once
# (the modules say why)
AUTHENTICATION_BACKENDS = ["motcua.accounts.backends.AccountBackend"]
SESSION_ENGINE = "motcua.accounts.sessions"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "motcua.wsgi.application"
ASGI_APPLICATION = "motcua.asgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "motcua.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("TEST_DATABASE_NAME") or None
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # the same lock wait and immediate transactions whether SQLite is the default or named by DATABASE_URL
    # (without them several processes fail with "database is locked" instead of waiting their turn)
    for _option, _value in (("timeout", 20), ("transaction_mode", "IMMEDIATE")):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(_option, _value)
    # A file (not the shared in-memory database) so that tests of concurrent transactions wait on SQLite's
    # lock like the real server does instead of failing with "database table is locked".
    DATABASES["default"]["TEST"] = {
        # one file per test process: parallel runs (xdist workers, two checkouts) never share it
        "NAME": os.environ.get("TEST_DATABASE_NAME")
        or str(Path(tempfile.gettempdir()) / f"motcua-test-{os.getpid()}.sqlite3"),
    }

# ---- read replica (motcua.core.dbrouter; docs/operations.md "Scaling") -----------------------------------
# A streaming replica of the primary, parsed like DATABASE_URL. When set, the statistics and the public lookup
# read from it (only those chosen read paths, never a blind "all reads"); writes and migrations stay on default.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    # the test suite has no separate replica: the alias reads the test database of default
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["motcua.core.dbrouter.ReplicaRouter"]
try:  # a replica further behind than this is skipped (reads go to the primary) until it catches up
    DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "30"))
except ValueError as _error:
    raise ImproperlyConfigured("DATABASE_REPLICA_MAX_LAG must be a number of seconds, e.g. 30") from _error

# Django's PostgreSQL backend with timestamps read by psycopg's compiled loader (motcua.core.postgresql).
for _alias in DATABASES.values():
    if _alias["ENGINE"] == "django.db.backends.postgresql":
        _alias["ENGINE"] = "motcua.core.postgresql"

# PostgreSQL's JIT compiler is off for motcua's sessions (DATABASE_JIT=on keeps the server's setting): it
# compiles any query whose cost *estimate* is high, and the capped list counts walk a big index with a LIMIT
# (a high estimate, a few ms of real work) — 20 ms of compiling for 9 ms of work at a million dossiers
# (docs/performance.md). Set here as a connection option; behind a transaction pooler that drops startup
# options, set `jit = off` on the database instead (docs/operations.md).
if os.environ.get("DATABASE_JIT", "off").lower() not in {"on", "1", "true"}:
    for _alias in DATABASES.values():
        if _alias["ENGINE"].endswith("postgresql"):
            _options = _alias.setdefault("OPTIONS", {})
            _options["options"] = (_options.get("options", "") + " -c jit=off").strip()

# The statements motcua writes once run as PostgreSQL prepared statements (motcua.core.postgresql): parsed and,
# where a generic plan does, planned once a connection. Off behind a pooler in transaction mode, which hands a
# server connection to another client between transactions (docs/operations.md).
_PREPARE = os.environ.get("DATABASE_PREPARE", "on").lower()
if _PREPARE not in {"on", "off", "1", "0", "true", "false"}:
    raise ImproperlyConfigured("DATABASE_PREPARE must be on or off")
for _alias in DATABASES.values():
    if _alias["ENGINE"].endswith("postgresql"):
        _alias["PREPARE"] = _PREPARE in {"on", "1", "true"}  # type: ignore[typeddict-unknown-key]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "motcua"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/dang-nhap/"

# Reverse proxies in front of the application (nginx: 1): the client address is read from X-Forwarded-For.
MOTCUA_TRUSTED_PROXIES = int(os.environ.get("MOTCUA_TRUSTED_PROXIES", "0"))
# sign-in attempts one address may make a minute on the sign-in pages, all names together (core.ratelimit)
MOTCUA_SIGN_IN_ATTEMPTS_PER_ADDRESS = int(os.environ.get("MOTCUA_SIGN_IN_ATTEMPTS_PER_ADDRESS", "30"))

# Staff sign-in (back office): lockout and the optional second factor (TOTP through django-otp).
MOTCUA_LOGIN_MAX_FAILURES = int(os.environ.get("MOTCUA_LOGIN_MAX_FAILURES", "5"))
MOTCUA_LOGIN_LOCK_MINUTES = int(os.environ.get("MOTCUA_LOGIN_LOCK_MINUTES", "15"))
# When on, administrators (superusers, province and agency administrators) must use a TOTP app.
MOTCUA_ADMIN_2FA_REQUIRED = env_bool("MOTCUA_ADMIN_2FA_REQUIRED", False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "motcua")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded form templates and documents: size limit and the accepted types (checked by content).
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# images larger than this (declared width × height) are refused without decoding them (a decompression bomb)
MOTCUA_MAX_IMAGE_PIXELS = int(os.environ.get("MOTCUA_MAX_IMAGE_PIXELS", "60000000"))

# Dossier code pattern (Python format: agency, date, seq); default {agency}-{yyMMdd}-{NNNN}.
DOSSIER_CODE_PATTERN = os.environ.get("DOSSIER_CODE_PATTERN", "{agency}-{date:%y%m%d}-{seq:04d}")

# The province this installation serves (code from vietnam-provinces), used by the demo and calendars.
MOTCUA_PROVINCE_CODE = os.environ.get("MOTCUA_PROVINCE_CODE", "52")
MOTCUA_PUBLIC_URL = os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # the PDF engine reports every rendering step at INFO
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}

# --- Background jobs (Celery) and deadline alerts; every variable is in docs/configuration.md ----------------
# Broker: CELERY_BROKER_URL, else REDIS_URL, else kombu's filesystem transport under var/celery/ (the embedded
# set-up of `make run`: a worker and beat that need no broker server). Results are never stored.
_CELERY_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # producers write to and the worker reads from the same folder
        "data_folder_in": str(_CELERY_DIR / "queue"),
        "data_folder_out": str(_CELERY_DIR / "queue"),
        "control_folder": str(_CELERY_DIR / "control"),
        "processed_folder": str(_CELERY_DIR / "processed"),
        "store_processed": False,
    }
    for _folder in ("queue", "control", "processed"):
        try:  # noqa: SIM105  cheap; on a read-only installation the worker reports the missing folder instead
            (_CELERY_DIR / _folder).mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep the LOGGING above
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # `expires`: a run the worker could not start in time is dropped; the next one does the same work
    "relay-outbox": {"task": "motcua.core.tasks.relay_outbox", "schedule": 10.0, "options": {"expires": 10}},
    "sweep-deadlines": {
        "task": "motcua.dossiers.tasks.sweep_deadlines",
        "schedule": 5 * 60.0,
        "options": {"expires": 5 * 60},
    },
    "flag-reception-overdue": {
        "task": "motcua.dossiers.tasks.flag_reception_overdue",
        "schedule": 15 * 60.0,
        "options": {"expires": 15 * 60},
    },
    "remind-waiting-applicants": {
        "task": "motcua.notify.tasks.remind_waiting_applicants",
        "schedule": 60 * 60.0,
        "options": {"expires": 60 * 60},
    },
    "flag-apology-needed": {
        "task": "motcua.dossiers.tasks.flag_apology_needed",
        "schedule": 30 * 60.0,
        "options": {"expires": 30 * 60},
    },
}
# Outbox: failed deliveries are retried with exponential back-off, then the event is dead (replay in the admin).
MOTCUA_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("MOTCUA_OUTBOX_MAX_ATTEMPTS", "8"))
# Working hours before a step's due instant at which its assignee and unit head are warned.
try:
    MOTCUA_DEADLINE_LEAD_HOURS = float(os.environ.get("MOTCUA_DEADLINE_LEAD_HOURS", "4"))
except ValueError as _error:
    raise ImproperlyConfigured("MOTCUA_DEADLINE_LEAD_HOURS must be a number of working hours, e.g. 4") from _error

# --- Citizen and business accounts, single sign-on (motcua.accounts; docs/accounts.md) -----------------------
# One-time codes (registration, password reset): at most this many per phone/e-mail and per client address an hour.
MOTCUA_ACCOUNT_CODES_PER_TARGET = int(os.environ.get("MOTCUA_ACCOUNT_CODES_PER_TARGET", "5"))
MOTCUA_ACCOUNT_CODES_PER_ADDRESS = int(os.environ.get("MOTCUA_ACCOUNT_CODES_PER_ADDRESS", "30"))
# OpenID Connect provider (the national e-identity VNeID is one); on when OIDC_RP_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")  # checked against the ID token's `iss` when set
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile email phone")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
MOTCUA_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
MOTCUA_OIDC_LABEL = os.environ.get("MOTCUA_OIDC_LABEL", "")  # empty: "Đăng nhập bằng tài khoản định danh điện tử"
# Which claim carries each profile field; the personal ID claim must hold the 12-digit số định danh cá nhân.
MOTCUA_OIDC_CLAIMS = {
    "id_number": os.environ.get("MOTCUA_OIDC_CLAIM_ID_NUMBER", "sub"),
    "full_name": os.environ.get("MOTCUA_OIDC_CLAIM_FULL_NAME", "name"),
    "birth_date": os.environ.get("MOTCUA_OIDC_CLAIM_BIRTH_DATE", "birthdate"),
    "gender": os.environ.get("MOTCUA_OIDC_CLAIM_GENDER", "gender"),
    "phone": os.environ.get("MOTCUA_OIDC_CLAIM_PHONE", "phone_number"),
    "email": os.environ.get("MOTCUA_OIDC_CLAIM_EMAIL", "email"),
}
if MOTCUA_OIDC_ENABLED:
    _oidc_missing = [
        name
        for name, value in {
            "OIDC_RP_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
            "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
            "OIDC_OP_USER_ENDPOINT": OIDC_OP_USER_ENDPOINT,
            "OIDC_OP_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
        }.items()
        if not value
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set but not: {', '.join(_oidc_missing)} (docs/accounts.md)")
    AUTHENTICATION_BACKENDS = [
        *AUTHENTICATION_BACKENDS,
        "motcua.accounts.oidc.IdentityBackend",
    ]
# Population database (Cơ sở dữ liệu quốc gia về dân cư), motcua.integrations.population: "simulator" (sample
# citizens, for development, the demo and tests) or "gateway" (the provincial data-sharing gateway, below).
MOTCUA_POPULATION_ADAPTER = os.environ.get("MOTCUA_POPULATION_ADAPTER", "simulator")
MOTCUA_POPULATION_GATEWAY_URL = os.environ.get("MOTCUA_POPULATION_GATEWAY_URL", "")
MOTCUA_POPULATION_GATEWAY_TOKEN = os.environ.get("MOTCUA_POPULATION_GATEWAY_TOKEN", "")
MOTCUA_POPULATION_INTEGRATION_CODE = os.environ.get("MOTCUA_POPULATION_INTEGRATION_CODE", "")
MOTCUA_POPULATION_SERVICE_CODE = os.environ.get("MOTCUA_POPULATION_SERVICE_CODE", "")
try:
    MOTCUA_POPULATION_TIMEOUT = float(os.environ.get("MOTCUA_POPULATION_TIMEOUT", "10"))
except ValueError as _error:
    raise ImproperlyConfigured("MOTCUA_POPULATION_TIMEOUT must be a number of seconds, e.g. 10") from _error

# --- Notifications (motcua.notify): e-mail, SMS and Zalo ZNS; every variable is in docs/configuration.md -----------
# Test mode (default on when DEBUG is on): nothing goes out, messages are recorded as sent by "test-mode".
MOTCUA_NOTIFY_TEST_MODE = env_bool("MOTCUA_NOTIFY_TEST_MODE", DEBUG)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "motcua <noreply@localhost>")
MOTCUA_SMS_PROVIDER = os.environ.get("MOTCUA_SMS_PROVIDER", "simulator")  # simulator | http
MOTCUA_SMS_HTTP_URL = os.environ.get("MOTCUA_SMS_HTTP_URL", "")
MOTCUA_SMS_HTTP_TOKEN = os.environ.get("MOTCUA_SMS_HTTP_TOKEN", "")
MOTCUA_SMS_BRANDNAME = os.environ.get("MOTCUA_SMS_BRANDNAME", "")
MOTCUA_SMS_STRIP_DIACRITICS = env_bool("MOTCUA_SMS_STRIP_DIACRITICS", False)
MOTCUA_ZALO_PROVIDER = os.environ.get("MOTCUA_ZALO_PROVIDER", "simulator")  # simulator | zns
ZALO_OA_ACCESS_TOKEN = os.environ.get("ZALO_OA_ACCESS_TOKEN", "")
ZALO_ZNS_API_URL = os.environ.get("ZALO_ZNS_API_URL", "https://business.openapi.zalo.me/message/template")
# Messages per minute and channel (0: no limit); over the limit a message waits for the next minute.
MOTCUA_NOTIFY_RATE_EMAIL = int(os.environ.get("MOTCUA_NOTIFY_RATE_EMAIL", "120"))
MOTCUA_NOTIFY_RATE_SMS = int(os.environ.get("MOTCUA_NOTIFY_RATE_SMS", "60"))
MOTCUA_NOTIFY_RATE_ZALO = int(os.environ.get("MOTCUA_NOTIFY_RATE_ZALO", "60"))
MOTCUA_NOTIFY_HTTP_TIMEOUT = float(os.environ.get("MOTCUA_NOTIFY_HTTP_TIMEOUT", "10"))

# Reminders to applicants whose dossier waits for a supplement or a payment: every this many working days.
MOTCUA_REMINDER_AFTER_DAYS = int(os.environ.get("MOTCUA_REMINDER_AFTER_DAYS", "3"))

# --- Public post (motcua.integrations.post): delivery of results, pickup of paper dossiers; docs/post.md -----------
# Provider: "simulator" (a local post in memory, for development, the demo and tests) or "vnpost" (HTTPS JSON).
MOTCUA_POST_PROVIDER = os.environ.get("MOTCUA_POST_PROVIDER", "simulator")
MOTCUA_POST_VNPOST_URL = os.environ.get("MOTCUA_POST_VNPOST_URL", "")
MOTCUA_POST_VNPOST_TOKEN = os.environ.get("MOTCUA_POST_VNPOST_TOKEN", "")
MOTCUA_POST_VNPOST_CUSTOMER_CODE = os.environ.get("MOTCUA_POST_VNPOST_CUSTOMER_CODE", "")
MOTCUA_POST_TIMEOUT = float(os.environ.get("MOTCUA_POST_TIMEOUT", "10"))
# How often the items on their way are looked up at the provider (seconds).
MOTCUA_POST_POLL_SECONDS = int(os.environ.get("MOTCUA_POST_POLL_SECONDS", "900"))
CELERY_BEAT_SCHEDULE["post-poll"] = {
    "task": "motcua.integrations.post.tasks.postal_poll",
    "schedule": float(MOTCUA_POST_POLL_SECONDS),
    "options": {"expires": MOTCUA_POST_POLL_SECONDS},
}

# --- Electronic results (motcua.results): signing keys, time-stamping, verification; see docs/results.md ------------
# PKCS#12 files <agency code>.p12 in this directory (`manage.py results_demo_pki` creates demo ones and ca.pem).
MOTCUA_SIGNING_KEYS_DIR = os.environ.get("MOTCUA_SIGNING_KEYS_DIR", str(VAR_DIR / "pki"))
MOTCUA_SIGNING_P12_PASSPHRASE = os.environ.get("MOTCUA_SIGNING_P12_PASSPHRASE", "")
# Optional per-agency files: "000.00.02.H21=/secure/tuphap.p12,000.00.03.H21=/secure/xaydung.p12".
MOTCUA_SIGNING_KEYS = dict(
    item.split("=", 1) for item in os.environ.get("MOTCUA_SIGNING_KEYS", "").split(",") if "=" in item
)
# Trusted roots for verification (comma-separated PEM/DER paths); empty: <keys dir>/ca.pem (the demo CA).
MOTCUA_SIGNING_TRUST_ROOTS = [p for p in os.environ.get("MOTCUA_SIGNING_TRUST_ROOTS", "").split(",") if p]
MOTCUA_TSA_URL = os.environ.get("MOTCUA_TSA_URL", "")  # RFC 3161 time-stamp authority; empty: no time-stamp
MOTCUA_REQUIRE_SIGNED_RESULT = env_bool("MOTCUA_REQUIRE_SIGNED_RESULT", False)

# --- Payments (motcua.payments): VNPAY, PayGov, VietQR, cash; every variable is in docs/configuration.md -----------
# Local VNPAY simulator at /mo-phong/vnpay/ (never in production); default: on when DEBUG is on.
MOTCUA_PAYMENT_SIMULATOR = env_bool("MOTCUA_PAYMENT_SIMULATOR", DEBUG)
# Providers offered, in this order; each runs a configuration self-check (`manage.py check`). VNPAY is in the
# default list only with the simulator: a real gateway is listed explicitly once configured.
MOTCUA_PAYMENT_PROVIDERS = env_list(
    "MOTCUA_PAYMENT_PROVIDERS", "vnpay,vietqr,cash" if MOTCUA_PAYMENT_SIMULATOR else "vietqr,cash"
)
MOTCUA_VNPAY_TMN_CODE = os.environ.get("MOTCUA_VNPAY_TMN_CODE", "")
MOTCUA_VNPAY_HASH_SECRET = os.environ.get("MOTCUA_VNPAY_HASH_SECRET", "")
MOTCUA_VNPAY_PAYMENT_URL = os.environ.get("MOTCUA_VNPAY_PAYMENT_URL", "")  # e.g. https://pay.vnpay.vn/vpcpay.html
MOTCUA_VNPAY_API_URL = os.environ.get("MOTCUA_VNPAY_API_URL", "")  # querydr: .../merchant_webapi/api/transaction
MOTCUA_PAYGOV_URL = os.environ.get("MOTCUA_PAYGOV_URL", "")
MOTCUA_PAYGOV_PARTNER_CODE = os.environ.get("MOTCUA_PAYGOV_PARTNER_CODE", "")
MOTCUA_PAYGOV_SECRET = os.environ.get("MOTCUA_PAYGOV_SECRET", "")
MOTCUA_PAYMENT_EXPIRE_MINUTES = int(os.environ.get("MOTCUA_PAYMENT_EXPIRE_MINUTES", "15"))
MOTCUA_VIETQR_EXPIRE_HOURS = int(os.environ.get("MOTCUA_VIETQR_EXPIRE_HOURS", "72"))
MOTCUA_PAYMENT_RECONCILE_AFTER_MINUTES = int(os.environ.get("MOTCUA_PAYMENT_RECONCILE_AFTER_MINUTES", "15"))
MOTCUA_PAYMENT_HTTP_TIMEOUT = float(os.environ.get("MOTCUA_PAYMENT_HTTP_TIMEOUT", "10"))
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
    "task": "motcua.payments.tasks.reconcile_payments",
    "schedule": 5 * 60.0,
    "options": {"expires": 5 * 60},
}
CELERY_BEAT_SCHEDULE["payments-daily-sweep"] = {
    "task": "motcua.payments.tasks.sweep_payments",
    "schedule": 24 * 60 * 60.0,
    "options": {"expires": 60 * 60},
}

# ---- statistics (reports) -------------------------------------------------------------------------------
# Points and thresholds of the Decision 766 indicators that differ from the defaults (docs/reports.md), as
# JSON: {"3.3": {"points": 4, "threshold": 50}}.
try:
    MOTCUA_INDEX_766: dict[str, dict[str, float]] = json.loads(os.environ.get("MOTCUA_INDEX_766", "") or "{}")
except ValueError as exc:
    raise ImproperlyConfigured(f"MOTCUA_INDEX_766 is not JSON: {exc}") from exc

# ---- dossiers from the national public service portal (integrations/inbound) --------------------------
INSTALLED_APPS += ["motcua.integrations.inbound"]
# The bearer token the portal (or the provincial gateway) presents on POST /api/v1/inbound/national-portal/
# dossiers; empty: every call is refused (401).
MOTCUA_NATIONAL_PORTAL_INBOUND_TOKEN = os.environ.get("MOTCUA_NATIONAL_PORTAL_INBOUND_TOKEN", "")

# ---- pushing dossiers to the national public service portal (integrations/national_portal) -------------
INSTALLED_APPS += ["motcua.integrations.national_portal"]
# Base URL of the portal's dossier synchronisation (the three calls are relative to it); empty: not pushed
# to a real portal (the simulator below is used when it is on, else nothing is pushed).
MOTCUA_NATIONAL_PORTAL_URL = os.environ.get("MOTCUA_NATIONAL_PORTAL_URL", "").rstrip("/")
MOTCUA_NATIONAL_PORTAL_TOKEN = os.environ.get("MOTCUA_NATIONAL_PORTAL_TOKEN", "")
MOTCUA_NATIONAL_PORTAL_TIMEOUT = float(os.environ.get("MOTCUA_NATIONAL_PORTAL_TIMEOUT", "10"))
# Local portal simulator (in-process, and over HTTP at /mo-phong/dvcqg/); default: on when DEBUG is on.
MOTCUA_NATIONAL_PORTAL_SIMULATOR = env_bool("MOTCUA_NATIONAL_PORTAL_SIMULATOR", DEBUG)
# Reliable delivery to remote systems (docs/national-portal.md): circuit breaker and attempts per record.
MOTCUA_DELIVERY_CIRCUIT_THRESHOLD = int(os.environ.get("MOTCUA_DELIVERY_CIRCUIT_THRESHOLD", "5"))
MOTCUA_DELIVERY_CIRCUIT_COOLDOWN = float(os.environ.get("MOTCUA_DELIVERY_CIRCUIT_COOLDOWN", "60"))
MOTCUA_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("MOTCUA_DELIVERY_MAX_ATTEMPTS", "10"))
# Lifetime (seconds) of the signed download links to documents and results sent to the portal
# (integrations/national_portal/links.py, /tai-lieu/<token>/); default 30 days.
MOTCUA_DOCUMENT_LINK_MAX_AGE = int(os.environ.get("MOTCUA_DOCUMENT_LINK_MAX_AGE", str(30 * 24 * 3600)))

# ---- third-party API clients and webhooks (clients) -----------------------------------------------------
INSTALLED_APPS += ["motcua.clients"]
# Audit of API client calls (one row each, no bodies) and Retry-After on their 429 answers.
MIDDLEWARE += ["motcua.clients.middleware.ApiClientCallMiddleware"]
# Seconds a webhook receiver has to answer before the delivery is retried.
MOTCUA_WEBHOOK_TIMEOUT = float(os.environ.get("MOTCUA_WEBHOOK_TIMEOUT", "10"))
