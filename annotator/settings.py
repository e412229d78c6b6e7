"""MEStudio settings: every value comes from the environment, with embedded defaults.

Embedded mode (no variables set) needs no servers: SQLite in WAL mode, Celery on a
filesystem broker under var/, an in-process channel layer. DATABASE_URL and REDIS_URL
switch to PostgreSQL and Redis.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MESTUDIO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
INSECURE_DEFAULT_KEY = "insecure-dev-key-only-for-debug-and-tests"
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_DEFAULT_KEY
if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Outside DEBUG MEStudio refuses to start with the built-in key: "
        "export SECRET_KEY (make run keeps one in var/secret_key), or DEBUG=1 on a development machine."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI at /api/docs/ from this install, never a CDN
    "django_htmx",
    "channels",
    "annotator",
    "mlbackend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "annotator.middleware.LoginRequiredExceptApiMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "annotator.urls"
ASGI_APPLICATION = "annotator.asgi.application"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
            ],
        },
    },
]


def database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        config["TEST"] = {"NAME": f"test_{config['NAME']}"}
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("MESTUDIO_SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
        # WAL lets the web server read while the worker writes; the busy timeout turns
        # short write contention into a wait instead of "database is locked".
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        },
        # Threads (live server, in-process Celery worker) must see one database: a file.
        "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        # Web threads are pooled (annotator/asgi_handler.py): reuse their connection between requests.
        "CONN_MAX_AGE": 60,
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

# Face videos are biometric data: there is deliberately no MEDIA_URL. Every frame goes
# through a view that checks project membership.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
UPLOAD_TEMP_DIR = VAR_DIR / "uploads"
FILE_UPLOAD_TEMP_DIR = None
DATA_UPLOAD_MAX_NUMBER_FILES = 5000
# Offload file bodies to a proxy (nginx X-Accel-Redirect) when one fronts the app.
MESTUDIO_ACCEL_REDIRECT_PREFIX = os.environ.get("MESTUDIO_ACCEL_REDIRECT_PREFIX", "")

MESTUDIO_INGEST = {
    "MAX_WIDTH": int(os.environ.get("MESTUDIO_MAX_WIDTH", 4096)),
    "MAX_HEIGHT": int(os.environ.get("MESTUDIO_MAX_HEIGHT", 4096)),
    "MAX_FRAMES": int(os.environ.get("MESTUDIO_MAX_FRAMES", 200_000)),
    # Decoded pixels (width x height x frames): a tiny upload must not turn into hours of work and gigabytes.
    "MAX_CLIP_PIXELS": int(os.environ.get("MESTUDIO_MAX_CLIP_PIXELS", 20_000_000_000)),
    "MAX_PROJECT_PIXELS": int(os.environ.get("MESTUDIO_MAX_PROJECT_PIXELS", 500_000_000_000)),
    # Upload requests per user (API and upload form together), in DRF's rate syntax.
    "UPLOAD_RATE": os.environ.get("MESTUDIO_UPLOAD_RATE", "60/hour"),
    "JPEG_QUALITY": int(os.environ.get("MESTUDIO_JPEG_QUALITY", 95)),
    "FACE_SIZE": int(os.environ.get("MESTUDIO_FACE_SIZE", 256)),
    "ALIGN_FACES": env_bool("MESTUDIO_ALIGN_FACES", True),
}

# Dataset imports: a lead picks a folder below one of these roots (never types a path) or uploads an archive.
MESTUDIO_IMPORT_ROOTS = env_list("MESTUDIO_IMPORT_ROOTS", "")
MESTUDIO_IMPORT = {
    "MAX_ARCHIVE_BYTES": int(os.environ.get("MESTUDIO_IMPORT_MAX_ARCHIVE_BYTES", 20 * 2**30)),
    "MAX_ARCHIVE_ENTRIES": int(os.environ.get("MESTUDIO_IMPORT_MAX_ARCHIVE_ENTRIES", 50_000)),
    "MAX_UNPACKED_BYTES": int(os.environ.get("MESTUDIO_IMPORT_MAX_UNPACKED_BYTES", 40 * 2**30)),
    "MAX_RATIO": int(os.environ.get("MESTUDIO_IMPORT_MAX_RATIO", 100)),
    "MAX_SHEET_ROWS": int(os.environ.get("MESTUDIO_IMPORT_MAX_SHEET_ROWS", 100_000)),
    "MAX_SHEET_BYTES": int(os.environ.get("MESTUDIO_IMPORT_MAX_SHEET_BYTES", 50 * 2**20)),
    "MAX_SHEET_UNPACKED_BYTES": int(os.environ.get("MESTUDIO_IMPORT_MAX_SHEET_UNPACKED_BYTES", 200 * 2**20)),
    "MAX_FRAME_BYTES": int(os.environ.get("MESTUDIO_IMPORT_MAX_FRAME_BYTES", 64 * 2**20)),
}

# ML plugins, by module; more can come from the `mestudio.plugins` entry-point group.
MESTUDIO_PLUGINS = env_list(
    "MESTUDIO_PLUGINS",
    "plugins.flow_svm,plugins.motion_spotter,plugins.ststnet,plugins.off_apexnet,plugins.mmfnet,plugins.au_flow,"
    "plugins.mdmd,plugins.lbp_spotter",
)

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
    # Several web processes must share the login/token/upload throttle counts (and cached sessions).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Name a queue (e.g. "gpu") to send training, evaluation and pre-annotation there; GPU workers consume it.
MESTUDIO_GPU_QUEUE = os.environ.get("MESTUDIO_GPU_QUEUE", "")
# Jobs a coder waits for (clip analysis, apex-first proposals) go here; `manage.py serve` runs a worker for it.
MESTUDIO_INSTANT_QUEUE = os.environ.get("MESTUDIO_INSTANT_QUEUE", "instant")
# Exports of more codes than this run as a job instead of in the request.
MESTUDIO_EXPORT_SYNC_MAX_ROWS = int(os.environ.get("MESTUDIO_EXPORT_SYNC_MAX_ROWS", 5_000))
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-jobs": {"task": "annotator.sweep_stale_jobs", "schedule": 30.0},
    # Removes media/models/job-N of jobs that stopped (a killed worker's included) once they are swept.
    "sweep-job-workdirs": {"task": "mlbackend.sweep_job_workdirs", "schedule": 300.0},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "annotator.api.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "annotator.api.errors.exception_handler",
    # Password guesses: per client address, on the token endpoint and the login page (annotator/views/auth.py).
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("MESTUDIO_LOGIN_RATE", "10/min"),
        "token": os.environ.get("MESTUDIO_TOKEN_RATE", "10/min"),
    },
    # The client address is REMOTE_ADDR unless a proxy is declared: a forged X-Forwarded-For must not reset a limit.
    "NUM_PROXIES": int(os.environ.get("MESTUDIO_NUM_PROXIES", 0)),
}
MESTUDIO_TOKEN_TTL_HOURS = float(os.environ.get("MESTUDIO_TOKEN_TTL_HOURS", 24 * 30))
SPECTACULAR_SETTINGS = {
    "TITLE": "MEStudio API",
    "DESCRIPTION": "Projects, subjects, clips, frame images and FACS coding events.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "annotator.models.job.Job.Status",
        "ClipStatusEnum": "annotator.models.clip.Clip.Status",
        "EventKindEnum": "annotator.models.event.CodingEvent.Kind",
        "EventStatusEnum": "annotator.models.event.CodingEvent.Status",
    },
}

# Every frame request reads the session: serve it from memory, write through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Pages load scripts and styles only from static files: no inline <script>, event handler or style attribute
# (tests/annotator/views/test_csp.py checks every page). Frames are same-origin images; live progress is a
# same-origin WebSocket, which 'self' covers in CSP level 3 browsers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}},
}
