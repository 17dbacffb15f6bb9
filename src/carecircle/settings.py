"""Django settings, read from environment variables with safe defaults.

Nothing set → SQLite under CARECIRCLE_DATA_DIR (default ``./var``), DEBUG off unless
CARECIRCLE_DEBUG=1. ``DATABASE_URL`` (e.g. ``postgres://user@127.0.0.1:5432/carecircle``)
switches to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
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
# The insecure default is only for the embedded demo; `carecircle serve` refuses to start with it.
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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
AUTHENTICATION_BACKENDS = ["carecircle.core.backends.UnitAwareBackend"]

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
