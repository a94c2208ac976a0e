"""Fixtures for execution tests: the fake CLI, real db_worker processes, polling with a deadline."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import FAKES, PYTHON, REPO
from tests.polling import alive, wait_for

FAKE_CLAUDE = FAKES / "claude"


# Read from /proc, not through executions.processes: the tests check that code.
pid_alive = alive


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
