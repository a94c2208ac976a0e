"""install_systemd: user units that follow every rule, and the real systemctl flows against a fake
systemctl that starts the units the way systemd would."""

from __future__ import annotations

import os
import re
import runpy
import shlex
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orchestrator_site import systemd
from orchestrator_site.deployment import fetch_health
from orchestrator_site.tests.servicekit import REPO, calls, running_jobs

GRACEFUL = runpy.run_path(str(REPO / "deploy" / "gunicorn.conf.py"))["graceful_timeout"]


def parse_units(text: str) -> dict[str, dict[str, list[str]]]:
    units = {}
    for match in re.finditer(r"^# (/\S+\.service)\n(.*?)(?=^# /|^# instances|\Z)", text, flags=re.S | re.M):
        entries: dict[str, list[str]] = {}
        for line in match.group(2).splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                entries.setdefault(key, []).append(value)
        units[Path(match.group(1)).name] = entries
    return units


@pytest.mark.django_db
def test_it_prints_an_api_unit_and_a_worker_template_following_every_rule(service_home, fake_managers, settings):
    out = StringIO()
    call_command("install_systemd", "--dry-run", "--workers", "3", "--port", "5998", stdout=out, stderr=StringIO())
    text = out.getvalue()

    units = parse_units(text)
    assert list(units) == ["orchestrator-api.service", "orchestrator-worker@.service"]
    instances = ", ".join(f"orchestrator-worker@{n}.service" for n in (1, 2, 3))
    assert f"# instances: {instances}" in text
    for name, unit in units.items():
        argv = shlex.split(unit["ExecStart"][0])
        assert argv[0] == str(Path(sys.prefix) / "bin" / "python")
        assert unit["WorkingDirectory"] == [str(REPO)]
        assert unit["EnvironmentFile"] == [str(service_home / "orchestrator.env")]
        assert unit["Restart"] == ["on-failure"]
        assert unit["KillMode"] == ["mixed"]
        assert unit["WantedBy"] == ["default.target"]
        env = dict(shlex.split(value)[0].split("=", 1) for value in unit["Environment"])
        assert set(env) <= systemd.ALLOWED_VARIABLES
        path = env["PATH"].split(os.pathsep)
        assert str(Path(settings.CLAUDE_BIN).parent) in path
        assert path[-4:] == ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        assert env["ORCHESTRATOR_HOME"] == str(service_home)
        assert env["LOG_TO_CONSOLE"] == "false"
        systemd.validate_unit(name, "\n".join(f"{key}={value}" for key, values in unit.items() for value in values))
    api, worker = units["orchestrator-api.service"], units["orchestrator-worker@.service"]
    conf = str(REPO / "deploy" / "gunicorn.conf.py")
    assert shlex.split(api["ExecStart"][0])[1:] == ["-m", "gunicorn", "--config", conf, "--bind", "127.0.0.1:5998"]
    assert int(api["TimeoutStopSec"][0]) > GRACEFUL
    assert api["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert shlex.split(worker["ExecStart"][0])[1:] == [str(REPO / "manage.py"), "db_worker"]
    assert 'Environment="ORCHESTRATOR_LOG_NAME=worker.%i"' in text
    secret = re.search(r"^SECRET_KEY=(.+)$", (service_home / "orchestrator.env").read_text(), flags=re.M).group(1)
    assert secret not in text
    assert calls(fake_managers, "systemctl") == []
    assert not systemd.unit_dir().exists()


def test_it_quotes_paths_with_spaces_percent_and_dollar_signs():
    assert systemd.quote("/Users/a b/100%/$HOME", command=True) == '"/Users/a b/100%%/$$HOME"'
    assert systemd.quote('say "hi"\\') == '"say \\"hi\\"\\\\"'


def test_it_refuses_a_unit_that_carries_a_secret():
    text = ('ExecStart="/venv/bin/python" x\nWorkingDirectory=/srv\nEnvironmentFile=/h/e\nRestart=on-failure\n'
            'TimeoutStopSec=30\nWantedBy=default.target\n')
    systemd.validate_unit("ok.service", text)
    with pytest.raises(systemd.InvalidInput, match="SECRET_KEY"):
        systemd.validate_unit("bad.service", text + 'Environment="SECRET_KEY=abc"\n')
    with pytest.raises(systemd.InvalidInput, match="EnvironmentFile"):
        systemd.validate_unit("bad.service", text.replace("EnvironmentFile=/h/e\n", ""))


@pytest.mark.django_db(transaction=True)
def test_it_installs_restarts_and_uninstalls_through_systemctl(service_home, fake_managers, settings):
    out = StringIO()
    call_command("install_systemd", "--workers", "2", "--health-timeout", "90", stdout=out, stderr=StringIO())

    units = ["orchestrator-api.service", "orchestrator-worker@1.service", "orchestrator-worker@2.service"]
    made = calls(fake_managers, "systemctl")
    assert made[:3] == [["--user", "daemon-reload"], ["--user", "enable", *units], ["--user", "restart", *units]]
    assert sorted(p.name for p in systemd.unit_dir().glob("*.service")) == [
        "orchestrator-api.service", "orchestrator-worker@.service"]
    assert sorted(p.name for p in systemd.wants_dir().iterdir()) == units
    first = running_jobs(fake_managers)
    assert sorted(first) == units
    status, body = fetch_health(settings.PORT)
    assert status == 200, body
    assert "loginctl enable-linger" in out.getvalue() or systemd.lingering()

    call_command("install_systemd", "--restart", "--health-timeout", "90", stdout=StringIO())
    assert calls(fake_managers, "systemctl")[-1] == ["--user", "restart", *units]
    second = running_jobs(fake_managers)
    assert sorted(second) == units and not set(first.values()) & set(second.values())

    call_command("install_systemd", "--workers", "1", "--health-timeout", "90", stdout=StringIO(), stderr=StringIO())
    assert ["--user", "disable", "--now", "orchestrator-worker@2.service"] in calls(fake_managers, "systemctl")
    assert sorted(running_jobs(fake_managers)) == units[:2]
    assert sorted(p.name for p in systemd.wants_dir().iterdir()) == units[:2]

    call_command("install_systemd", "--uninstall", stdout=StringIO())
    assert calls(fake_managers, "systemctl")[-2:] == [
        ["--user", "disable", "--now", *units[:2]], ["--user", "daemon-reload"]]
    assert list(systemd.unit_dir().glob("*.service")) == []
    assert running_jobs(fake_managers) == {}


@pytest.mark.django_db
def test_it_says_what_to_do_when_restarting_nothing(service_home, fake_managers):
    with pytest.raises(CommandError, match="install_systemd first"):
        call_command("install_systemd", "--restart", stdout=StringIO())
    assert calls(fake_managers, "systemctl") == []


@pytest.mark.django_db
def test_it_explains_a_missing_systemctl(service_home, fake_managers, monkeypatch, tmp_path):
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(CommandError, match="systemctl was not found"):
        call_command("install_systemd", "--health-timeout", "1", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_it_warns_about_a_setting_the_shell_has_but_the_env_file_lacks(service_home, fake_managers, monkeypatch):
    monkeypatch.setenv("EXECUTION_TIMEOUT", "900")
    err = StringIO()
    call_command("install_systemd", "--dry-run", stdout=StringIO(), stderr=err)
    env_file = service_home / "orchestrator.env"
    assert f"Warning: EXECUTION_TIMEOUT is set in this shell but not in {env_file}" in err.getvalue()
    # SECRET_KEY is set in this shell too, but the env file has it: no warning.
    assert "SECRET_KEY" not in err.getvalue()
