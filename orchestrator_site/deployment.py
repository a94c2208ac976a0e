"""What the background services run: one plan shared by install_launchd, install_systemd and doctor.

Every path comes from the running interpreter and settings, never from the machine the code was
written on. The service managers start programs with an almost empty environment (launchd's PATH
is /usr/bin:/bin:/usr/sbin:/sbin), so the plan carries a PATH that finds `claude`, `node` and
`git`, and only non-secret values: secrets stay in the 0600 env file that settings.py reads.
"""

from __future__ import annotations

import itertools
import json
import os
import runpy
import shutil
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from orchestrator_site.config import load_env_file
from orchestrator_site.errors import InvalidInput, Unavailable

SYSTEM_PATH = ("/usr/bin", "/bin", "/usr/sbin", "/sbin")
GUNICORN_CONF = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"
ENV_EXAMPLE = Path(settings.BASE_DIR) / "deploy" / ".env.production"
# A worker stops its run's process group with TERM, a grace period, then KILL: give it room.
WORKER_STOP_SECONDS = 30
# The service manager waits this much longer than gunicorn's own graceful timeout before KILL.
STOP_MARGIN_SECONDS = 10


@dataclass(frozen=True)
class Service:
    """One process the service manager keeps alive."""

    role: str  # "api" or "worker.N": names the unit/label and the log files
    argv: list[str]
    environment: dict[str, str]
    stop_timeout: int  # seconds between SIGTERM and SIGKILL

    @property
    def is_worker(self) -> bool:
        return self.role.startswith("worker.")


@dataclass(frozen=True)
class ServicePlan:
    project_dir: Path
    python: Path
    home: Path
    env_file: Path
    logs_dir: Path
    port: int
    path: str
    tools: dict[str, str | None]  # claude / node / git -> resolved path, or None when not found
    services: list[Service] = field(default_factory=list)

    @property
    def api(self) -> Service:
        return self.services[0]

    @property
    def workers(self) -> list[Service]:
        return self.services[1:]

    def stdout_log(self, service: Service) -> Path:
        return self.logs_dir / f"{service.role}.out.log"

    def stderr_log(self, service: Service) -> Path:
        return self.logs_dir / f"{service.role}.err.log"


def venv_python() -> Path:
    """This virtualenv's python, unresolved: the symlink is what makes Python find the venv."""
    if sys.prefix == sys.base_prefix:
        raise InvalidInput("Run this with the project's virtualenv: .venv/bin/python manage.py ...")
    return Path(sys.prefix) / "bin" / "python"


def gunicorn_setting(name: str) -> object:
    """A value from deploy/gunicorn.conf.py, so the stop timeouts follow the real config."""
    return runpy.run_path(str(GUNICORN_CONF))[name]


def resolve_tool(name: str, *, search_path: str) -> str | None:
    """Absolute path of `name` (a bare command or a path) as a process with this PATH finds it."""
    if os.sep in name:
        candidate = Path(name).expanduser()
        return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
    return shutil.which(name, path=search_path)


def service_path(*, python: Path, tools: dict[str, str | None]) -> str:
    """PATH for the services: the venv, then the directories of the tools, then the system's."""
    entries = [str(python.parent)]
    entries += [str(Path(found).parent) for found in tools.values() if found]
    entries += SYSTEM_PATH
    return os.pathsep.join(dict.fromkeys(entries))


def build_plan(*, port: int | None = None, workers: int | None = None, search_path: str | None = None) -> ServicePlan:
    """The services to install for this checkout, venv and settings.

    `search_path` is where `claude`, `node` and `git` are looked up (default: this process's PATH).
    Raises InvalidInput when not run from a virtualenv or when a number is out of range.
    """
    port = settings.PORT if port is None else port
    workers = settings.MAX_CONCURRENT_EXECUTIONS if workers is None else workers
    if not 1 <= port <= 65535:
        raise InvalidInput(f"Port {port} is out of range: use 1..65535.")
    if not 1 <= workers <= 64:
        raise InvalidInput(f"{workers} workers is out of range: use 1..64.")
    python = venv_python()
    search_path = os.environ.get("PATH", "") if search_path is None else search_path
    tools = {
        "claude": resolve_tool(settings.CLAUDE_BIN, search_path=search_path),
        "node": resolve_tool("node", search_path=search_path),
        "git": resolve_tool("git", search_path=search_path),
    }
    path = service_path(python=python, tools=tools)
    project = Path(settings.BASE_DIR)
    base_env = {
        "PATH": path,
        "ORCHESTRATOR_HOME": str(settings.ORCHESTRATOR_HOME),
        "ORCHESTRATOR_ENV_FILE": str(settings.ORCHESTRATOR_ENV_FILE),
        "DJANGO_SETTINGS_MODULE": "orchestrator_site.settings",
        "PYTHONUNBUFFERED": "1",
        # App logs go to their own rotated file; what the manager captures stays small.
        "LOG_TO_CONSOLE": "false",
    }
    graceful = int(gunicorn_setting("graceful_timeout"))
    services = [
        Service(
            role="api",
            # The port goes on the command line, which beats both the config file and an env
            # file (systemd's EnvironmentFile= would override an Environment= PORT).
            argv=[str(python), "-m", "gunicorn", "--config", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}"],
            environment={**base_env, "ORCHESTRATOR_LOG_NAME": "api"},
            stop_timeout=graceful + STOP_MARGIN_SECONDS,
        )
    ]
    for number in range(1, workers + 1):
        services.append(
            Service(
                role=f"worker.{number}",
                argv=[str(python), str(project / "manage.py"), "db_worker"],
                environment={**base_env, "ORCHESTRATOR_LOG_NAME": f"worker.{number}"},
                stop_timeout=WORKER_STOP_SECONDS,
            )
        )
    return ServicePlan(
        project_dir=project,
        python=python,
        home=Path(settings.ORCHESTRATOR_HOME),
        env_file=Path(settings.ORCHESTRATOR_ENV_FILE),
        logs_dir=Path(settings.LOGS_DIR),
        port=port,
        path=path,
        tools=tools,
        services=services,
    )


def bind_port(argv: list[str]) -> int | None:
    """The port of a `--bind 127.0.0.1:N` in an api command line, or None."""
    for flag, value in itertools.pairwise(argv):
        if flag == "--bind" and value.rpartition(":")[2].isdigit():
            return int(value.rpartition(":")[2])
    return None


def installed_port() -> int:
    """The port of the installed api service on this platform, else settings.PORT."""
    if sys.platform == "darwin":
        from orchestrator_site import launchd as manager
    else:
        from orchestrator_site import systemd as manager
    return manager.installed_port() or settings.PORT


def shell_only_settings(env_file: Path) -> list[str]:
    """Settings this process took from its own environment that the env file does not hold.

    The services start with only the plan's variables plus the env file, so these would be
    silently lost (a DATABASE_URL exported in your shell, say)."""
    in_file: dict[str, str] = {}
    load_env_file(env_file, in_file)
    own = {"ORCHESTRATOR_HOME", "ORCHESTRATOR_ENV_FILE", "ORCHESTRATOR_LOG_NAME", "LOG_TO_CONSOLE"}
    return sorted(name for name in settings.ENV.names - own
                  if os.environ.get(name, "").strip() and name not in in_file)


def ensure_env_file(path: Path) -> bool:
    """Create the env file from deploy/.env.production with mode 0600 if it is missing, and take
    group/other permissions off an existing one. Returns True when the file was created."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(ENV_EXAMPLE.read_text(encoding="utf-8"))
    return True


def fetch_health(port: int, *, timeout: float = 5.0) -> tuple[int, dict]:
    """(status code, body) of GET /api/health on loopback; raises OSError when nothing answers."""
    url = f"http://127.0.0.1:{port}/api/health"
    # No proxies: an http_proxy in the environment must not catch a loopback request.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, {}
    except ValueError as exc:
        raise OSError(f"not JSON: {exc}") from None


def wait_for_health(port: int, *, timeout: float) -> dict:
    """Poll /api/health until it answers 200; returns the body.

    Raises Unavailable with the last answer (or connection error) when the deadline passes."""
    deadline = time.monotonic() + timeout
    last = "nothing answered"
    while True:
        try:
            status, body = fetch_health(port, timeout=min(5.0, max(timeout, 0.5)))
        except OSError as exc:
            last = f"nothing answered ({exc})"
        else:
            if status == 200:
                return body
            failing = {name: value for name, value in body.get("checks", {}).items() if value != "ok"}
            last = f"HTTP {status}, failing checks: {failing or body}"
        if time.monotonic() >= deadline:
            raise Unavailable(f"http://127.0.0.1:{port}/api/health did not pass within {timeout:.0f} s: {last}.")
        time.sleep(0.5)


def log_tail(plan: ServicePlan, *, lines: int = 20) -> str:
    """The last lines of every service log that has something in it, for error messages."""
    chunks = []
    for service in plan.services:
        for log in (plan.stderr_log(service), plan.logs_dir / f"{service.role}.log"):
            if log.is_file() and log.stat().st_size:
                text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                chunks.append(f"==> {log} <==\n" + "\n".join(text))
    return "\n".join(chunks)
