"""GET /api/health: no auth, every check named, the CLI present, missing, broken or hanging."""

from __future__ import annotations

import time

import pytest

import orchestrator_site
from tests.polling import alive

pytestmark = pytest.mark.django_db


def cli(tmp_path, body: str, mode: int = 0o755):
    path = tmp_path / "claude"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(mode)
    return path


@pytest.fixture
def all_other_checks_ok(settings):
    settings.HEALTH_CHECKS = {}


def test_it_is_healthy_with_a_working_cli(anon_client, settings, tmp_path, all_other_checks_ok):
    settings.CLAUDE_BIN = str(cli(tmp_path, 'echo "2.1.332 (Claude Code)"'))
    response = anon_client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["checks"] == {"api": "ok", "database": "ok", "claude_cli": "ok", "agents_directory": "ok"}
    assert body["claude_cli_version"] == "2.1.332"
    assert body["version"] == orchestrator_site.__version__
    assert response["Cache-Control"] == "no-store"


def test_it_answers_with_and_without_a_trailing_slash(anon_client):
    assert anon_client.get("/api/health").status_code == anon_client.get("/api/health/").status_code


def test_a_missing_cli_is_degraded_not_a_crash(anon_client, settings, tmp_path, all_other_checks_ok):
    settings.CLAUDE_BIN = str(tmp_path / "not-installed" / "claude")
    response = anon_client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["claude_cli"] == "missing"
    assert str(tmp_path) not in response.content.decode()


def test_a_cli_that_is_not_executable_or_fails_is_named(anon_client, settings, tmp_path, all_other_checks_ok):
    settings.CLAUDE_BIN = str(cli(tmp_path, "echo nope", mode=0o644))
    assert anon_client.get("/api/health").json()["checks"]["claude_cli"] == "not_executable"
    failing = tmp_path / "failing"
    failing.mkdir()
    settings.CLAUDE_BIN = str(cli(failing, "exit 3"))
    assert anon_client.get("/api/health").json()["checks"]["claude_cli"] == "error"


def test_a_hanging_cli_times_out_quickly(anon_client, settings, tmp_path, all_other_checks_ok):
    settings.CLAUDE_BIN = str(cli(tmp_path, "sleep 60"))
    started = time.monotonic()
    body = anon_client.get("/api/health").json()
    assert body["checks"]["claude_cli"] == "timeout"
    assert time.monotonic() - started < 30


def test_the_cli_answer_is_cached_briefly(anon_client, settings, tmp_path, all_other_checks_ok):
    marker = tmp_path / "calls"
    settings.CLAUDE_BIN = str(cli(tmp_path, f'echo x >> "{marker}"; echo "2.1.332 (Claude Code)"'))
    for _ in range(3):
        anon_client.get("/api/health")
    assert marker.read_text().count("x") == 1


def test_a_missing_agents_directory_is_named(anon_client, settings, tmp_path, all_other_checks_ok):
    settings.AGENTS_ROOT = tmp_path / "no-such-dir"
    body = anon_client.get("/api/health").json()
    assert body["checks"]["agents_directory"] == "missing"
    assert body["status"] == "degraded"


def test_a_hanging_cli_leaves_no_process_behind(anon_client, settings, tmp_path, all_other_checks_ok):
    pid_file = tmp_path / "child.pid"
    settings.CLAUDE_BIN = str(cli(tmp_path, f'sleep 300 & echo $! > "{pid_file}"; wait'))
    anon_client.get("/api/health")
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    assert not alive(pid)

