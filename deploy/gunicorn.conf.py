"""gunicorn settings for Orchestrator (used by `make run` and the launchd/systemd services).

gthread workers, so an open Server-Sent Events stream holds one thread, not a whole process.
One process unless REDIS_URL gives the rate limiter a cache shared between processes.

Values come from the environment and the env file, read the way settings.py reads them but into
a copy: the master's own environment stays untouched, so a SIGHUP (reload) starts workers that
read the env file afresh.
"""

import os
import sys
from pathlib import Path

_project = Path(__file__).resolve().parent.parent
if str(_project) not in sys.path:
    sys.path.insert(0, str(_project))

from orchestrator_site.config import Env, load_env_file  # noqa: E402

_environ = dict(os.environ)
_env = Env(_environ)
_home = _env.path("ORCHESTRATOR_HOME", Path.home() / ".orchestrator")
load_env_file(_env.path("ORCHESTRATOR_ENV_FILE", _home / "orchestrator.env"), _environ)
_logs = _home / "logs"
_logs.mkdir(parents=True, exist_ok=True)

chdir = str(_project)
wsgi_app = "orchestrator_site.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_env.int('PORT', 5111, minimum=1, maximum=65535)}"]
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS") or (2 if _env.str("REDIS_URL") else 1))
threads = int(os.environ.get("GUNICORN_THREADS") or 32)
# The master restarts a worker whose main loop stays silent this long (threads serve meanwhile).
timeout = 60
# SIGTERM: stop accepting, give open requests and streams this long, then the master kills the
# worker. launchd's ExitTimeOut and systemd's TimeoutStopSec are set above this.
graceful_timeout = 20
keepalive = 5
# Both logs rotate by size like the app logs (LOG_FILE_MAX_BYTES, LOG_FILE_BACKUPS); "-" is a stream.
_max_bytes = _env.int("LOG_FILE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024, maximum=2**40)
_backups = _env.int("LOG_FILE_BACKUPS", 5, minimum=1, maximum=1000)


def _handler(target: str, formatter: str, stream: str) -> dict:
    if target == "-":
        return {"class": "logging.StreamHandler", "formatter": formatter, "stream": stream}
    return {"class": "logging.handlers.RotatingFileHandler", "formatter": formatter, "filename": target,
            "maxBytes": _max_bytes, "backupCount": _backups, "delay": True, "encoding": "utf-8"}


loglevel = "info"
# gunicorn's own handlers are replaced by these; its accesslog/errorlog settings stay unset.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
    "handlers": {
        "error": _handler(os.environ.get("GUNICORN_ERROR_LOG") or str(_logs / "gunicorn.log"),
                          "generic", "ext://sys.stderr"),
        "access": _handler(os.environ.get("GUNICORN_ACCESS_LOG") or str(_logs / "access.log"),
                           "access", "ext://sys.stdout"),
    },
    "formatters": {
        "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"},
        "access": {"format": "%(message)s"},
    },
}
# Without an accesslog setting gunicorn formats no access lines at all: "-" only switches them on.
accesslog = "-"
pidfile = os.environ.get("GUNICORN_PID_FILE") or str(_home / "gunicorn.pid")
proc_name = "orchestrator-api"
# gunicorn >= 25 opens a control socket at one fixed path per user (~/.gunicorn/gunicorn.ctl), which
# a second instance (make run next to the service, or the tests) would take over. We manage the
# master with signals (SIGHUP reload, SIGTERM stop), so it stays off.
control_socket_disable = True
# launchd/systemd supervise the master: it must stay in the foreground.
daemon = False
