"""The one settings module. Every value comes from the environment; bad values stop start-up."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from deskwerk.core.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("DESKWERK_VAR_DIR") or BASE_DIR / "var")

DESKWERK_ENV = env_choice("DESKWERK_ENV", "development", {"development", "production", "test"})
PRODUCTION = DESKWERK_ENV == "production"
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must not be true when DESKWERK_ENV=production")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required in production")
    # Development and demo: a random key kept under var/ so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "huey.contrib.djhuey",
    "deskwerk.core",
    "deskwerk.tenancy",
    "deskwerk.audit",
    "deskwerk.accounts",
    "deskwerk.websessions",
    "deskwerk.access",
    "deskwerk.spaces",
    "deskwerk.bookings",
    "deskwerk.api",
    "deskwerk.privacy",
    "deskwerk.usage",
    "deskwerk.notify",
    "deskwerk.processor",
    "deskwerk.support",
    "deskwerk.breaches",
    "deskwerk.offboarding",
    "deskwerk.compliance",
    "deskwerk.profiles",
    "deskwerk.web",
    "deskwerk.sso",
    # django-allauth: the login flow stages, re-authentication, MFA and OpenID Connect.
    # Scoped to the tenant by deskwerk.accounts.adapter (allauth itself is not tenant-aware).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "deskwerk.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "deskwerk.tenancy.middleware.TenantContextMiddleware",
    "deskwerk.tenancy.middleware.TenantPathMiddleware",
    "deskwerk.support.middleware.SupportAuditMiddleware",
    "deskwerk.api.middleware.ApiBodyLimitMiddleware",
    "deskwerk.access.ratelimit.RateLimitHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "deskwerk.websessions.middleware.ClientInfoMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "deskwerk.accounts.middleware.PendingLoginTenantMiddleware",
    "deskwerk.usage.middleware.UsageMiddleware",
    "deskwerk.tenancy.middleware.TenantAccessMiddleware",
    "deskwerk.accounts.mfa.MfaRequiredMiddleware",
    "deskwerk.web.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "deskwerk.urls"
WSGI_APPLICATION = "deskwerk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "deskwerk.web.context_processors.shell",
                "deskwerk.sso.context_processors.sso",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": parse_database_url(_database_url, base_dir=BASE_DIR)
    if _database_url
    else sqlite_database(VAR_DIR / "deskwerk.sqlite3")
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["deskwerk.accounts.backends.TenantEmailBackend"]
# Argon2id first (Django's Argon2PasswordHasher uses the argon2id variant); PBKDF2 only reads
# old hashes, which are upgraded at the next sign-in.
PRODUCTION_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS
if DESKWERK_ENV == "test":
    # Argon2 is deliberately slow; tests create hundreds of accounts.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The tenant's policy: minimum length, at most 1024, the bundled list of common passwords.
AUTH_PASSWORD_VALIDATORS = [{"NAME": "deskwerk.accounts.passwords.TenantPasswordValidator"}]
# § 5: where each external service processes data (ISO country codes; checked at start-up).
DATA_REGIONS = {
    name: (env_str(name) or "").strip().upper()
    for name in (
        "HOSTING_REGION",
        "DATABASE_REGION",
        "SMTP_REGION",
        "STORAGE_REGION",
        "REDIS_REGION",
        "BACKUP_REGION",
    )
}
# Optional offline breach corpus (Pwned Passwords, SHA-1 ordered by hash); see decision 0023.
BREACHED_PASSWORDS_FILE = env_str("BREACHED_PASSWORDS_FILE")
# Inside a tenant (/t/<slug>/...) the URL name resolves to that tenant's sign-in page, so
# Django's and allauth's login_required / re-authentication redirects stay in the tenant.
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

# django-allauth (accounts per tenant: see deskwerk.accounts.adapter and decision 0019).
ACCOUNT_ADAPTER = "deskwerk.accounts.adapter.TenantAccountAdapter"
SOCIALACCOUNT_ADAPTER = "deskwerk.accounts.adapter.TenantSocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = False  # unique per tenant, enforced by accounts.User's constraint
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_STORE_TOKENS = False
# Two-factor authentication (deskwerk.accounts.mfa): secrets encrypted under DATA_KEYS, the
# tenant as issuer; a TOTP code counts once across processes. Re-authentication (password or
# second factor) is valid for 10 minutes before e-mail, password and MFA changes, exports
# and role grants (decision 0020).
MFA_ADAPTER = "deskwerk.accounts.mfa.TenantMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_FORMS = {
    "authenticate": "deskwerk.accounts.mfa.OnceAuthenticateForm",
    "reauthenticate": "deskwerk.accounts.mfa.OnceReauthenticateForm",
}
MFA_TOTP_TOLERANCE = 0  # a code lives for its 30-second step only (ASVS 6.5.5) and counts once
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 600
# WebAuthn relying-party id: the site's host name (never an IP address). Empty: the host the
# browser used, so localhost works in development and tests.
WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID") or ""
# Login, reset and invitations per tenant (deskwerk.accounts.forms, decision 0019).
ACCOUNT_FORMS = {
    "login": "deskwerk.accounts.forms.TenantLoginForm",
    "reset_password": "deskwerk.accounts.forms.TenantResetPasswordForm",
    "reset_password_from_key": "deskwerk.accounts.forms.TenantResetPasswordKeyForm",
    "user_token": "deskwerk.accounts.forms.TenantUserTokenForm",
}
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = (
    "deskwerk.accounts.tokens.TenantPasswordResetTokenGenerator"  # noqa: S105 - a class path
)
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False  # the next sign-in asks for every factor again
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # no mail to addresses without an account
ACCOUNT_SESSION_REMEMBER = True  # no checkbox: the tenant's session timeouts decide
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# The brute-force limit per account is ours (deskwerk.accounts.lockout, per tenant and
# configurable); allauth's own "login_failed" limit would key on the bare e-mail address.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# A reset link is valid for one hour and only until the password (or sign-in) changes.
PASSWORD_RESET_TIMEOUT = 60 * 60

# The user model is unique per (tenant, email), not globally; our backend scopes every lookup.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
# Language: the profile's, else the language cookie, else Accept-Language, else LANGUAGE_CODE
# (deskwerk.web.middleware.LanguageMiddleware; docs/frontend.md). Catalogues are committed
# compiled (.mo), so no gettext is needed to run; a test keeps them in step with the .po files.
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
LANGUAGE_COOKIE_NAME = "deskwerk_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Production serves collected files; development serves from the apps (whitenoise finders).
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static") if PRODUCTION else None
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies: the API refuses anything larger with 413 problem+json.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024, minimum=1024)
API_MAX_BODY_BYTES = env_int(
    "API_MAX_BODY_BYTES", 64 * 1024, minimum=1024, maximum=10 * 1024 * 1024
)
# API tokens: the longest a personal token may live; requests per caller per minute.
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365, minimum=1, maximum=3650)
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600, minimum=1, maximum=1_000_000)

# Sessions: server-side rows, data encrypted with AES-256-GCM under DATA_KEYS (newest first;
# the newest encrypts, all decrypt). Idle and absolute timeouts are per tenant (websessions).
SESSION_ENGINE = "deskwerk.websessions.store"
from deskwerk.websessions.keys import data_keys_setting  # noqa: E402 - pure, no models

DATA_KEYS = data_keys_setting(env_str("DATA_KEYS"), production=PRODUCTION, var_dir=VAR_DIR)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Bookings: the longest single booking. Multi-day bookings are one booking per day.
# The availability query relies on this bound to range-scan the (tenant, floor, starts_at) index.
BOOKING_MAX_HOURS = env_int("BOOKING_MAX_HOURS", 24, minimum=1, maximum=24 * 7)
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 365, minimum=1, maximum=3 * 365)
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=1, maximum=24 * 30)

NINJA_PAGINATION_PER_PAGE = 50

# The operator (processor) as named in the records of processing and notices to tenants.
OPERATOR_NAME = env_str("OPERATOR_NAME") or "Deskwerk operator (set OPERATOR_NAME)"
OPERATOR_CONTACT = env_str("OPERATOR_CONTACT") or "(set OPERATOR_CONTACT: address, e-mail)"
OPERATOR_DPO = env_str("OPERATOR_DPO") or "(set OPERATOR_DPO: data protection officer contact)"
# Where notices to the operator go (authorised persons changed, objections to subprocessors);
# empty: to the operator tenant's staff (deskwerk.processor, docs/processor.md).
OPERATOR_EMAIL = (env_str("OPERATOR_EMAIL") or "").strip()
if OPERATOR_EMAIL and not re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+", OPERATOR_EMAIL):
    raise ImproperlyConfigured("OPERATOR_EMAIL must be one e-mail address")

# Background jobs (Huey). SQLite storage beside the database in the embedded default, Redis in
# production, run inline ("immediate") in the test suite. Periodic jobs are declared in code.
HUEY_BACKEND = env_choice(
    "HUEY_BACKEND",
    "immediate" if DESKWERK_ENV == "test" else ("redis" if PRODUCTION else "sqlite"),
    {"sqlite", "redis", "immediate"},
)
REDIS_URL = env_str("REDIS_URL") or "redis://127.0.0.1:6379/0"
HUEY: dict[str, object] = {
    "name": "deskwerk",
    "immediate": HUEY_BACKEND == "immediate",
    "utc": True,
    "consumer": {
        "workers": env_int("WORKER_THREADS", 2, minimum=1, maximum=64),
        "worker_type": "thread",
    },
}
if HUEY_BACKEND == "sqlite":
    HUEY |= {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")}
elif HUEY_BACKEND == "redis":
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}

# E-mail (deskwerk.notify, docs/notifications.md): SMTP, or the local outbox folder
# var/outbox/ (the default outside production, so the demo needs no mail server).
from deskwerk.notify.config import mail_settings  # noqa: E402 - reads the environment only

_mail = mail_settings(production=PRODUCTION)
EMAIL_TRANSPORT = _mail.transport
EMAIL_BACKEND = _mail.backend
EMAIL_HOST = _mail.host
EMAIL_PORT = _mail.port
EMAIL_HOST_USER = _mail.user
EMAIL_HOST_PASSWORD = _mail.password
EMAIL_USE_TLS = _mail.security == "starttls"
EMAIL_USE_SSL = _mail.security == "tls"
EMAIL_TIMEOUT = _mail.timeout
SMTP_CA_FILE = _mail.ca_file
DEFAULT_FROM_EMAIL = SERVER_EMAIL = _mail.from_email
OUTBOX_DIR = VAR_DIR / "outbox"
MAIL_LOG_RETENTION_DAYS = _mail.retention_days
# Seconds to wait before each further delivery attempt: 6 attempts over about 8.6 hours.
MAIL_RETRY_DELAYS: tuple[int, ...] = (60, 300, 1800, 7200, 21600)

# Offboarding at the end of the contract (DPA § 14, docs/offboarding.md): days the export
# archive can be downloaded, days the compliance documentation is kept (§ 14 (3); three years,
# the regular limitation period), days until backup copies expire (backups are not rewritten).
OFFBOARDING_EXPORT_DAYS = env_int("OFFBOARDING_EXPORT_DAYS", 30, minimum=1, maximum=365)
COMPLIANCE_DOCS_RETENTION_DAYS = env_int(
    "COMPLIANCE_DOCS_RETENTION_DAYS", 1095, minimum=1, maximum=3650
)
BACKUP_RETENTION_DAYS = env_int("BACKUP_RETENTION_DAYS", 30, minimum=1, maximum=3650)
OFFBOARDING_DIR = VAR_DIR / "offboarding"  # export archives; never served directly
# Scheme and host of links in mails sent by jobs, where no request names the host
# (e.g. https://desk.acme.example); empty: the first concrete ALLOWED_HOSTS entry.
SITE_URL = (env_str("SITE_URL", "") or "").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Client errors (4xx) are answered, not server faults; keep the log for real failures.
        "django.request": {"level": "ERROR"},
        # With a handler of its own the Huey consumer adds none: each line is logged once.
        "huey": {"handlers": ["console"], "propagate": False},
    },
}
