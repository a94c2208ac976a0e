"""Django settings, driven by environment variables (see deploy/.env.production for the list).

An optional env file is read first: `ORCHESTRATOR_ENV_FILE`, or `$ORCHESTRATOR_HOME/orchestrator.env`
when that exists. Variables already in the environment win over the file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from orchestrator_site.config import Env, load_env_file, secret_key_from

BASE_DIR = Path(__file__).resolve().parent.parent

ENV = Env(os.environ)

# ORCHESTRATOR_HOME comes from the real environment only: it tells where the env file lives.
ORCHESTRATOR_HOME = ENV.path("ORCHESTRATOR_HOME", Path.home() / ".orchestrator")
ORCHESTRATOR_ENV_FILE = ENV.path("ORCHESTRATOR_ENV_FILE", ORCHESTRATOR_HOME / "orchestrator.env")
load_env_file(ORCHESTRATOR_ENV_FILE, os.environ)

ORCHESTRATOR_ENV = ENV.choice("ORCHESTRATOR_ENV", "production", ("production", "development"))
DEBUG = ORCHESTRATOR_ENV == "development"

ORCHESTRATOR_HOME.mkdir(parents=True, exist_ok=True, mode=0o700)
LOGS_DIR = ORCHESTRATOR_HOME / "logs"
TRASH_DIR = ORCHESTRATOR_HOME / "trash"

AGENTS_ROOT = ENV.path("AGENTS_ROOT", ORCHESTRATOR_HOME / "agents")
# Seed an empty AGENTS_ROOT with examples/agents/ on first run, and make it a git repository.
AGENTS_SEED_EXAMPLES = ENV.bool("AGENTS_SEED_EXAMPLES", True)
AGENTS_GIT_INIT = ENV.bool("AGENTS_GIT_INIT", True)
AUTO_COMMIT = ENV.bool("AUTO_COMMIT", True)

CLAUDE_BIN = ENV.str("CLAUDE_BIN", shutil.which("claude") or "claude")
EXECUTION_TIMEOUT = ENV.int("EXECUTION_TIMEOUT", 600, minimum=1, maximum=7 * 24 * 3600)
MAX_CONCURRENT_EXECUTIONS = ENV.int("MAX_CONCURRENT_EXECUTIONS", 2, minimum=1, maximum=64)
# Queued + running executions accepted before POST .../run/ answers 429 QUEUE_FULL.
MAX_QUEUED_EXECUTIONS = ENV.int("MAX_QUEUED_EXECUTIONS", 100, minimum=1, maximum=100_000)
# Bytes of CLI output stored per execution; past it output is drained and discarded.
EXECUTION_OUTPUT_LIMIT = ENV.int("EXECUTION_OUTPUT_LIMIT", 10 * 1024 * 1024, minimum=64 * 1024, maximum=2**40)
# Extra environment variable names passed to the CLI, beyond the built-in allow-list.
CLAUDE_ENV_PASSTHROUGH = ENV.list("CLAUDE_ENV_PASSTHROUGH", [])
# Whole-probe deadline for an MCP server check, in seconds.
MCP_PROBE_TIMEOUT = ENV.int("MCP_PROBE_TIMEOUT", 10, minimum=1, maximum=300)
# Where Claude Code keeps .claude.json (MCP servers of the user and local scopes): like the CLI,
# $CLAUDE_CONFIG_DIR when set, else HOME.
CLAUDE_CONFIG_DIR = ENV.path("CLAUDE_CONFIG_DIR", Path.home())

SECRET_KEY = ENV.str("SECRET_KEY") or secret_key_from(ORCHESTRATOR_HOME)

ALLOWED_HOSTS = ENV.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CORS_ORIGINS = ENV.list("CORS_ORIGINS", ["http://localhost:5173"] if DEBUG else [])
PORT = ENV.int("PORT", 5111, minimum=1, maximum=65535)

REDIS_URL = ENV.str("REDIS_URL")
DATABASE_URL = ENV.str("DATABASE_URL")
DATABASE_PATH = ENV.path("DATABASE_PATH", ORCHESTRATOR_HOME / "executions.db")
LOG_LEVEL = ENV.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOG_FORMAT = ENV.choice("LOG_FORMAT", "text", ("text", "json"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_ratelimit",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "orchestrator_site",
    "agents",
    # Listed before django_tasks_db so its db_worker command (with our reaper) wins.
    "executions",
    "mcp",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: refuse a foreign Host header before anything (whitenoise included) answers.
    "orchestrator_site.middleware.HostHeaderMiddleware",
    "orchestrator_site.middleware.ForeignOriginMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "orchestrator_site.urls"
WSGI_APPLICATION = "orchestrator_site.wsgi.application"

FRONTEND_DIST = BASE_DIR / "frontend" / "dist"

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
            ],
        },
    },
]

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATABASE_PATH,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN: a read-then-write transaction waits
                # for the busy timeout instead of failing at once with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "orchestrator"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Collected per home (make run, deploy.sh), so two checkouts or a test stack never share it.
STATIC_ROOT = ORCHESTRATOR_HOME / "static"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# whitenoise answers any Host with "Access-Control-Allow-Origin: *" unless told otherwise.
WHITENOISE_ALLOW_ALL_ORIGINS = False
# Cached for a year only when the name carries a content hash: the Vite build's assets/<name>-<8
# chars>.<ext> (index.html names them as such), and the copies collectstatic's manifest adds as
# <name>.<12 hex>.<ext>. Everything else (e.g. swagger-ui-bundle.js) keeps whitenoise's short max-age.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/static/(assets/[^/]+-[0-9A-Za-z_-]{8}|.+\.[0-9a-f]{12})\.[0-9A-Za-z]+$"

REST_FRAMEWORK = {
    # Token first, so an anonymous request gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["orchestrator_site.permissions.StaffWritesOthersRead"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "orchestrator_site.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "orchestrator_site.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Orchestrator API",
    "DESCRIPTION": "Control plane for a team of Claude Code agents.",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a nested Status; name the enums so the schema has no collision.
    "ENUM_NAME_OVERRIDES": {"McpServerStatusEnum": "mcp.models.McpServer.Status",
                            "ExecutionStatusEnum": "executions.models.Execution.Status"},
    # Swagger UI from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# name -> dotted path of a callable returning "ok" or a short problem word, shown in /api/health.
HEALTH_CHECKS: dict[str, str] = {"worker": "executions.health.worker_status"}

# Rate limits (django-ratelimit) per user, for mutating requests and for runs.
RATELIMIT_MUTATIONS = "120/m"
RATELIMIT_RUNS = "30/m"
RATELIMIT_LOGIN = "10/m"
RATELIMIT_VIEW = "orchestrator_site.api_errors.ratelimited_view"

# What runs after every agent sync (start-up, POST /api/agents/sync/): agents imports neither
# executions nor mcp, so the wiring lives here.
AGENT_SYNC_HOOKS: list[str] = ["mcp.services.discover_servers"]

CSRF_FAILURE_VIEW = "orchestrator_site.api_errors.csrf_failure"

CORS_ALLOWED_ORIGINS = CORS_ORIGINS
CORS_ALLOW_CREDENTIALS = True
CSRF_TRUSTED_ORIGINS = CORS_ORIGINS

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SILENCED_SYSTEM_CHECKS = [
    # The service listens on loopback over plain http (port 5111): HTTPS redirects, HSTS and
    # secure-only cookies would lock the user out of their own dashboard. Put a TLS proxy in
    # front before exposing it, and set these there.
    "security.W004",  # SECURE_HSTS_SECONDS
    "security.W008",  # SECURE_SSL_REDIRECT
    "security.W012",  # SESSION_COOKIE_SECURE
    "security.W016",  # CSRF_COOKIE_SECURE
]
if not REDIS_URL:
    # Without REDIS_URL gunicorn runs one process with threads (deploy/gunicorn.conf.py), so the
    # local-memory cache is shared by every request and its increments are atomic under its lock.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.W001")

LOGS_DIR.mkdir(parents=True, exist_ok=True)
# One app log per process role (api, worker.N: the service definitions set it), because two
# processes rotating one file lose lines. Rotated by size, LOG_FILE_BACKUPS old files kept.
LOG_NAME = ENV.str("ORCHESTRATOR_LOG_NAME", "orchestrator")
if not LOG_NAME.replace("-", "").replace("_", "").replace(".", "").isalnum() or LOG_NAME.startswith("."):
    raise ImproperlyConfigured(f"ORCHESTRATOR_LOG_NAME={LOG_NAME!r}: use letters, digits, '.', '-' and '_'.")
LOG_FILE_MAX_BYTES = ENV.int("LOG_FILE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024, maximum=2**40)
LOG_FILE_BACKUPS = ENV.int("LOG_FILE_BACKUPS", 5, minimum=1, maximum=1000)
# Services turn this off: launchd/systemd capture stderr into a file nothing rotates by size.
LOG_TO_CONSOLE = ENV.bool("LOG_TO_CONSOLE", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
        "json": {"()": "orchestrator_site.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
        "file": {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(LOGS_DIR / f"{LOG_NAME}.log"),
            "maxBytes": LOG_FILE_MAX_BYTES,
            "backupCount": LOG_FILE_BACKUPS,
            "formatter": LOG_FORMAT,
            "delay": True,
            "encoding": "utf-8",
        },
    },
    "root": {"handlers": ["console", "file"] if LOG_TO_CONSOLE else ["file"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
