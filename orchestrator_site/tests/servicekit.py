"""Fixtures and helpers for the deployment tests: a throw-away service home, the fake service
managers first on PATH, free ports, and processes that are always cleaned up."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.polling import alive

REPO = Path(__file__).resolve().parents[2]
FAKES = REPO / "tests" / "fakes"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kill_group(pid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        kill_group(process.pid)
        process.wait(timeout=10)


@pytest.fixture
def fake_claude(tmp_path) -> Path:
    """The fake CLI in a folder of its own, so tests can see that folder land on the service PATH."""
    folder = tmp_path / "claude-bin"
    folder.mkdir()
    link = folder / "claude"
    link.symlink_to(FAKES / "claude")
    return link


@pytest.fixture
def service_home(tmp_path, settings, service_env, fake_claude) -> Path:
    """A fresh ORCHESTRATOR_HOME for the services, with a 0600 env file holding what the service
    needs (secret key, test database, this test's AGENTS_ROOT), on a free port."""
    home = tmp_path / "service-home"
    home.mkdir(mode=0o700)
    settings.ORCHESTRATOR_HOME = home
    settings.ORCHESTRATOR_ENV_FILE = home / "orchestrator.env"
    settings.LOGS_DIR = home / "logs"
    settings.CLAUDE_BIN = str(fake_claude)
    settings.PORT = free_port()
    keys = ("SECRET_KEY", "DATABASE_PATH", "DATABASE_URL", "AGENTS_ROOT", "AGENTS_SEED_EXAMPLES")
    lines = [f"{key}={service_env[key]}" for key in keys if key in service_env]
    fd = os.open(settings.ORCHESTRATOR_ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# written by the test\n" + "\n".join(lines) + "\n")
    return home


@pytest.fixture
def fake_managers(tmp_path, monkeypatch) -> Iterator[Path]:
    """The fake launchctl and systemctl first on PATH, a HOME of our own for the plist and unit
    folders; yields the state folder. Every job they started is killed afterwards."""
    state = tmp_path / "fake-service-state"
    state.mkdir()
    home = tmp_path / "user-home"
    home.mkdir()
    monkeypatch.setenv("FAKE_SERVICE_STATE", str(state))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PATH", f"{FAKES}{os.pathsep}{os.environ['PATH']}")
    yield state
    for job_file in state.glob("job-*.json"):
        kill_group(json.loads(job_file.read_text())["pid"])


def calls(state: Path, tool: str) -> list[list[str]]:
    log = state / "calls.jsonl"
    if not log.exists():
        return []
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return [entry["argv"] for entry in entries if entry["tool"] == tool]


def running_jobs(state: Path) -> dict[str, int]:
    jobs = {}
    for job_file in state.glob("job-*.json"):
        pid = json.loads(job_file.read_text())["pid"]
        if alive(pid):
            jobs[job_file.stem.removeprefix("job-")] = pid
    return jobs
