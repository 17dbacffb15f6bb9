"""Django settings, read from environment variables with safe defaults.

Nothing set → SQLite under CARECIRCLE_DATA_DIR (default ``./var``), DEBUG off unless
CARECIRCLE_DEBUG=1. ``DATABASE_URL`` (e.g. ``postgres://user@127.0.0.1:5432/carecircle``)
switches to PostgreSQL.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CARECIRCLE_DATA_DIR", Path.cwd() / "var")).resolve()


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


DEBUG = _flag("CARECIRCLE_DEBUG")
# The insecure default is only for the embedded demo; every `carecircle` command outside
# core.keys.KEY_FREE refuses it (core/keys.py; the demo's children opt in).
INSECURE_DEFAULT_SECRET = "carecircle-insecure-demo-secret-change-me"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEFAULT_SECRET)
# Separate keys for personal-data encryption and blind indexes; derived from SECRET_KEY
# when unset so the demo works, but production sets them explicitly (docs/operations.md).
FIELD_ENCRYPTION_KEY = os.environ.get("CARECIRCLE_FIELD_KEY", "")
# Field keys retired by `carecircle keys rotate` (comma-separated, newest first): still read —
# decrypting and blind-index lookups — until the rotation has re-encrypted every row
# (docs/operations.md, "Keys").
FIELD_ENCRYPTION_KEYS_PREVIOUS = [
    k.strip() for k in os.environ.get("CARECIRCLE_FIELD_KEYS_PREVIOUS", "").split(",") if k.strip()
]
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "carecircle.core",
    "carecircle.parties",
    "carecircle.policies",
    "carecircle.claims",
    "carecircle.touchpoints",
    "carecircle.value",
    "carecircle.notify",
    "carecircle.renewals",
    "carecircle.alliance",
    "carecircle.ecosystem",
    "carecircle.ingest",
    "carecircle.datagen",
    "carecircle.desk",
    "carecircle.privacy",
    "carecircle.api",
    "carecircle.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "carecircle.core.logins.StaffOtpMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "carecircle.urls"
WSGI_APPLICATION = "carecircle.wsgi.application"

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
                "django.template.context_processors.i18n",
                "carecircle.web.context.nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'carecircle.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while an import or the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if _flag("CARECIRCLE_FAST_PASSWORDS"):  # tests and demo seeding only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise warns at every start when its root is missing; collectstatic fills it later.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"


def _file_storage() -> dict:
    """Claim documents and photos: local disk under MEDIA_ROOT, or an S3-compatible object
    store (AWS S3, MinIO, Ceph, a cloud's S3 gateway) when ``CARECIRCLE_S3_BUCKET`` is set.
    Files are never public: pages stream them through a view that checks who asks."""
    bucket = os.environ.get("CARECIRCLE_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": os.environ.get("CARECIRCLE_S3_ENDPOINT") or None,
            "region_name": os.environ.get("CARECIRCLE_S3_REGION") or None,
            "access_key": os.environ.get("CARECIRCLE_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("CARECIRCLE_S3_SECRET_KEY") or None,
            "location": os.environ.get("CARECIRCLE_S3_PREFIX", "carecircle"),
            "default_acl": "private",
            "file_overwrite": False,  # two photos named IMG_0001.jpg must both be kept
            "querystring_auth": True,
        },
    }


STORAGES = {
    "default": _file_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG and _flag("CARECIRCLE_COLLECTSTATIC")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Business settings: each app's conf.py holds its documented defaults (core.conf); a
# deployment overrides them here, e.g. CARECIRCLE = {"NCD_LADDER": {...}, "CLAIMS": {...}}.
CARECIRCLE: dict = {}
AUTH_USER_MODEL = "core.User"
# The lockout backend first (django-axes): a locked-out username + address is refused before
# the password is even checked (docs/security.md, ADR 0021).
AUTHENTICATION_BACKENDS = [
    "carecircle.core.logins.LockoutBackend",
    "carecircle.core.backends.UnitAwareBackend",
]

# E-mail (notify's e-mail channel, docs/notify.md): real SMTP when EMAIL_HOST is set; the
# console backend otherwise, so the demo never tries to reach a mail server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CareCircle <noreply@localhost>")

# Telephony (renewals/cti.py): the adapter class and the token a real CTI platform uses to
# post call events to /renewals/cti/events/ (closed while the token is empty).
CARECIRCLE_CTI = os.environ.get("CARECIRCLE_CTI", "carecircle.renewals.cti.SimulatedDialer")
CARECIRCLE_CTI_TOKEN = os.environ.get("CARECIRCLE_CTI_TOKEN", "")

# --- Logins, HTTPS and the browser's rules (docs/security.md, ADR 0021) -----------------------

# Login lockout (django-axes): after CARECIRCLE_LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused for CARECIRCLE_LOGIN_COOLOFF_MINUTES (each
# further try during the lock starts the wait again). Every attempt is recorded (axes'
# AccessAttempt / AccessFailureLog, and a `denied` row in our audit trail); an administrator
# unlocks with `carecircle axes_reset_username USER` or in the admin. A second, higher limit
# bounds guesses spread over many addresses: CARECIRCLE_LOGIN_FAILURE_LIMIT_PER_USER failures
# of one username from any addresses within the cool-off lock that username everywhere
# (core.logins.LoginLockHandler; 0 turns it off).
AXES_ENABLED = _flag("CARECIRCLE_LOGIN_LOCKOUT", default=True)
AXES_FAILURE_LIMIT = int(os.environ.get("CARECIRCLE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CARECIRCLE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
CARECIRCLE_LOGIN_FAILURE_LIMIT_PER_USER = int(
    os.environ.get("CARECIRCLE_LOGIN_FAILURE_LIMIT_PER_USER", "20")
)
AXES_HANDLER = "carecircle.core.logins.LoginLockHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "carecircle.core.logins.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Behind N trusted reverse proxies the client's address is the Nth entry from the right of
# X-Forwarded-For (core.logins.client_ip); with none, REMOTE_ADDR.
CARECIRCLE_PROXY_COUNT = int(os.environ.get("CARECIRCLE_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "carecircle.core.logins.client_ip"

# Optional TOTP for staff (django-otp): off by default; when on, an insurer staff member who
# logged in with a password must also enter a code from an authenticator app (enrolled once).
CARECIRCLE_STAFF_OTP = _flag("CARECIRCLE_STAFF_OTP")
OTP_TOTP_ISSUER = "CareCircle"

# HTTPS. All off by default so the demo on http://127.0.0.1 works; CARECIRCLE_HTTPS=1 turns on
# the redirect, secure cookies and a year of HSTS, each adjustable by its own variable.
_https = _flag("CARECIRCLE_HTTPS")
SECURE_SSL_REDIRECT = _flag("CARECIRCLE_SSL_REDIRECT", default=_https)
SECURE_HSTS_SECONDS = int(os.environ.get("CARECIRCLE_HSTS_SECONDS", "31536000" if _https else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("CARECIRCLE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _flag("CARECIRCLE_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = _flag("CARECIRCLE_SECURE_COOKIES", default=_https)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Only behind a proxy that sets this header itself (and strips it from clients), e.g.
# CARECIRCLE_PROXY_SSL_HEADER=X-Forwarded-Proto.
_proxy_header = os.environ.get("CARECIRCLE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# /healthz answers plain HTTP from the load balancer inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp 4): scripts only from our own origin (or an inline one
# carrying the request's nonce: nonce="{{ request.csp_nonce }}"); no inline event handlers, no
# eval. Inline style attributes stay allowed (style-src 'unsafe-inline'): ECharts, htmx and a
# few templates set them, and styles cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
