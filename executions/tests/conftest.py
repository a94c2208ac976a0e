"""Fixtures for execution tests: the fake CLI, real db_worker processes, polling with a deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import FAKES, PYTHON, REPO

FAKE_CLAUDE = FAKES / "claude"


def wait_for(predicate: Callable[[], object], *, timeout: float = 20.0, interval: float = 0.05,
             message: str = "condition") -> object:
    """Poll until `predicate()` is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    from executions.processes import is_alive

    return is_alive(pid)


@pytest.fixture
def fake_claude(settings) -> Path:
    settings.CLAUDE_BIN = str(FAKE_CLAUDE)
    return FAKE_CLAUDE


@pytest.fixture
def worker_env(service_env, fake_claude) -> dict[str, str]:
    env = dict(service_env)
    env["CLAUDE_BIN"] = str(fake_claude)
    env["SECRET_KEY"] = service_env["SECRET_KEY"]
    return env


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path):
        self.log = log
        self.handle = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([PYTHON, str(REPO / "manage.py"), "db_worker", "--no-startup-delay"],
                                     cwd=REPO, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.handle.close()
        return self.proc.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start_worker(worker_env, tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real `manage.py db_worker` processes; all are stopped at the end of the test."""
    started: list[WorkerProcess] = []

    def start(**extra_env: str) -> WorkerProcess:
        env = {**worker_env, **extra_env}
        process = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop(signal.SIGKILL if os.environ.get("KEEP_NOTHING") else signal.SIGTERM)


def wait_for_workers(count: int) -> None:
    """Until `count` workers are up and polling (their heartbeat rows exist)."""
    from executions.models import WorkerHeartbeat

    wait_for(lambda: WorkerHeartbeat.objects.count() >= count, timeout=60, message=f"{count} workers to start")


@pytest.fixture
def worker(start_worker) -> WorkerProcess:
    """One running db_worker."""
    return start_worker()
