"""systemd user units for Linux: `orchestrator-api.service` (gunicorn) and the template
`orchestrator-worker@.service`, with one instance per worker (`orchestrator-worker@1.service` ...).

Units come from the shared service plan (orchestrator_site.deployment) and are driven with
`systemctl --user`. The 0600 env file is the units' `EnvironmentFile=`, so secrets never appear in
the unit text. Tests put a fake `systemctl` first on PATH.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from agents.services import atomic_write
from orchestrator_site.deployment import Service, ServicePlan, bind_port, log_tail, wait_for_health
from orchestrator_site.errors import Conflict, InvalidInput, Unavailable

API_UNIT = "orchestrator-api.service"
WORKER_TEMPLATE = "orchestrator-worker@.service"
RESTART_SECONDS = 10
_INSTANCE = re.compile(r"^orchestrator-worker@(\d+)\.service$")
# Keys whose values systemd reads as it writes them: anything secret would be world-readable.
ALLOWED_VARIABLES = {"PATH", "ORCHESTRATOR_HOME", "ORCHESTRATOR_ENV_FILE", "DJANGO_SETTINGS_MODULE",
                     "PYTHONUNBUFFERED", "LOG_TO_CONSOLE", "ORCHESTRATOR_LOG_NAME"}


def unit_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def wants_dir() -> Path:
    return unit_dir() / "default.target.wants"


def quote(value: str, *, command: bool = False) -> str:
    """One systemd word: quoted, with `%` (specifiers) and, on command lines, `$` escaped."""
    text = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    if command:
        text = text.replace("$", "$$")
    return f'"{text}"'


def unit_text(plan: ServicePlan, service: Service, *, template: bool = False) -> str:
    """The unit file of one service; for a worker `template=True` gives the @ template."""
    environment = dict(service.environment)
    if template:
        environment["ORCHESTRATOR_LOG_NAME"] = "worker.%i"
    lines = [
        "# Written by manage.py install_systemd: edits here are lost on the next install.",
        "[Unit]",
        "Description=Orchestrator worker %i (db_worker)" if template else "Description=Orchestrator API (gunicorn)",
        "After=network.target",
        "",
        "[Service]",
        "Type=simple",
        f"WorkingDirectory={str(plan.project_dir).replace('%', '%%')}",
    ]
    for key, value in environment.items():
        assignment = quote(f"{key}={value}")
        # %i must stay a specifier in the template's log name.
        lines.append(f"Environment={assignment.replace('worker.%%i', 'worker.%i')}")
    lines += [
        f"EnvironmentFile={str(plan.env_file).replace('%', '%%')}",
        "ExecStart=" + " ".join(quote(arg, command=True) for arg in service.argv),
    ]
    if not service.is_worker:
        lines.append("ExecReload=/bin/kill -HUP $MAINPID")
    lines += [
        "Restart=on-failure",
        f"RestartSec={RESTART_SECONDS}",
        # SIGTERM to the main process only; whatever is left gets SIGKILL after the timeout.
        "KillMode=mixed",
        f"TimeoutStopSec={service.stop_timeout}",
        f"SyslogIdentifier={'orchestrator-worker-%i' if template else 'orchestrator-api'}",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


def render_units(plan: ServicePlan) -> dict[str, str]:
    """file name -> unit text: the api unit and the worker template."""
    units = {API_UNIT: unit_text(plan, plan.api)}
    if plan.workers:
        units[WORKER_TEMPLATE] = unit_text(plan, plan.workers[0], template=True)
    for name, text in units.items():
        validate_unit(name, text)
    return units


def validate_unit(name: str, text: str) -> None:
    """Check the rules every Orchestrator unit follows; raises InvalidInput naming the broken one."""
    settings_ = [line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")]
    keys = [key for key, _ in settings_]
    for required in ("ExecStart", "WorkingDirectory", "EnvironmentFile", "Restart", "TimeoutStopSec", "WantedBy"):
        if required not in keys:
            raise InvalidInput(f"{name} has no {required}=.")
    values = dict(settings_)
    if not values["ExecStart"].startswith('"/'):
        raise InvalidInput(f"{name}: ExecStart must start with an absolute path.")
    if values["Restart"] != "on-failure":
        raise InvalidInput(f"{name}: Restart must be on-failure.")
    for key, value in settings_:
        if key == "Environment":
            variable = value.strip('"').split("=", 1)[0]
            if variable not in ALLOWED_VARIABLES:
                raise InvalidInput(f"{name}: Environment= may not hold {variable}: use the env file.")


def instance_units(count: int) -> list[str]:
    return [f"orchestrator-worker@{number}.service" for number in range(1, count + 1)]


def enabled_instances() -> list[str]:
    """Worker instances enabled now (their symlinks in default.target.wants), in number order."""
    found = [path.name for path in wants_dir().glob("orchestrator-worker@*.service") if _INSTANCE.match(path.name)]
    return sorted(found, key=lambda unit: int(_INSTANCE.match(unit).group(1)))


def systemctl(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True, timeout=180,
                              check=False)
    except FileNotFoundError:
        raise Unavailable("systemctl was not found: these units need systemd (on macOS use install_launchd).") from None
    if done.returncode != 0 and args[0] != "is-active":
        output = (done.stderr + done.stdout).strip()
        hint = ""
        if "bus" in output.lower() or "XDG_RUNTIME_DIR" in output:
            hint = " (no user session bus: sign in over ssh or run `loginctl enable-linger $USER` first)"
        raise Unavailable(f"systemctl --user {' '.join(args)} failed: {output}{hint}")
    return done


def lingering() -> bool:
    """Whether systemd keeps this user's services running after the last logout."""
    return Path("/var/lib/systemd/linger", pwd.getpwuid(os.getuid()).pw_name).exists()


def installed_port() -> int | None:
    """The port in the installed api unit's ExecStart, or None when there is none."""
    try:
        text = (unit_dir() / API_UNIT).read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            return bind_port(shlex.split(line.removeprefix("ExecStart=")))
    return None


def install(*, plan: ServicePlan, health_timeout: float = 60.0,
            report: Callable[[str], None] = lambda line: None) -> list[Path]:
    """Write the units, reload systemd, enable and (re)start the api and N worker instances,
    disable instances beyond N, and wait for /api/health. Returns the unit paths.

    Raises Unavailable when systemctl fails or the service does not pass its health check."""
    units = render_units(plan)
    directory = unit_dir()
    directory.mkdir(parents=True, exist_ok=True)
    plan.logs_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in units.items():
        path = directory / name
        atomic_write(path, text)
        path.chmod(0o644)
        paths.append(path)
        report(f"Wrote {path}.")
    wanted = [API_UNIT, *instance_units(len(plan.workers))]
    stale = [unit for unit in enabled_instances() if unit not in wanted]
    systemctl("daemon-reload")
    if stale:
        systemctl("disable", "--now", *stale)
        report(f"Stopped and disabled {', '.join(stale)} (no longer needed).")
    systemctl("enable", *wanted)
    # restart, not start: a reinstall must pick up the new unit files and code.
    systemctl("restart", *wanted)
    inactive = [unit for unit in wanted if systemctl("is-active", unit).stdout.strip() != "active"]
    if inactive:
        raise Unavailable(f"{', '.join(inactive)} did not start: see `journalctl --user -u {inactive[0]}`.")
    report(f"Enabled and started {', '.join(wanted)}.")
    _wait(plan, health_timeout)
    return paths


def restart(*, plan: ServicePlan, health_timeout: float = 60.0) -> list[str]:
    """Restart the api and every enabled worker instance; waits for /api/health.

    Raises Conflict when the units are not installed, Unavailable when systemctl or health fails."""
    if not (unit_dir() / API_UNIT).exists():
        raise Conflict("The Orchestrator units are not installed: run manage.py install_systemd first.")
    units = [API_UNIT, *enabled_instances()]
    systemctl("restart", *units)
    _wait(plan, health_timeout, port=installed_port())
    return units


def uninstall() -> list[Path]:
    """Stop and disable every unit, delete the unit files, reload systemd; returns the removed paths."""
    paths = [path for path in (unit_dir() / API_UNIT, unit_dir() / WORKER_TEMPLATE) if path.exists()]
    if not paths:
        return []
    systemctl("disable", "--now", API_UNIT, *enabled_instances())
    for path in paths:
        path.unlink()
    systemctl("daemon-reload")
    return paths


def _wait(plan: ServicePlan, timeout: float, *, port: int | None = None) -> None:
    try:
        wait_for_health(port or plan.port, timeout=timeout)
    except Unavailable as exc:
        tail = log_tail(plan)
        raise Unavailable(f"{exc.message}\n{tail}" if tail else exc.message) from None
