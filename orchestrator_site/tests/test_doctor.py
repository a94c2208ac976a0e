"""manage.py doctor: a healthy installed service passes every check; each failure the runbook
covers is made to happen for real and is reported with its fix.

The tests are transactional: doctor probes SQLite's write lock from a connection of its own, which
a test transaction held open around it would (rightly) report as locked."""

from __future__ import annotations

import datetime
import http.server
import os
import plistlib
import sqlite3
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from orchestrator_site import doctor, launchd, systemd
from orchestrator_site.deployment import build_plan


def by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {check.name: check for check in checks}


def write_units(plan) -> None:
    """The unit files an install writes, without starting anything."""
    systemd.unit_dir().mkdir(parents=True, exist_ok=True)
    for name, text in systemd.render_units(plan).items():
        (systemd.unit_dir() / name).write_text(text)
    systemd.wants_dir().mkdir(parents=True, exist_ok=True)
    for unit in [systemd.API_UNIT, *systemd.instance_units(len(plan.workers))]:
        (systemd.wants_dir() / unit).symlink_to(systemd.unit_dir() / systemd.API_UNIT)


def write_plists(plan, **environment: str) -> Path:
    directory = launchd.launch_agents_dir()
    directory.mkdir(parents=True, exist_ok=True)
    for label, data in launchd.render_plists(plan, prefix=launchd.DEFAULT_PREFIX).items():
        job = plistlib.loads(data)
        job["EnvironmentVariables"].update(environment)
        (directory / f"{label}.plist").write_bytes(plistlib.dumps(job))
    return directory


@pytest.mark.django_db(transaction=True)
def test_it_passes_every_check_for_a_healthy_installed_service(service_home, fake_managers):
    call_command("install_systemd", "--workers", "1", "--health-timeout", "90", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("doctor", "--min-free-mb", "1", stdout=out)
    text = out.getvalue()
    assert "FAIL" not in text, text
    assert text.strip().endswith("All 12 checks passed.")
    for name in ("systemd units", "env file", "claude on the service PATH", "node on the service PATH",
                 "claude --version", "database", "api health", "workers alive", "stale runs", "disk space"):
        assert f"\n{name} " in text, name
    assert "2.1.332 (Claude Code)" in text
    assert "Orchestrator 0.1.0 answers" in text or "answers" in text


@pytest.mark.django_db(transaction=True)
def test_it_fails_when_nothing_is_installed_and_says_how_to_install(service_home, fake_managers):
    out = StringIO()
    with pytest.raises(CommandError, match="check"):
        call_command("doctor", "--min-free-mb", "1", stdout=out)
    checks = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))
    assert not checks["systemd units"].ok
    assert "install_systemd" in checks["systemd units"].fix
    assert "api health" not in checks
    assert "- systemd units: Install the service: .venv/bin/python manage.py install_systemd" in out.getvalue()
    mac = by_name(doctor.run_checks(manager="launchd", min_free_mb=1))
    assert not mac["plists"].ok and "install_launchd" in mac["plists"].fix


@pytest.mark.django_db(transaction=True)
def test_it_finds_claude_missing_from_the_service_path_even_when_the_shell_finds_it(
        service_home, fake_managers, settings):
    # The classic launchd failure: claude is on your shell's PATH, not on the service's.
    settings.CLAUDE_BIN = "claude"
    write_units(build_plan(workers=1, search_path="/usr/bin:/bin"))
    checks = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))
    assert not checks["claude on the service PATH"].ok
    assert "/usr/bin" in checks["claude on the service PATH"].detail
    assert "install_systemd again" in checks["claude on the service PATH"].fix
    assert not checks["claude --version"].ok


@pytest.mark.django_db(transaction=True)
def test_it_finds_node_missing_when_claude_is_a_node_script(service_home, fake_managers, settings, tmp_path):
    cli_dir = tmp_path / "npm-bin"
    cli_dir.mkdir()
    cli = cli_dir / "claude"
    cli.write_text("#!/usr/bin/env node\nconsole.log('2.1.332 (Claude Code)');\n")
    cli.chmod(0o755)
    settings.CLAUDE_BIN = "claude"
    write_plists(build_plan(workers=1), PATH=str(cli_dir))
    checks = by_name(doctor.run_checks(manager="launchd", min_free_mb=1))
    assert checks["claude on the service PATH"].ok
    assert not checks["node on the service PATH"].ok
    assert "Install Node.js" in checks["node on the service PATH"].fix
    assert not checks["claude --version"].ok


@pytest.mark.django_db(transaction=True)
def test_it_reports_a_cli_that_fails_to_print_its_version(service_home, fake_managers, settings, tmp_path):
    cli = Path(settings.CLAUDE_BIN)
    cli.unlink()
    cli.write_text("#!/bin/sh\necho 'Error: claude native binary not installed.' >&2\nexit 1\n")
    cli.chmod(0o755)
    checks = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))
    assert checks["claude on the service PATH"].ok
    assert not checks["claude --version"].ok
    assert checks["claude --version"].detail == "Error: claude native binary not installed."


def test_it_reports_an_sqlite_database_that_is_locked_or_not_in_wal_mode(tmp_path):
    wal = tmp_path / "wal.db"
    holder = sqlite3.connect(wal, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x)")
    assert doctor.sqlite_status(wal).ok
    holder.execute("BEGIN IMMEDIATE")
    try:
        locked = doctor.sqlite_status(wal, timeout=0.5)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not locked.ok
    assert "write lock" in locked.detail and "Database locked" in locked.fix

    rollback = tmp_path / "rollback.db"
    sqlite3.connect(rollback).execute("CREATE TABLE t (x)").connection.close()
    result = doctor.sqlite_status(rollback)
    assert not result.ok and "not WAL" in result.detail
    assert not doctor.sqlite_status(tmp_path / "missing.db").ok


@pytest.mark.django_db(transaction=True)
def test_it_passes_the_real_database_and_names_it(service_home, fake_managers):
    check = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))["database"]
    assert check.ok, check.detail


class NotOurs(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello from another program")

    def log_message(self, *args):
        pass


@pytest.mark.django_db(transaction=True)
def test_it_fails_when_another_program_holds_the_port(service_home, fake_managers, settings):
    server = http.server.HTTPServer(("127.0.0.1", settings.PORT), NotOurs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        check = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))[f"port {settings.PORT}"]
    finally:
        server.shutdown()
        server.server_close()
    assert not check.ok
    assert "another program" in check.detail
    assert f"lsof -nP -iTCP:{settings.PORT}" in check.fix
    assert by_name(doctor.run_checks(manager="systemd", min_free_mb=1))[f"port {settings.PORT}"].ok


@pytest.mark.django_db(transaction=True)
def test_it_fails_when_installed_workers_have_no_heartbeat_and_the_api_is_down(service_home, fake_managers):
    write_units(build_plan(workers=2))
    checks = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))
    assert checks["systemd units"].ok, checks["systemd units"].detail
    assert not checks["workers alive"].ok
    assert checks["workers alive"].detail.startswith("0 of 2 worker(s)")
    assert "install_systemd --restart" in checks["workers alive"].fix
    assert not checks["api health"].ok and "nothing answers" in checks["api health"].detail


@pytest.mark.django_db(transaction=True)
def test_it_lists_runs_whose_heartbeat_stopped(service_home, fake_managers, make_agent):
    from executions.models import Execution

    agent = make_agent("devops")
    old = timezone.now() - datetime.timedelta(minutes=5)
    stuck = Execution.objects.create(agent=agent, task="deploy", timeout=600, status=Execution.Status.RUNNING,
                                     started_at=old, heartbeat_at=old)
    Execution.objects.create(agent=agent, task="fresh", timeout=600, status=Execution.Status.RUNNING,
                             started_at=timezone.now(), heartbeat_at=timezone.now())
    check = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))["stale runs"]
    assert not check.ok
    assert check.detail == f"running with a stopped heartbeat: #{stuck.pk}"
    assert "Runs stuck" in check.fix


@pytest.mark.django_db(transaction=True)
def test_it_fails_below_the_free_disk_space_threshold(service_home, fake_managers):
    check = by_name(doctor.run_checks(manager="systemd", min_free_mb=10**12))["disk space"]
    assert not check.ok and "below" in check.detail


@pytest.mark.django_db(transaction=True)
def test_it_fails_an_env_file_others_can_read_or_a_missing_one(service_home, fake_managers, settings):
    env_file = Path(settings.ORCHESTRATOR_ENV_FILE)
    env_file.chmod(0o644)
    check = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))["env file"]
    assert not check.ok and check.fix == f"chmod 600 {env_file}"
    env_file.unlink()
    check = by_name(doctor.run_checks(manager="systemd", min_free_mb=1))["env file"]
    assert not check.ok and "missing" in check.detail


@pytest.mark.django_db(transaction=True)
def test_it_fails_a_broken_plist_a_moved_venv_and_a_different_home(service_home, fake_managers, settings, tmp_path):
    directory = write_plists(build_plan(workers=1))
    (directory / "com.orchestrator.worker.1.plist").write_bytes(b"<plist><dict><key>Label")
    checks = by_name(doctor.run_checks(manager="launchd", min_free_mb=1))
    assert not checks["plists"].ok and "com.orchestrator.worker.1.plist: Not a valid plist" in checks["plists"].detail

    plan = build_plan(workers=1)
    job = plistlib.loads(launchd.render_plists(plan, prefix="com.orchestrator")["com.orchestrator.worker.1"])
    job["ProgramArguments"][0] = str(tmp_path / "old-venv" / "bin" / "python")
    (directory / "com.orchestrator.worker.1.plist").write_bytes(plistlib.dumps(job))
    checks = by_name(doctor.run_checks(manager="launchd", min_free_mb=1))
    assert "is not an executable file (was the venv moved" in checks["plists"].detail
    assert "install_launchd" in checks["plists"].fix

    write_plists(build_plan(workers=1), ORCHESTRATOR_HOME=str(tmp_path / "elsewhere"))
    checks = by_name(doctor.run_checks(manager="launchd", min_free_mb=1))
    assert not checks["plists"].ok
    assert checks["plists"].detail == (f"the service uses ORCHESTRATOR_HOME={tmp_path / 'elsewhere'}, "
                                       f"this shell {settings.ORCHESTRATOR_HOME}")
    assert str(directory).startswith(os.environ["HOME"])
