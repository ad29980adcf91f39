"""patentnavi settings.

Everything comes from environment variables with embedded defaults, so that a fresh
checkout runs on SQLite with Celery in-process, and production switches to
PostgreSQL and Redis by setting DATABASE_URL and REDIS_URL (see README.md).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# DJANGO_ENV=production turns on everything `manage.py check --deploy` asks for.
PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# A form refused by the CSRF check gets the site's Chinese error page (ground/errors.py).
CSRF_FAILURE_VIEW = "ground.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "accounts",
    # The login form's image captcha, drawn on the server (Pillow); after accounts, whose template
    # of its widget replaces the library's.
    "captcha",
    "notifications",
    "inventory",
    "matching",
    "evaluation",
    "reporting",
    "demo",
]

MIDDLEWARE = [
    # First, to add its headers to every response (Content-Security-Policy, Permissions-Policy, no-store).
    "ground.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ground.middleware.ChineseFirstLocaleMiddleware",
    # A NUL character in the path or query string: 400, never handed to a view and the database.
    "ground.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Every page needs a login unless its view says otherwise (login_not_required): the login,
    # registration, the inventors' password link and the language switch. The API (DRF) answers
    # 401/403 through its own permission classes.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    # Refused accesses (403), reads of personal data and bulk API reads, one audit event each.
    "accounts.middleware.AuditedAccessMiddleware",
    # After the password: the code step of an enrolled user, or enrolment where it is required.
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session ends SESSION_ABSOLUTE_HOURS after the sign-in, however active (accounts.middleware).
    "accounts.middleware.AbsoluteSessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last, as its documentation requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "patentnavi.urls"
WSGI_APPLICATION = "patentnavi.wsgi.application"

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
                "accounts.context_processors.role",
                # The bell's unread count, counted only when a page shows it (once per request).
                "notifications.context_processors.bell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compiling pays off for long analytic queries, not for pages: measured 125 ms added to a
    # 90 ms workbench page on the national dataset.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A demo server and an in-process task write at once; wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ActiveOrganizationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # accounts' subclass only translates Django's message (its zh_Hans catalog misses the 5.2 wording).
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # None of the last PASSWORD_HISTORY_COUNT passwords again, the current one included (accounts.passwords).
    {"NAME": "accounts.passwords.PasswordHistoryValidator"},
]
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
# 等保2.0: passwords expire; 0 disables the forced periodic change.
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)

# Lockout after repeated failures (django-axes, with accounts.lockout): an account locks after
# AXES_FAILURE_LIMIT failures from any address; an address failing over many accounts is slowed from
# LOGIN_ADDRESS_SLOW_AFTER failures (a delay doubling per failure, at most LOGIN_ADDRESS_MAX_DELAY_SECONDS)
# and blocked at LOGIN_ADDRESS_FAILURE_LIMIT; both end AXES_COOLOFF_TIME after the last failure or when
# the security administrator unlocks them. From LOGIN_CAPTCHA_AFTER failures of the username or the
# address the login form asks for an image captcha.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Axes warns that "ip_address" is not among the lockout parameters: the address has limits of its own,
# counted over every username (accounts.lockout.LockoutHandler), so rotating browsers does not escape it.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
LOGIN_ADDRESS_SLOW_AFTER = env_int("LOGIN_ADDRESS_SLOW_AFTER", 10)
LOGIN_ADDRESS_MAX_DELAY_SECONDS = env_int("LOGIN_ADDRESS_MAX_DELAY_SECONDS", 60)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
LOGIN_CAPTCHA_AFTER = env_int("LOGIN_CAPTCHA_AFTER", 3)
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 5  # minutes
CAPTCHA_FONT_SIZE = 30
AXES_USERNAME_FORM_FIELD = "username"
# How many reverse proxies of our own stand in front of Django (0: none, use REMOTE_ADDR).
# Lockouts and the audit log both take the client address from accounts.audit.client_ip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.audit.client_ip"

# The audit log (accounts.audit_chain): events are kept at least this many days (never under 180,
# also enforced by a PostgreSQL trigger); older ones are archived by `manage.py archive_audit` to a
# file signed with HMAC-SHA256 under AUDIT_ARCHIVE_KEY (empty: a key derived from SECRET_KEY).
AUDIT_RETENTION_DAYS = max(180, env_int("AUDIT_RETENTION_DAYS", 180))
AUDIT_ARCHIVE_KEY = os.environ.get("AUDIT_ARCHIVE_KEY", "")
# An API response carrying more than this many objects is a bulk read, recorded in the audit log.
API_BULK_READ_THRESHOLD = env_int("API_BULK_READ_THRESHOLD", 100)

# Sessions end after 30 idle minutes: the expiry is pushed forward on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# …and, however active, SESSION_ABSOLUTE_HOURS after the sign-in (accounts.middleware).
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploads: the browser limit is configurable (50 MB by default); larger files are refused before parsing.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 50) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Reading a sheet (ground.sheets.bounded): a file past these limits is refused with a message before
# any parser reads it, and the parser runs in a child process held to a memory and CPU budget, so a
# hostile file fails its batch and never the web or worker process. The national base library comes
# as CSV of up to about 1.5 million rows; an .xlsx sheet holds at most 1,048,576.
SHEET_MAX_ROWS = env_int("SHEET_MAX_ROWS", 2_000_000)
# The most data rows of a sheet one institution uploads (inventory results, conversion records).
INSTITUTION_SHEET_MAX_ROWS = env_int("INSTITUTION_SHEET_MAX_ROWS", 200_000)
SHEET_MAX_COLUMNS = env_int("SHEET_MAX_COLUMNS", 1_000)
SHEET_MAX_MEMBER_BYTES = env_int("SHEET_MAX_MEMBER_MB", 2048) * 1024 * 1024
SHEET_MAX_TOTAL_BYTES = env_int("SHEET_MAX_TOTAL_MB", 4096) * 1024 * 1024
SHEET_MAX_COMPRESSION_RATIO = env_int("SHEET_MAX_COMPRESSION_RATIO", 200)
SHEET_PARSE_MEMORY_MB = env_int("SHEET_PARSE_MEMORY_MB", 2048)
SHEET_PARSE_SECONDS = env_int("SHEET_PARSE_SECONDS", 600)
# Imports above this many rows run as a Celery task with a progress bar.
IMPORT_ASYNC_ROW_THRESHOLD = env_int("IMPORT_ASYNC_ROW_THRESHOLD", 3000)
# A validated upload's plan staged in PostgreSQL (inventory.upload.stage) is dropped at night once
# this many days old; a later commit rebuilds it from the plan file.
UPLOAD_STAGE_KEEP_DAYS = env_int("UPLOAD_STAGE_KEEP_DAYS", 7)
# Files of rejected (failed) and cancelled uploads are deleted this many days after the upload; the
# batch's row stays, with its counts, problems and the date its file went (inventory.upload.retention).
UPLOAD_REJECTED_KEEP_DAYS = env_int("UPLOAD_REJECTED_KEEP_DAYS", 30)
# A batch uploaded, validating or committing that has not moved for this long, and that no live
# worker claims, is queued again or failed by the sweeper (ground.imports.sweeper), every 5 minutes.
IMPORT_STALL_MINUTES = float(os.environ.get("IMPORT_STALL_MINUTES", "15"))
# A step of an import started this many times by workers that all died (a file that kills its
# worker) is not tried again: its batch fails with a message (ground.imports.deliveries).
IMPORT_MAX_DELIVERIES = env_int("IMPORT_MAX_DELIVERIES", 2)

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # One process's memory (the demo): roomy enough that an allocation sheet waiting between preview
    # and confirm (ground.imports.CachedBatches) is not culled by the library's cached facets.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 10_000}}}

# Celery: without Redis every task runs in-process, synchronously (demo and plain tests).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is down when a task is queued fails the request within seconds (the person is told
# and the batch stays retryable), not after the client libraries' default ~20 s of retries (the Redis
# result backend subscribes to the task's result as it is sent, with 20 retries a second apart).
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 3
CELERY_REDIS_SOCKET_TIMEOUT = 30
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
# visibility_timeout: an unacknowledged task (its worker killed whole, or cut from Redis) comes back
# after this many seconds, rather than Redis' default hour. A task running longer is delivered a
# second time while it runs: that delivery finds the batch claimed by the live worker and leaves it
# (ground.imports.deliveries), so the timeout need not exceed the longest import; the sweeper still
# takes up a task lost meanwhile (IMPORT_STALL_MINUTES).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
    "socket_connect_timeout": 3, "socket_timeout": 30, "socket_keepalive": True, "retry_on_timeout": True,
    "health_check_interval": 25,
}
# The worker keeps trying to reach Redis, at start and after losing it, instead of exiting; the
# tasks it was running when the connection went are cancelled (their messages come back: they are
# acknowledged late, and every step is idempotent), so no task finishes unacknowledgeable.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A child whose resident memory passed this after a task is replaced: a long-lived process keeps
# some of what a 100,000-row upload allocated (freed memory the allocator holds on to).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_MB", 1024) * 1024  # in KiB
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}
# Nightly checks of the inventory (inventory.tasks): sleeping-patent flags, then the milestones.
CELERY_BEAT_SCHEDULE["inventory-flag-sleeping-patents"] = {
    "task": "inventory.flag_sleeping_patents", "schedule": crontab(hour=1, minute=30),
}
CELERY_BEAT_SCHEDULE["inventory-check-milestones"] = {
    "task": "inventory.check_milestones", "schedule": crontab(hour=2, minute=0),
}
CELERY_BEAT_SCHEDULE["inventory-drop-abandoned-upload-stages"] = {
    "task": "inventory.drop_abandoned_upload_stages", "schedule": crontab(hour=3, minute=0),
}
CELERY_BEAT_SCHEDULE["inventory-remove-expired-upload-files"] = {
    "task": "inventory.remove_expired_upload_files", "schedule": crontab(hour=3, minute=30),
}
# Stalled import batches queued again or failed (ground.imports.sweeper), every 5 minutes.
CELERY_BEAT_SCHEDULE["imports-sweep-stalled-batches"] = {
    "task": "imports.sweep_stalled_batches", "schedule": crontab(minute="*/5"),
}
# The pushes' tally rebuilt from the pushes (matching.pushes.tasks): what a cascade or a change of
# classification did to the pushes without going through the tally is righted every night.
CELERY_BEAT_SCHEDULE["matching-rebuild-push-tally"] = {
    "task": "matching.rebuild_push_tally", "schedule": crontab(hour=3, minute=40),
}
# The daily match cycle (matching.matcher): one a day; firing again the same day does nothing.
CELERY_BEAT_SCHEDULE["matching-daily-cycle"] = {
    "task": "matching.daily_cycle", "schedule": crontab(hour=4, minute=0),
}
# The matcher (matching.matcher.weights explains each weight; the operator's page shows them).
MATCHING_MAX_PUSHES_PER_CYCLE = env_int("MATCHING_MAX_PUSHES_PER_CYCLE", 20)
MATCHING_MIN_SCORE = float(os.environ.get("MATCHING_MIN_SCORE", "2.0"))
MATCHING_CHUNK_SIZE = env_int("MATCHING_CHUNK_SIZE", 200)
# An IPC class or industry becomes a profile suggestion once this many answered pushes show it.
MATCHING_SUGGESTION_MIN_ANSWERS = env_int("MATCHING_SUGGESTION_MIN_ANSWERS", 3)
MATCHING_WEIGHTS: dict[str, float] = {}

# Expert evaluation rounds (evaluation.rounds.tasks): reminders at 08:00 of the assignments due within
# EVALUATION_REMINDER_DAYS days and of the overdue ones (once a day each); requests made of pushes
# answered "申请评价", every 15 minutes; the co-inventor relation refreshed at 02:30.
EVALUATION_MAX_OPEN_ASSIGNMENTS = env_int("EVALUATION_MAX_OPEN_ASSIGNMENTS", 10)
EVALUATION_REMINDER_DAYS = env_int("EVALUATION_REMINDER_DAYS", 3)
CELERY_BEAT_SCHEDULE["evaluation-remind-assignments"] = {
    "task": "evaluation.remind_assignments", "schedule": crontab(hour=8, minute=0),
}
CELERY_BEAT_SCHEDULE["evaluation-collect-push-requests"] = {
    "task": "evaluation.collect_push_requests", "schedule": crontab(minute="*/15"),
}
CELERY_BEAT_SCHEDULE["evaluation-build-coinventors"] = {
    "task": "evaluation.build_coinventors", "schedule": crontab(hour=2, minute=30),
}

# Quarterly statistics (reporting.statistics.tasks): on the first day of each quarter at 01:30 the
# quarter that just ended is counted for every scope (a draft the platform publishes).
CELERY_BEAT_SCHEDULE["reporting-compute-stats"] = {
    "task": "reporting.compute_stats", "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=1, minute=30),
}

# Dashboards (reporting.dashboards): a scope's charts, drawn from the quarter's pre-aggregated rows,
# are kept this many seconds for every reader of that scope (the live milestone panel may lag as much).
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 300)

# Province data interfaces (reporting.feeds, DATA-STANDARD.md §9): every province's journal synced
# hourly and its due batches pushed; batches waiting for a retry are sent every minute. A batch holds
# FEED_BATCH_SIZE records; an endpoint has FEED_PUSH_TIMEOUT seconds to answer; a batch not
# acknowledged is retried after FEED_RETRY_BASE_SECONDS, doubling up to FEED_RETRY_MAX_SECONDS, for
# FEED_RETRY_WINDOW_HOURS (at least 24), then failed. A sync appending FEED_PUSH_AFTER_ENTRIES entries
# or more pushes at once. Endpoints are https on public addresses; FEED_ALLOW_HTTP_LOOPBACK lets the
# tests' receiver on http://127.0.0.1 through, and nothing else.
FEED_BATCH_SIZE = env_int("FEED_BATCH_SIZE", 500)
FEED_PUSH_TIMEOUT = float(os.environ.get("FEED_PUSH_TIMEOUT", "10"))
FEED_RETRY_BASE_SECONDS = env_int("FEED_RETRY_BASE_SECONDS", 60)
FEED_RETRY_MAX_SECONDS = env_int("FEED_RETRY_MAX_SECONDS", 3600)
FEED_RETRY_WINDOW_HOURS = max(env_int("FEED_RETRY_WINDOW_HOURS", 24), 24)
FEED_PUSH_AFTER_ENTRIES = env_int("FEED_PUSH_AFTER_ENTRIES", 1000)
# A committed import of the inventory, base library, conversions or evaluations that added or changed
# FEED_SYNC_AFTER_ROWS rows or more syncs the provinces concerned at once (reporting.feeds.follow).
FEED_SYNC_AFTER_ROWS = env_int("FEED_SYNC_AFTER_ROWS", 1000)
# A spot check over at most this many inventoried records is drawn in the request (a province's draw
# takes well under a second); a larger one (a national check) by a worker, its progress shown.
SPOTCHECK_DRAW_IN_REQUEST_MAX = env_int("SPOTCHECK_DRAW_IN_REQUEST_MAX", 200_000)
FEED_PULL_DEFAULT_LIMIT = env_int("FEED_PULL_DEFAULT_LIMIT", 500)
FEED_PULL_MAX_LIMIT = env_int("FEED_PULL_MAX_LIMIT", 5000)
FEED_ALLOW_HTTP_LOOPBACK = env_bool("FEED_ALLOW_HTTP_LOOPBACK", False)
CELERY_BEAT_SCHEDULE["reporting-sync-feeds"] = {
    "task": "reporting.sync_feeds", "schedule": crontab(minute=5),
}
CELERY_BEAT_SCHEDULE["reporting-push-feeds"] = {
    "task": "reporting.push_feeds", "schedule": crontab(minute=20),
}
CELERY_BEAT_SCHEDULE["reporting-retry-feed-batches"] = {
    "task": "reporting.retry_feed_batches", "schedule": crontab(minute="*"),
}

# Notification deliveries (e-mail, group robots) due for a retry, every minute (notifications.tasks).
CELERY_BEAT_SCHEDULE["notifications-retry-due-deliveries"] = {
    "task": "notifications.retry_due_deliveries", "schedule": crontab(minute="*"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.api.authentication.ManagedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.api.permissions.PasswordIsCurrent",
        "accounts.api.permissions.SecondFactorPassed",
        "accounts.api.permissions.TokenScope",
    ],
    # Per token and per user, counted in the cache (Redis in production): 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.api.throttling.TokenRateThrottle",
        "accounts.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "ground.api.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "ground.api_schema.ContractAutoSchema",
    # JSON only outside development: DRF's browsable API pages carry inline styles that the
    # Content-Security-Policy refuses. Swagger UI (/api/docs/) describes and tries the API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "patentnavi API",
    "DESCRIPTION": "国家专利导航综合服务平台 · 存量专利盘活数据接口",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API description is for signed-in users (its pages redirect to the login, patentnavi/urls.py).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set that several serializers use under different field names.
    "ENUM_NAME_OVERRIDES": {"CooperationModeEnum": "matching.choices.CooperationMode",
                            "ReportKindEnum": "reporting.reports.models.ReportKind"},
}

# API throttling (accounts.api.throttling): requests per token and per user, "N/second|minute|hour|day".
API_THROTTLE_RATES = {
    "token": os.environ.get("API_THROTTLE_TOKEN_RATE", "120/min"),
    "user": os.environ.get("API_THROTTLE_USER_RATE", "240/min"),
}
# Managed API tokens (accounts.tokens): the expiry offered by default and the longest allowed.
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)

# Second factor (accounts.two_factor). TWO_FACTOR_REQUIRED: the operator and the three platform
# administrators must enrol (organisations choose for their members: Organization.requires_two_factor);
# false only for a local demo. Enrolled users always give a code after the password.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)
# Wrong codes in a row before the account's code step locks for TWO_FACTOR_LOCKOUT_MINUTES.
TWO_FACTOR_FAILURE_LIMIT = env_int("TWO_FACTOR_FAILURE_LIMIT", 5)
TWO_FACTOR_LOCKOUT_MINUTES = env_int("TWO_FACTOR_LOCKOUT_MINUTES", 30)
TWO_FACTOR_RECOVERY_CODES = 10
# Where one-time codes sent by SMS go (accounts.otp_delivery): the console backend logs them.
OTP_DELIVERY_BACKEND = os.environ.get("OTP_DELIVERY_BACKEND", "accounts.otp_delivery.ConsoleBackend")
OTP_TOTP_ISSUER = "patentnavi"

# Mail (inventor self-assessment invitations): the console in development, SMTP when configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@patentnavi.local")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The site's address as people reach it, for the links in e-mails and group-robot messages.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")

# Notifications (notifications.sending, notifications.webhooks): a failed e-mail or robot message is
# retried after NOTIFY_RETRY_BASE_SECONDS, doubling each time, NOTIFY_MAX_ATTEMPTS attempts in all;
# robots are posted to with NOTIFY_HTTP_TIMEOUT seconds to connect and to answer. Webhook addresses
# on private, loopback, link-local or reserved networks are refused unless NOTIFY_ALLOW_PRIVATE_WEBHOOKS
# (a closed intranet whose robots gateway is internal; the tests' local receiver).
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6)
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 60)
NOTIFY_HTTP_TIMEOUT = float(os.environ.get("NOTIFY_HTTP_TIMEOUT", "5"))
NOTIFY_ALLOW_PRIVATE_WEBHOOKS = env_bool("NOTIFY_ALLOW_PRIVATE_WEBHOOKS", False)

# Response headers of every environment (ground.middleware.SecurityHeadersMiddleware). Everything the
# pages load comes from this site (static/vendor, no CDN); no inline script, style block or style=""
# attribute, no eval; no framing. Django's own defaults add X-Content-Type-Options: nosniff,
# Referrer-Policy: same-origin, X-Frame-Options: DENY and Cross-Origin-Opener-Policy: same-origin.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features no page uses, denied to the site and to anything it could embed; copying to the
# clipboard stays allowed to the site's own pages.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "clipboard-read",
        "display-capture", "encrypted-media", "geolocation", "gyroscope", "hid", "idle-detection",
        "magnetometer", "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
} | {"clipboard-write": ["self"]}

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    CSRF_COOKIE_HTTPONLY = True
    # The language cookie too travels over HTTPS only and is not readable by scripts.
    LANGUAGE_COOKIE_SECURE = True
    LANGUAGE_COOKIE_HTTPONLY = True
    LANGUAGE_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
