"""install_launchd: plists that follow every rule, real launchctl flows against a fake launchctl,
and the generated programs really start the service."""

from __future__ import annotations

import os
import plistlib
import re
import runpy
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orchestrator_site import launchd
from orchestrator_site.deployment import build_plan, fetch_health
from orchestrator_site.errors import InvalidInput
from orchestrator_site.tests.servicekit import REPO, calls, running_jobs, stop_process
from tests.polling import wait_for

GRACEFUL = runpy.run_path(str(REPO / "deploy" / "gunicorn.conf.py"))["graceful_timeout"]


def dry_run(*args: str) -> tuple[dict[str, dict], str]:
    out = StringIO()
    call_command("install_launchd", "--dry-run", *args, stdout=out, stderr=StringIO())
    text = out.getvalue()
    documents = {}
    for match in re.finditer(r"<!-- (.+?) -->\n(.*?</plist>)", text, flags=re.S):
        job = launchd.validate_plist(match.group(2).encode())
        documents[match.group(1)] = job
    return documents, text


def service_environment(job: dict) -> dict[str, str]:
    # launchd gives a LaunchAgent HOME, USER and the like, then EnvironmentVariables on top.
    base = {key: os.environ[key] for key in ("HOME", "USER", "LOGNAME", "TMPDIR") if key in os.environ}
    return {**base, **job["EnvironmentVariables"]}


@pytest.mark.django_db
def test_it_prints_one_api_plist_and_one_worker_plist_per_worker_following_every_rule(
        service_home, fake_managers, settings, tmp_path, monkeypatch):
    node_dir = tmp_path / "node-bin"
    node_dir.mkdir()
    (node_dir / "node").symlink_to("/usr/bin/node" if Path("/usr/bin/node").exists() else sys.executable)
    monkeypatch.setenv("PATH", f"{node_dir}{os.pathsep}{os.environ['PATH']}")

    documents, text = dry_run("--workers", "3", "--port", "5999")

    agents_dir = Path(os.environ["HOME"]) / "Library" / "LaunchAgents"
    assert list(documents) == [str(agents_dir / f"com.orchestrator.{role}.plist")
                               for role in ("api", "worker.1", "worker.2", "worker.3")]
    venv_bin = Path(sys.prefix) / "bin"
    logs = settings.LOGS_DIR
    for path, job in documents.items():
        role = job["Label"].removeprefix("com.orchestrator.")
        assert Path(path).stem == job["Label"]
        assert job["ProgramArguments"][0] == str(venv_bin / "python")
        assert Path(job["ProgramArguments"][0]).exists()
        assert job["WorkingDirectory"] == str(REPO)
        env = job["EnvironmentVariables"]
        entries = env["PATH"].split(os.pathsep)
        assert entries[0] == str(venv_bin)
        assert str(settings.CLAUDE_BIN and Path(settings.CLAUDE_BIN).parent) in entries
        assert str(node_dir) in entries
        assert entries[-4:] == ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        assert env["ORCHESTRATOR_HOME"] == str(service_home)
        assert env["ORCHESTRATOR_ENV_FILE"] == str(service_home / "orchestrator.env")
        assert env["ORCHESTRATOR_LOG_NAME"] == role
        assert env["LOG_TO_CONSOLE"] == "false"
        assert set(env) <= launchd.ALLOWED_VARIABLES
        assert job["RunAtLoad"] is True
        assert job["KeepAlive"] == {"SuccessfulExit": False}
        assert job["ThrottleInterval"] == 10
        assert job["StandardOutPath"] == str(logs / f"{role}.out.log")
        assert job["StandardErrorPath"] == str(logs / f"{role}.err.log")
        assert job["SoftResourceLimits"] == {"NumberOfFiles": 1024}
    api = documents[str(agents_dir / "com.orchestrator.api.plist")]
    assert api["ProgramArguments"][1:] == ["-m", "gunicorn", "--config", str(REPO / "deploy" / "gunicorn.conf.py"),
                                           "--bind", "127.0.0.1:5999"]
    assert api["ExitTimeOut"] > GRACEFUL
    worker = documents[str(agents_dir / "com.orchestrator.worker.2.plist")]
    assert worker["ProgramArguments"][1:] == [str(REPO / "manage.py"), "db_worker"]
    assert "--bind" not in worker["ProgramArguments"]
    # No secrets inline: they stay in the 0600 env file.
    env_file = (service_home / "orchestrator.env").read_text()
    secret = re.search(r"^SECRET_KEY=(.+)$", env_file, flags=re.M).group(1)
    assert secret not in text
    assert "DATABASE_URL" not in text and "SECRET_KEY" not in text
    # Nothing was written or loaded.
    assert not agents_dir.exists()
    assert calls(fake_managers, "launchctl") == []


@pytest.mark.django_db
def test_it_says_launchd_is_macos_only_and_points_to_install_systemd(service_home, fake_managers):
    for args in ([], ["--restart"], ["--uninstall"]):
        with pytest.raises(CommandError, match=r"macOS-only.*install_systemd"):
            call_command("install_launchd", *args, stdout=StringIO())
    assert calls(fake_managers, "launchctl") == []
    assert not (Path(os.environ["HOME"]) / "Library").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("args", [["--workers", "0"], ["--port", "70000"], ["--label-prefix", "../evil"]])
def test_it_rejects_bad_options_and_writes_nothing(service_home, fake_managers, args):
    with pytest.raises(CommandError):
        call_command("install_launchd", "--assume-macos", *args, stdout=StringIO(), stderr=StringIO())
    assert calls(fake_managers, "launchctl") == []
    assert not (Path(os.environ["HOME"]) / "Library" / "LaunchAgents").exists()


def test_it_refuses_a_plist_that_carries_a_secret_or_a_relative_program():
    job = {key: kind() for key, kind in launchd.REQUIRED_KEYS.items()}
    job.update(Label="x", ProgramArguments=["/venv/bin/python"], WorkingDirectory="/srv", RunAtLoad=True,
               KeepAlive={"SuccessfulExit": False}, ThrottleInterval=10, ExitTimeOut=30,
               StandardOutPath="/l/o", StandardErrorPath="/l/e", EnvironmentVariables={"PATH": "/usr/bin"})
    assert launchd.validate_plist(plistlib.dumps(job))["Label"] == "x"
    with pytest.raises(InvalidInput, match="SECRET_KEY"):
        launchd.validate_plist(plistlib.dumps({**job, "EnvironmentVariables": {"PATH": "/b", "SECRET_KEY": "s"}}))
    with pytest.raises(InvalidInput, match="absolute"):
        launchd.validate_plist(plistlib.dumps({**job, "ProgramArguments": ["python"]}))
    with pytest.raises(InvalidInput, match="ThrottleInterval"):
        launchd.validate_plist(plistlib.dumps({**job, "ThrottleInterval": True}))
    with pytest.raises(InvalidInput, match="Not a valid plist"):
        launchd.validate_plist(b"<plist><dict><key>Label</key>")


@pytest.mark.django_db(transaction=True)
def test_it_installs_restarts_and_uninstalls_through_launchctl(service_home, fake_managers, settings):
    out = StringIO()
    call_command("install_launchd", "--assume-macos", "--workers", "2", "--health-timeout", "90", stdout=out)

    agents_dir = Path(os.environ["HOME"]) / "Library" / "LaunchAgents"
    labels = ["com.orchestrator.api", "com.orchestrator.worker.1", "com.orchestrator.worker.2"]
    assert sorted(path.stem for path in agents_dir.iterdir()) == labels
    for path in agents_dir.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644
    domain = f"gui/{os.getuid()}"
    made = calls(fake_managers, "launchctl")
    assert [argv for argv in made if argv[0] == "bootstrap"] == [
        ["bootstrap", domain, str(agents_dir / f"{label}.plist")] for label in labels]
    assert ["enable", f"{domain}/com.orchestrator.api"] in made
    assert ["print", f"{domain}/com.orchestrator.worker.2"] in made
    first = running_jobs(fake_managers)
    assert sorted(first) == labels
    status, body = fetch_health(settings.PORT)
    assert status == 200, body
    assert "/api/health passes" in out.getvalue()

    call_command("install_launchd", "--assume-macos", "--restart", "--health-timeout", "90", stdout=StringIO())
    kicked = [argv for argv in calls(fake_managers, "launchctl") if argv[0] == "kickstart"]
    assert kicked == [["kickstart", "-k", f"{domain}/{label}"] for label in labels]
    second = running_jobs(fake_managers)
    assert sorted(second) == labels
    assert not set(first.values()) & set(second.values())

    # Reinstalling with fewer workers unloads and removes the one no longer wanted.
    call_command("install_launchd", "--assume-macos", "--workers", "1", "--health-timeout", "90", stdout=StringIO())
    assert sorted(path.stem for path in agents_dir.iterdir()) == labels[:2]
    assert sorted(running_jobs(fake_managers)) == labels[:2]

    out = StringIO()
    call_command("install_launchd", "--assume-macos", "--uninstall", stdout=out)
    assert ["bootout", f"{domain}/com.orchestrator.api"] in calls(fake_managers, "launchctl")
    assert list(agents_dir.iterdir()) == []
    assert running_jobs(fake_managers) == {}
    assert "Removed" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_it_falls_back_to_load_w_on_macos_without_bootstrap(service_home, fake_managers, monkeypatch):
    monkeypatch.setenv("FAKE_LAUNCHCTL_LEGACY", "1")
    call_command("install_launchd", "--assume-macos", "--workers", "1", "--health-timeout", "90", stdout=StringIO())
    made = calls(fake_managers, "launchctl")
    agents_dir = Path(os.environ["HOME"]) / "Library" / "LaunchAgents"
    assert ["load", "-w", str(agents_dir / "com.orchestrator.api.plist")] in made
    assert ["list", "com.orchestrator.worker.1"] in made
    assert sorted(running_jobs(fake_managers)) == ["com.orchestrator.api", "com.orchestrator.worker.1"]
    call_command("install_launchd", "--assume-macos", "--uninstall", stdout=StringIO())
    assert ["unload", "-w", str(agents_dir / "com.orchestrator.api.plist")] in calls(fake_managers, "launchctl")
    assert running_jobs(fake_managers) == {}


@pytest.mark.django_db
def test_it_says_what_to_do_when_restarting_nothing(service_home, fake_managers):
    with pytest.raises(CommandError, match="install_launchd first"):
        call_command("install_launchd", "--assume-macos", "--restart", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_exact_api_plist_program_serves_health_and_stops_within_its_exit_timeout(service_home, settings):
    plan = build_plan(workers=1)
    job = plistlib.loads(launchd.render_plists(plan, prefix="com.orchestrator")["com.orchestrator.api"])
    process = subprocess.Popen(job["ProgramArguments"], cwd=job["WorkingDirectory"], env=service_environment(job),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        def answered():
            try:
                return fetch_health(settings.PORT, timeout=2)
            except OSError:
                return None
        _, body = wait_for(answered, timeout=60, message="/api/health")
        assert body["checks"]["api"] == "ok"
        assert body["checks"]["database"] == "ok"
        # claude is found through the plist's PATH alone: CLAUDE_BIN is not in the env file.
        assert body["checks"]["claude_cli"] == "ok", body
        assert body["claude_cli_version"] == "2.1.332"
        assert (service_home / "gunicorn.pid").read_text().strip() == str(process.pid)
        assert (service_home / "logs" / "api.log").exists()
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=job["ExitTimeOut"]) == 0
        assert time.monotonic() - started < job["ExitTimeOut"]
    finally:
        stop_process(process)


@pytest.mark.django_db(transaction=True)
def test_the_exact_worker_plist_program_starts_and_exits_cleanly_on_sigterm(service_home):
    plan = build_plan(workers=1)
    job = plistlib.loads(launchd.render_plists(plan, prefix="com.orchestrator")["com.orchestrator.worker.1"])
    process = subprocess.Popen(job["ProgramArguments"], cwd=job["WorkingDirectory"], env=service_environment(job),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    log = Path(job["EnvironmentVariables"]["ORCHESTRATOR_HOME"]) / "logs" / "worker.1.log"
    try:
        wait_for(lambda: log.exists() and "Starting worker" in log.read_text(), timeout=60,
                   message="the worker's start line in worker.1.log")
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=job["ExitTimeOut"]) == 0
    finally:
        stop_process(process)
