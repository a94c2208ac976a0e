"""gunicorn settings for Orchestrator (used by `make run` and the launchd/systemd services).

gthread workers, so an open Server-Sent Events stream holds one thread, not a whole process.
One process unless REDIS_URL gives the rate limiter a cache shared between processes.
"""

import os
from pathlib import Path

_home = Path(os.environ.get("ORCHESTRATOR_HOME", Path.home() / ".orchestrator")).expanduser()
_logs = _home / "logs"
_logs.mkdir(parents=True, exist_ok=True)

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '5111')}")
wsgi_app = "orchestrator_site.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2" if os.environ.get("REDIS_URL") else "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", str(_logs / "access.log"))
errorlog = os.environ.get("GUNICORN_ERROR_LOG", str(_logs / "gunicorn.log"))
pidfile = os.environ.get("GUNICORN_PID_FILE", str(_home / "gunicorn.pid"))
proc_name = "orchestrator-api"
