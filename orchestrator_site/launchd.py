"""LaunchAgents for macOS: `com.orchestrator.api` (gunicorn) and one `com.orchestrator.worker.N` per worker.

Plists are built from the shared service plan (orchestrator_site.deployment), validated with
plistlib before they are written, and loaded with `launchctl bootstrap gui/<uid>` (`load -w` on
macOS releases that predate bootstrap). Everything here runs launchctl as a subprocess, so the
tests put a fake `launchctl` first on PATH.
"""

from __future__ import annotations

import os
import plistlib
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agents.services import atomic_write
from orchestrator_site.deployment import Service, ServicePlan, bind_port, log_tail, wait_for_health
from orchestrator_site.errors import Conflict, InvalidInput, Unavailable

DEFAULT_PREFIX = "com.orchestrator"
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)*$")
THROTTLE_SECONDS = 10
OPEN_FILES = 1024
REQUIRED_KEYS = {
    "Label": str, "ProgramArguments": list, "WorkingDirectory": str, "EnvironmentVariables": dict,
    "RunAtLoad": bool, "KeepAlive": dict, "ThrottleInterval": int, "ExitTimeOut": int,
    "StandardOutPath": str, "StandardErrorPath": str, "SoftResourceLimits": dict,
}
# The only variables a plist may carry: anything else (SECRET_KEY, DATABASE_URL ...) belongs in
# the 0600 env file, because plists are world-readable and end up in backups and bug reports.
ALLOWED_VARIABLES = {"PATH", "ORCHESTRATOR_HOME", "ORCHESTRATOR_ENV_FILE", "DJANGO_SETTINGS_MODULE",
                     "PYTHONUNBUFFERED", "LOG_TO_CONSOLE", "ORCHESTRATOR_LOG_NAME"}
_OLD_LAUNCHCTL = re.compile(r"unrecognized subcommand|unknown subcommand|usage:", re.IGNORECASE)


def launch_agents_dir() -> Path:
    return Path.home() / "Library" / "LaunchAgents"


def check_prefix(prefix: str) -> str:
    if not PREFIX_PATTERN.match(prefix):
        raise InvalidInput(f"Label prefix {prefix!r} is not a reverse-DNS name such as com.orchestrator.")
    return prefix


def plist_for(plan: ServicePlan, service: Service, *, label: str) -> dict:
    """The launchd job of one service, as a dict ready for plistlib."""
    return {
        "Label": label,
        # launchd resolves argv[0] before it applies EnvironmentVariables: it must be absolute.
        "ProgramArguments": list(service.argv),
        "WorkingDirectory": str(plan.project_dir),
        "EnvironmentVariables": dict(service.environment),
        "RunAtLoad": True,
        # Restart after a crash, not after a clean stop (bootout, SIGTERM).
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": THROTTLE_SECONDS,
        # Seconds between SIGTERM and SIGKILL: longer than gunicorn's graceful timeout.
        "ExitTimeOut": service.stop_timeout,
        "StandardOutPath": str(plan.stdout_log(service)),
        "StandardErrorPath": str(plan.stderr_log(service)),
        # launchd's default soft limit is 256 open files: too few for 32 threads with streams.
        "SoftResourceLimits": {"NumberOfFiles": OPEN_FILES},
    }


def validate_plist(data: bytes) -> dict:
    """Parse a plist back and check the rules every Orchestrator job follows; returns the dict.

    Raises InvalidInput naming the first broken rule."""
    try:
        job = plistlib.loads(data)
    except Exception as exc:  # plistlib raises several unrelated types for a broken document
        raise InvalidInput(f"Not a valid plist: {exc}") from None
    if not isinstance(job, dict):
        raise InvalidInput("The plist does not hold a dictionary.")
    for key, kind in REQUIRED_KEYS.items():
        if not isinstance(job.get(key), kind) or (kind is int and isinstance(job.get(key), bool)):
            raise InvalidInput(f"The plist has no {kind.__name__} {key}.")
    argv = job["ProgramArguments"]
    if not argv or not all(isinstance(arg, str) for arg in argv) or not Path(argv[0]).is_absolute():
        raise InvalidInput("ProgramArguments[0] must be an absolute path.")
    for key in ("WorkingDirectory", "StandardOutPath", "StandardErrorPath"):
        if not Path(job[key]).is_absolute():
            raise InvalidInput(f"{key} must be an absolute path.")
    env = job["EnvironmentVariables"]
    extra = set(env) - ALLOWED_VARIABLES
    if extra:
        raise InvalidInput(f"EnvironmentVariables may not hold {', '.join(sorted(extra))}: use the env file.")
    if not all(isinstance(value, str) for value in env.values()) or "PATH" not in env:
        raise InvalidInput("EnvironmentVariables needs PATH, and every value must be a string.")
    if job["KeepAlive"] != {"SuccessfulExit": False}:
        raise InvalidInput("KeepAlive must be {SuccessfulExit: false}.")
    return job


def render_plists(plan: ServicePlan, *, prefix: str) -> dict[str, bytes]:
    """label -> validated plist document, api first."""
    documents = {}
    for service in plan.services:
        label = f"{check_prefix(prefix)}.{service.role}"
        data = plistlib.dumps(plist_for(plan, service, label=label), sort_keys=False)
        validate_plist(data)
        documents[label] = data
    return documents


@dataclass
class Launchctl:
    """launchctl for one domain: gui/<uid> (the login session) or user/<uid>."""

    domain: str

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(["launchctl", *args], capture_output=True, text=True, timeout=120, check=False)
        except FileNotFoundError:
            raise Unavailable("launchctl was not found: launchd services need macOS.") from None

    def target(self, label: str) -> str:
        return f"{self.domain}/{label}"

    def is_loaded(self, label: str) -> bool:
        if self.run("print", self.target(label)).returncode == 0:
            return True
        return self.run("list", label).returncode == 0

    def load(self, label: str, path: Path) -> None:
        if self.is_loaded(label):
            self.unload(label, path)
        self.run("enable", self.target(label))
        done = self.run("bootstrap", self.domain, str(path))
        deadline = time.monotonic() + 10
        # "5: Input/output error" right after a bootout: launchd is still tearing the old job down.
        while done.returncode == 5 and time.monotonic() < deadline:
            time.sleep(0.5)
            done = self.run("bootstrap", self.domain, str(path))
        if done.returncode != 0:
            output = (done.stderr + done.stdout).strip()
            if not _OLD_LAUNCHCTL.search(output):
                raise Unavailable(f"launchctl bootstrap {self.domain} {path} failed: {output}")
            # macOS before 10.10 has no bootstrap subcommand.
            legacy = self.run("load", "-w", str(path))
            if legacy.returncode != 0:
                raise Unavailable(f"launchctl load -w {path} failed: {(legacy.stderr + legacy.stdout).strip()}")
        if not self.is_loaded(label):
            raise Unavailable(f"launchd did not load {label}: see `launchctl print {self.target(label)}`.")

    def unload(self, label: str, path: Path) -> None:
        done = self.run("bootout", self.target(label))
        if done.returncode != 0 and _OLD_LAUNCHCTL.search(done.stderr + done.stdout):
            self.run("unload", "-w", str(path))

    def kickstart(self, label: str) -> None:
        done = self.run("kickstart", "-k", self.target(label))
        if done.returncode != 0:
            output = (done.stderr + done.stdout).strip()
            raise Unavailable(f"launchctl kickstart -k {self.target(label)} failed: {output}")


def domain_target(domain: str) -> str:
    if domain not in {"gui", "user"}:
        raise InvalidInput(f"Domain {domain!r} is not gui or user.")
    return f"{domain}/{os.getuid()}"


def _installed(prefix: str, directory: Path) -> dict[str, Path]:
    return {path.stem: path for path in sorted(directory.glob(f"{prefix}.*.plist"))
            if path.stem == f"{prefix}.api" or re.fullmatch(re.escape(prefix) + r"\.worker\.\d+", path.stem)}


def installed_port(prefix: str = DEFAULT_PREFIX) -> int | None:
    """The port in the installed api plist's command line, or None when there is none."""
    try:
        job = plistlib.loads((launch_agents_dir() / f"{prefix}.api.plist").read_bytes())
        return bind_port(job["ProgramArguments"])
    except (OSError, plistlib.InvalidFileException, KeyError, TypeError):
        return None


def install(*, plan: ServicePlan, prefix: str = DEFAULT_PREFIX, domain: str = "gui", health_timeout: float = 60.0,
            report: Callable[[str], None] = lambda line: None) -> list[Path]:
    """Write and (re)load every plist, unload workers beyond the new count, wait for /api/health.

    Returns the plist paths. Raises InvalidInput for a bad prefix, Unavailable when launchctl
    fails or the service does not pass its health check (with the log tail)."""
    documents = render_plists(plan, prefix=prefix)
    directory = launch_agents_dir()
    directory.mkdir(parents=True, exist_ok=True)
    plan.logs_dir.mkdir(parents=True, exist_ok=True)
    launchctl = Launchctl(domain_target(domain))
    for label, path in _installed(prefix, directory).items():
        if label not in documents:
            launchctl.unload(label, path)
            path.unlink()
            report(f"Removed {path} (no longer needed).")
    paths = []
    for label, data in documents.items():
        path = directory / f"{label}.plist"
        atomic_write(path, data.decode("utf-8"))
        path.chmod(0o644)
        launchctl.load(label, path)
        report(f"Loaded {label} from {path}.")
        paths.append(path)
    _wait(plan, health_timeout)
    return paths


def restart(*, plan: ServicePlan, prefix: str = DEFAULT_PREFIX, domain: str = "gui",
            health_timeout: float = 60.0) -> list[str]:
    """`kickstart -k` every installed job (stop, then start at once); waits for /api/health.

    Raises Conflict when nothing is installed, Unavailable when launchctl or the health check fails."""
    installed = _installed(check_prefix(prefix), launch_agents_dir())
    if not installed:
        raise Conflict(f"No {prefix} LaunchAgents are installed: run manage.py install_launchd first.")
    launchctl = Launchctl(domain_target(domain))
    for label in installed:
        launchctl.kickstart(label)
    _wait(plan, health_timeout, port=installed_port(prefix))
    return list(installed)


def uninstall(*, prefix: str = DEFAULT_PREFIX, domain: str = "gui") -> list[Path]:
    """Stop (bootout) and delete every installed job of this prefix; returns the removed paths."""
    installed = _installed(check_prefix(prefix), launch_agents_dir())
    launchctl = Launchctl(domain_target(domain))
    for label, path in installed.items():
        launchctl.unload(label, path)
        path.unlink(missing_ok=True)
    return list(installed.values())


def _wait(plan: ServicePlan, timeout: float, *, port: int | None = None) -> None:
    try:
        wait_for_health(port or plan.port, timeout=timeout)
    except Unavailable as exc:
        tail = log_tail(plan)
        raise Unavailable(f"{exc.message}\n{tail}" if tail else exc.message) from None
