"""App logs: one file per process role under $ORCHESTRATOR_HOME/logs, rotated by size with N kept,
optionally JSON lines, and nothing on stderr when a service turns the console off."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from orchestrator_site.tests.servicekit import REPO

SCRIPT = "import logging\nfor n in range(300): logging.getLogger('orchestrator.test').warning('line %d of the test', n)"


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "manage.py"), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def log_env(service_env, tmp_path) -> dict[str, str]:
    home = tmp_path / "log-home"
    return {**service_env, "ORCHESTRATOR_HOME": str(home), "ORCHESTRATOR_ENV_FILE": str(home / "none")}


def test_it_writes_rotated_json_lines_to_the_file_of_its_role(log_env, tmp_path):
    env = {**log_env, "ORCHESTRATOR_LOG_NAME": "worker.7", "LOG_FORMAT": "json", "LOG_FILE_MAX_BYTES": "4096",
           "LOG_FILE_BACKUPS": "2", "LOG_TO_CONSOLE": "false"}
    done = run_manage(env, "shell", "-c", SCRIPT)
    assert done.returncode == 0, done.stderr
    assert "line 299" not in done.stderr
    logs = tmp_path / "log-home" / "logs"
    assert sorted(path.name for path in logs.glob("worker.7.log*")) == ["worker.7.log", "worker.7.log.1",
                                                                        "worker.7.log.2"]
    for path in logs.glob("worker.7.log*"):
        assert path.stat().st_size <= 4096
    entries = [json.loads(line) for line in (logs / "worker.7.log").read_text().splitlines()]
    assert entries[-1]["message"] == "line 299 of the test"
    assert set(entries[-1]) == {"time", "level", "logger", "pid", "message"}
    assert entries[-1]["level"] == "WARNING" and entries[-1]["logger"] == "orchestrator.test"
    assert not (logs / "orchestrator.log").exists()


def test_it_logs_text_to_the_console_and_the_default_file_unless_told_otherwise(log_env, tmp_path):
    done = run_manage(log_env, "shell", "-c", SCRIPT)
    assert done.returncode == 0, done.stderr
    assert "WARNING orchestrator.test" in done.stderr and "line 299 of the test" in done.stderr
    text = (tmp_path / "log-home" / "logs" / "orchestrator.log").read_text()
    assert text.splitlines()[-1].endswith("line 299 of the test")


@pytest.mark.parametrize("name", ["../escape", ".hidden", "a/b"])
def test_it_refuses_a_log_name_that_is_not_a_plain_file_name(log_env, tmp_path, name):
    done = run_manage({**log_env, "ORCHESTRATOR_LOG_NAME": name}, "check")
    assert done.returncode != 0
    assert "ORCHESTRATOR_LOG_NAME" in done.stderr
    assert not (tmp_path / "escape.log").exists() and not (tmp_path / "log-home" / "logs" / "a").exists()
