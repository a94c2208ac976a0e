"""`manage.py doctor`: what docs/RUNBOOK.md checks by hand, checked the way the service sees it.

The service runs with the PATH and ORCHESTRATOR_HOME of its plist or unit, not of your shell, so
`claude` and `node` are looked up on the installed service's PATH (or the one an install would
write). Each check returns a pass or a failure with the fix; nothing here changes anything.
"""

from __future__ import annotations

import datetime
import os
import shlex
import shutil
import socket
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from orchestrator_site import launchd, systemd
from orchestrator_site.deployment import bind_port, build_plan, fetch_health, resolve_tool
from orchestrator_site.errors import InvalidInput

DEFAULT_MIN_FREE_MB = 1024
_CLI_TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class ServiceView:
    """What the installed service (or a fresh install) would run with."""

    manager: str  # "launchd" or "systemd"
    installer: str  # the command that (re)installs it
    installed: bool
    environment: dict[str, str]
    port: int
    workers: int
    problems: list[str]


def _launchd_view(prefix: str) -> ServiceView:
    directory = launchd.launch_agents_dir()
    problems: list[str] = []
    api_path = directory / f"{prefix}.api.plist"
    workers = sorted(directory.glob(f"{prefix}.worker.*.plist"))
    if not api_path.exists():
        return _fresh_view("launchd", "install_launchd", problems=[f"{api_path} is missing"])
    environment: dict[str, str] = {}
    port = settings.PORT
    for path in [api_path, *workers]:
        try:
            job = launchd.validate_plist(path.read_bytes())
        except (OSError, InvalidInput) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        problems += _program_problems(path.name, job["ProgramArguments"], job["WorkingDirectory"])
        if path == api_path:
            environment = job["EnvironmentVariables"]
            port = bind_port(job["ProgramArguments"]) or port
    return ServiceView("launchd", "install_launchd", True, environment, port, len(workers), problems)


def _systemd_view() -> ServiceView:
    directory = systemd.unit_dir()
    api_path = directory / systemd.API_UNIT
    if not api_path.exists():
        return _fresh_view("systemd", "install_systemd", problems=[f"{api_path} is missing"])
    problems: list[str] = []
    environment: dict[str, str] = {}
    port = settings.PORT
    workers = systemd.enabled_instances()
    paths = [api_path] + ([directory / systemd.WORKER_TEMPLATE] if workers else [])
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            systemd.validate_unit(path.name, text)
        except (OSError, InvalidInput) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        values = [line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")]
        argv = [word.replace("$$", "$") for word in shlex.split(dict(values)["ExecStart"])]
        problems += _program_problems(path.name, argv, dict(values)["WorkingDirectory"].replace("%%", "%"))
        if path == api_path:
            port = bind_port(argv) or port
            for key, value in values:
                if key == "Environment":
                    name, _, setting = shlex.split(value)[0].partition("=")
                    environment[name] = setting.replace("%%", "%")
    if not (systemd.wants_dir() / systemd.API_UNIT).exists():
        problems.append(f"{systemd.API_UNIT} is not enabled")
    return ServiceView("systemd", "install_systemd", True, environment, port, len(workers), problems)


def _fresh_view(manager: str, installer: str, *, problems: list[str]) -> ServiceView:
    plan = build_plan()
    return ServiceView(manager, installer, False, plan.api.environment, plan.port, len(plan.workers), problems)


def _program_problems(name: str, argv: list[str], cwd: str) -> list[str]:
    problems = []
    if not (os.path.isfile(argv[0]) and os.access(argv[0], os.X_OK)):
        problems.append(f"{name}: {argv[0]} is not an executable file (was the venv moved or rebuilt?)")
    if not Path(cwd).is_dir():
        problems.append(f"{name}: WorkingDirectory {cwd} does not exist")
    return problems


def service_view(*, manager: str, prefix: str = launchd.DEFAULT_PREFIX) -> ServiceView:
    return _launchd_view(prefix) if manager == "launchd" else _systemd_view()


def check_service_files(view: ServiceView) -> Check:
    name = "plists" if view.manager == "launchd" else "systemd units"
    fix = f".venv/bin/python manage.py {view.installer}"
    if not view.installed:
        return Check(name, False, "; ".join(view.problems) or "not installed", f"Install the service: {fix}")
    home = view.environment.get("ORCHESTRATOR_HOME")
    problems = list(view.problems)
    if home and Path(home) != Path(settings.ORCHESTRATOR_HOME):
        problems.append(f"the service uses ORCHESTRATOR_HOME={home}, this shell {settings.ORCHESTRATOR_HOME}")
    if problems:
        return Check(name, False, "; ".join(problems), f"Reinstall to rewrite them: {fix} "
                     "(or run doctor with the service's ORCHESTRATOR_HOME)")
    return Check(name, True, f"api and {view.workers} worker(s) installed and valid")


def check_claude(view: ServiceView) -> tuple[Check, str | None]:
    path = view.environment.get("PATH", "")
    found = resolve_tool(settings.CLAUDE_BIN, search_path=path)
    if found is None:
        return Check("claude on the service PATH", False, f"{settings.CLAUDE_BIN} is not found on PATH={path}",
                     f"Install Claude Code (npm install -g @anthropic-ai/claude-code), then run "
                     f"manage.py {view.installer} again so its folder is on the service PATH, or set "
                     f"CLAUDE_BIN to its absolute path in {settings.ORCHESTRATOR_ENV_FILE}."), None
    return Check("claude on the service PATH", True, found), found


def _needs_node(claude: str) -> bool:
    try:
        with open(claude, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"node" in first


def check_node(view: ServiceView, claude: str | None) -> Check:
    path = view.environment.get("PATH", "")
    found = resolve_tool("node", search_path=path)
    if found:
        return Check("node on the service PATH", True, found)
    if claude and not _needs_node(claude):
        return Check("node on the service PATH", True, "not found, and not needed: claude is not a node script")
    return Check("node on the service PATH", False, f"node is not found on PATH={path}",
                 f"Install Node.js (claude is a node script), then run manage.py {view.installer} again.")


def check_cli_version(view: ServiceView, claude: str | None) -> Check:
    if claude is None:
        return Check("claude --version", False, "skipped: claude is not found", "Fix `claude on the service PATH`.")
    env = {"PATH": view.environment.get("PATH", ""), "HOME": str(Path.home())}
    try:
        done = subprocess.run([claude, "--version"], env=env, capture_output=True, text=True, timeout=_CLI_TIMEOUT,
                              stdin=subprocess.DEVNULL, start_new_session=True, check=False)
    except subprocess.TimeoutExpired:
        return Check("claude --version", False, f"no answer within {_CLI_TIMEOUT:.0f} s",
                     "Run `claude --version` yourself: an update or login prompt may be waiting.")
    except OSError as exc:
        return Check("claude --version", False, str(exc), f"Check that {claude} is executable.")
    if done.returncode != 0:
        error = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        return Check("claude --version", False, error[0][:200],
                     "Reinstall Claude Code; if it is a node script, check that node runs.")
    return Check("claude --version", True, done.stdout.strip()[:80])


def sqlite_status(path: Path, *, timeout: float = 2.0) -> Check:
    """WAL mode and a real write lock on an SQLite file, with a short timeout of our own."""
    if not path.exists():
        return Check("database", False, f"{path} does not exist", ".venv/bin/python manage.py migrate")
    try:
        probe = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        return Check("database", False, f"{path}: {exc}", "Check the file and folder permissions.")
    try:
        mode = probe.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal":
            return Check("database", False, f"{path} is in {mode} mode, not WAL: readers and writers block each other",
                         "Stop the services, run `sqlite3 <file> 'PRAGMA journal_mode=WAL'`, start them again.")
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            return Check("database", False, f"{path}: cannot take the write lock within {timeout:.0f} s ({exc})",
                         "Another process holds a long write transaction: see RUNBOOK.md, 'Database locked' "
                         "(`lsof <file>` shows who has it open).")
    except sqlite3.Error as exc:
        return Check("database", False, f"{path}: {exc}", "Check the file and folder permissions.")
    finally:
        probe.close()
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return Check("database", False, f"{path} or its folder is not writable",
                     "Give the service's user write access to the file and its folder.")
    return Check("database", True, f"SQLite {path}, WAL, writable")


def check_database() -> Check:
    if connection.vendor == "sqlite":
        return sqlite_status(Path(connection.settings_dict["NAME"]))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_read_only")
            read_only = cursor.fetchone()[0] == "on"
    except DatabaseError as exc:
        return Check("database", False, str(exc).strip().splitlines()[0][:200],
                     "Check DATABASE_URL in the env file and that the server runs.")
    if read_only:
        return Check("database", False, "the PostgreSQL connection is read-only (a replica?)",
                     "Point DATABASE_URL at the primary.")
    return Check("database", True, f"{connection.vendor} {connection.settings_dict.get('NAME')}, writable")


def check_port(view: ServiceView) -> Check:
    name = f"port {view.port}"
    with socket.socket() as sock:
        # As gunicorn binds: connections still in TIME_WAIT do not make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", view.port))
        except OSError:
            pass
        else:
            return Check(name, True, "free (nothing listens: the api is not running)")
    try:
        _, body = fetch_health(view.port, timeout=5)
    except OSError as exc:
        body, error = {}, str(exc)
    else:
        error = ""
    if isinstance(body, dict) and "version" in body and "checks" in body:
        return Check(name, True, f"Orchestrator {body['version']} answers")
    return Check(name, False, f"another program listens on 127.0.0.1:{view.port} {error}".rstrip(),
                 f"Find it with `lsof -nP -iTCP:{view.port} -sTCP:LISTEN`; stop it, or reinstall on another port "
                 f"with manage.py {view.installer} --port N.")


def check_api(view: ServiceView) -> Check:
    try:
        status, body = fetch_health(view.port, timeout=5)
    except OSError:
        return Check("api health", False, f"nothing answers on 127.0.0.1:{view.port}",
                     f"Start it: manage.py {view.installer} --restart; if it keeps dying, read "
                     f"{settings.LOGS_DIR}/api.err.log and api.log.")
    if status == 200:
        return Check("api health", True, f"healthy, version {body.get('version')}")
    failing = {key: value for key, value in body.get("checks", {}).items() if value != "ok"}
    return Check("api health", False, f"HTTP {status}, failing: {failing}", "Fix the failing checks listed here.")


def check_workers(view: ServiceView) -> Check:
    try:
        heartbeat = apps.get_model("executions", "WorkerHeartbeat")
        from executions.models import WORKER_FRESH_SECONDS
    except (LookupError, ImportError):
        return Check("workers alive", True, "not checked: this build has no worker heartbeat")
    host = socket.gethostname()[:255]
    cutoff = timezone.now() - datetime.timedelta(seconds=WORKER_FRESH_SECONDS)
    try:
        alive = heartbeat.objects.filter(host=host, seen_at__gte=cutoff).count()
    except DatabaseError as exc:
        return Check("workers alive", False, f"cannot read heartbeats: {exc}", "Run manage.py migrate.")
    if alive < view.workers:
        return Check("workers alive", False, f"{alive} of {view.workers} worker(s) on {host} have a fresh heartbeat",
                     f"Restart them: manage.py {view.installer} --restart; if they keep dying, read "
                     f"{settings.LOGS_DIR}/worker.N.err.log and worker.N.log.")
    return Check("workers alive", True, f"{alive} worker(s) on {host}")


def check_stale_runs() -> Check:
    try:
        execution = apps.get_model("executions", "Execution")
        stale = list(execution.objects.stale(timezone.now()).values_list("pk", flat=True)[:20])
    except (LookupError, AttributeError):
        return Check("stale runs", True, "not checked: this build has no executions")
    except DatabaseError as exc:
        return Check("stale runs", False, f"cannot read executions: {exc}", "Run manage.py migrate.")
    if stale:
        ids = ", ".join(f"#{pk}" for pk in stale)
        return Check("stale runs", False, f"running with a stopped heartbeat: {ids}",
                     "Their process is gone. A starting worker marks them interrupted: restart the workers "
                     "(see RUNBOOK.md, 'Runs stuck').")
    return Check("stale runs", True, "none")


def check_disk(min_free_mb: int) -> Check:
    usage = shutil.disk_usage(settings.ORCHESTRATOR_HOME)
    free_mb = usage.free // (1024 * 1024)
    detail = f"{free_mb} MiB free under {settings.ORCHESTRATOR_HOME}"
    if free_mb < min_free_mb:
        return Check("disk space", False, f"{detail}, below {min_free_mb} MiB",
                     "Free space: old logs in logs/, trash/, finished executions (admin), node_modules.")
    return Check("disk space", True, detail)


def check_env_file() -> Check:
    path = Path(settings.ORCHESTRATOR_ENV_FILE)
    if not path.exists():
        return Check("env file", False, f"{path} is missing",
                     "Create it (mode 0600): deploy/install-service.sh does, from deploy/.env.production.")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return Check("env file", False, f"{path} has mode {mode:04o}: others can read its secrets", f"chmod 600 {path}")
    return Check("env file", True, f"{path} (0600)")


def check_logs() -> Check:
    logs = Path(settings.LOGS_DIR)
    if not logs.is_dir() or not os.access(logs, os.W_OK | os.X_OK):
        return Check("logs folder", False, f"{logs} is missing or not writable", f"mkdir -p {logs}")
    return Check("logs folder", True, str(logs))


def run_checks(*, manager: str, min_free_mb: int = DEFAULT_MIN_FREE_MB) -> list[Check]:
    """Every check, in the runbook's order; returns them all (failed ones carry a fix)."""
    view = service_view(manager=manager)
    claude, claude_path = check_claude(view)
    checks = [
        check_service_files(view),
        check_env_file(),
        claude,
        check_node(view, claude_path),
        check_cli_version(view, claude_path),
        check_database(),
        check_port(view),
    ]
    if view.installed:
        checks.append(check_api(view))
    checks += [check_workers(view), check_stale_runs(), check_disk(min_free_mb), check_logs()]
    return checks


def render(checks: list[Check]) -> str:
    """The pass/fail table, then one fix per failure."""
    width = max(len(check.name) for check in checks)
    lines = [f"{'check':<{width}}  result  detail"]
    for check in checks:
        lines.append(f"{check.name:<{width}}  {'ok' if check.ok else 'FAIL':<6}  {check.detail}")
    failed = [check for check in checks if not check.ok]
    if failed:
        lines.append("")
        lines.append(f"{len(failed)} of {len(checks)} checks failed. Fixes:")
        lines += [f"- {check.name}: {check.fix}" for check in failed]
    else:
        lines.append("")
        lines.append(f"All {len(checks)} checks passed.")
    return "\n".join(lines)
