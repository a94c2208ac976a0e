"""deploy/gunicorn.conf.py: loopback, gthread, one process unless Redis; SIGTERM with open SSE
streams exits within the graceful timeout; SIGHUP replaces the workers without downtime."""

from __future__ import annotations

import os
import runpy
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from orchestrator_site.deployment import build_plan, fetch_health
from orchestrator_site.tests.servicekit import REPO, stop_process
from tests.polling import alive, wait_for

CONF = REPO / "deploy" / "gunicorn.conf.py"


def load_conf(monkeypatch, tmp_path, env_file_text: str = "", **environ: str) -> dict:
    for key in ("PORT", "REDIS_URL", "GUNICORN_BIND", "GUNICORN_WORKERS"):
        monkeypatch.delenv(key, raising=False)
    env_file = tmp_path / "orchestrator.env"
    env_file.write_text(env_file_text)
    monkeypatch.setenv("ORCHESTRATOR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ORCHESTRATOR_ENV_FILE", str(env_file))
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(CONF))


def test_it_binds_loopback_5111_with_one_gthread_process_by_default(monkeypatch, tmp_path):
    conf = load_conf(monkeypatch, tmp_path)
    assert conf["bind"] == ["127.0.0.1:5111"]
    assert conf["worker_class"] == "gthread"
    assert conf["workers"] == 1
    assert conf["threads"] >= 16
    assert conf["graceful_timeout"] < conf["timeout"]
    assert conf["pidfile"] == str(tmp_path / "home" / "gunicorn.pid")
    handlers = conf["logconfig_dict"]["handlers"]
    assert handlers["access"]["filename"] == str(tmp_path / "home" / "logs" / "access.log")
    assert handlers["error"]["filename"] == str(tmp_path / "home" / "logs" / "gunicorn.log")
    assert handlers["access"]["class"] == "logging.handlers.RotatingFileHandler"
    # No shared ~/.gunicorn/gunicorn.ctl for a second instance to take over.
    assert conf["control_socket_disable"] is True


def test_it_reads_port_and_redis_from_the_env_file_without_changing_the_environment(monkeypatch, tmp_path):
    conf = load_conf(monkeypatch, tmp_path, "PORT=6123\nREDIS_URL=redis://127.0.0.1:6379/0\nLOG_FILE_BACKUPS=3\n")
    assert conf["bind"] == ["127.0.0.1:6123"]
    # A shared cache for the rate limiter: several processes are safe.
    assert conf["workers"] == 2
    assert conf["logconfig_dict"]["handlers"]["access"]["backupCount"] == 3
    assert "PORT" not in os.environ and "REDIS_URL" not in os.environ


def test_the_real_environment_wins_over_the_env_file(monkeypatch, tmp_path):
    conf = load_conf(monkeypatch, tmp_path, "PORT=6123\n", PORT="6124")
    assert conf["bind"] == ["127.0.0.1:6124"]


def start_gunicorn(plan, *extra: str) -> subprocess.Popen:
    service = plan.api
    env = {"HOME": os.environ["HOME"], **service.environment}
    return subprocess.Popen([*service.argv, *extra], cwd=plan.project_dir, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def wait_healthy(port: int) -> dict:
    def answered():
        try:
            return fetch_health(port, timeout=2)[1]
        except OSError:
            return None
    return wait_for(answered, timeout=60, message="/api/health")


def workers_of(pid: int) -> set[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children if alive(int(child))}


def open_stream(port: int, path: str, token: str) -> socket.socket:
    """An SSE request whose response has begun (the opening `: connected` comment arrived)."""
    client = socket.create_connection(("127.0.0.1", port), timeout=30)
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                   f"Authorization: Token {token}\r\n\r\n".encode())
    received = b""
    deadline = time.monotonic() + 30
    while b": connected" not in received:
        assert time.monotonic() < deadline, received
        chunk = client.recv(4096)
        assert chunk, received
        received += chunk
    assert received.startswith(b"HTTP/1.1 200"), received
    return client


@pytest.mark.django_db(transaction=True)
def test_sigterm_with_open_sse_streams_exits_within_the_graceful_timeout(service_home, staff_user, make_agent):
    from rest_framework.authtoken.models import Token

    from executions.models import Execution

    # Queued with no worker: its stream stays open, sending keep-alives, until the run ends.
    execution = Execution.objects.create(agent=make_agent("devops"), task="wait", timeout=600)
    token = Token.objects.get_or_create(user=staff_user)[0].key
    plan = build_plan(workers=1)
    graceful = 3
    process = start_gunicorn(plan, "--graceful-timeout", str(graceful))
    streams: list[socket.socket] = []
    try:
        wait_healthy(plan.port)
        for _ in range(3):
            streams.append(open_stream(plan.port, f"/api/executions/{execution.pk}/stream/", token))
        # Open streams hold threads, not the whole worker: other requests are still answered.
        assert fetch_health(plan.port)[1]["checks"]["api"] == "ok"
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=graceful + 15)
        elapsed = time.monotonic() - started
        assert code == 0
        # It gave the streams their grace period, and no more than the timeout allows.
        assert graceful - 1 <= elapsed < graceful + 5, elapsed
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", plan.port), timeout=2)
    finally:
        for stream in streams:
            stream.close()
        stop_process(process)


@pytest.mark.django_db(transaction=True)
def test_sighup_replaces_the_workers_and_keeps_serving(service_home, settings):
    plan = build_plan(workers=1)
    process = start_gunicorn(plan)
    try:
        wait_healthy(plan.port)
        before = wait_for(lambda: workers_of(process.pid), timeout=30, message="a gunicorn worker")
        process.send_signal(signal.SIGHUP)
        after = wait_for(lambda: (w := workers_of(process.pid)) and not w & before and w, timeout=60,
                           message="new workers after SIGHUP")
        assert not any(alive(pid) for pid in before)
        assert len(after) == 1
        assert wait_healthy(plan.port)["checks"]["api"] == "ok"
        assert process.poll() is None
    finally:
        stop_process(process)
