"""Fixtures for the MCP tests: a Claude config home per test, the fake stdio server, the
official reference servers (installed by `make test` into tests/mcp-reference)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FAKE_SERVER = REPO / "tests" / "fakes" / "mcp_server.py"
REFERENCE = REPO / "tests" / "mcp-reference"
REFERENCE_BIN = REFERENCE / "node_modules" / ".bin"


@pytest.fixture(autouse=True)
def claude_home(tmp_path, settings) -> Path:
    """Where ~/.claude.json is read from in this test (never the real one)."""
    home = tmp_path / "claude-home"
    home.mkdir()
    settings.CLAUDE_CONFIG_DIR = home
    return home


@pytest.fixture
def write_claude_json(claude_home) -> Callable[[dict], Path]:
    def write(data: dict) -> Path:
        path = claude_home / ".claude.json"
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_mcp_json(agents_root) -> Callable[[str, dict | str], Path]:
    def write(folder: str, data: dict | str) -> Path:
        path = agents_root / folder / ".mcp.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
        return path

    return write


def fake_entry(*args: str, **extra) -> dict:
    """A .mcp.json entry running our fake stdio server with these arguments."""
    return {"command": sys.executable, "args": [str(FAKE_SERVER), *args], **extra}


def reference_bin(name: str) -> str:
    path = REFERENCE_BIN / name
    assert path.exists(), f"{path} is missing: run `make test` (it runs npm ci in tests/mcp-reference)"
    return str(path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@pytest.fixture
def everything_server() -> Iterator[Callable[[str], str]]:
    """Start server-everything in an HTTP mode ("streamableHttp" or "sse") on a free loopback
    port; returns its base url. Stopped (whole process group) at the end of the test."""
    started: list[subprocess.Popen] = []

    def start(mode: str) -> str:
        port = free_port()
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "PORT": str(port)}
        process = subprocess.Popen(
            ["node", "--require", str(REFERENCE / "loopback.cjs"), reference_bin("mcp-server-everything"), mode],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        started.append(process)
        wait_for_port(port, process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def gone(pid: int) -> bool:
    """True when `pid` no longer runs (a zombie waiting for its reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (FileNotFoundError, IndexError):
        return True


def wait_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """The pids still running after up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if not gone(pid)]
        if alive:
            time.sleep(0.05)
    return alive
