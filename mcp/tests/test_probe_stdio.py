"""The stdio probe against our fake server's edge cases: every failure says which step failed,
within the deadline, without secrets, and no process outlives the probe."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from mcp.config import Entry
from mcp.services import probe_entry
from mcp.tests.conftest import FAKE_SERVER, wait_gone


def fake(*args: str, env: dict[str, str] | None = None) -> Entry:
    return Entry(name="fake", transport="stdio", command=sys.executable, args=(str(FAKE_SERVER), *args),
                 env=env or {})


def probe(entry: Entry, tmp_path: Path, timeout: float = 5, environ: dict[str, str] | None = None):
    started = time.monotonic()
    result = probe_entry(entry=entry, cwd=tmp_path, timeout=timeout,
                         environ={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)} if environ is None else environ)
    return result, time.monotonic() - started


def test_it_reports_name_version_protocol_and_tools(tmp_path):
    result, _ = probe(fake("--tools", "deploy,rollback"), tmp_path)
    assert (result.status, result.server_name, result.server_version, result.protocol_version, result.tools,
            result.error) == ("ok", "fake-mcp", "9.9.9", "2025-11-25", ["deploy", "rollback"], "")
    assert result.latency_ms is not None and result.latency_ms >= 0


def test_it_follows_next_cursor_through_every_page(tmp_path):
    result, _ = probe(fake("--tools", "a,b,c,d,e", "--page-size", "2"), tmp_path)
    assert result.tools == ["a", "b", "c", "d", "e"]


def test_it_answers_the_servers_ping_and_ignores_its_notifications(tmp_path):
    result, _ = probe(fake("--mode", "ping-first"), tmp_path)
    assert (result.status, result.tools) == ("ok", ["alpha", "beta"])


def test_a_hanging_server_fails_at_initialize_within_the_deadline(tmp_path):
    result, took = probe(fake("--mode", "hang"), tmp_path, timeout=1.5)
    assert result.status == "error"
    assert result.error == "initialize: no answer within 1.5 s (the server said nothing)"
    assert took < 1.5 + 3  # the deadline, plus the bounded clean-up of the process group


def test_a_server_printing_garbage_fails_and_shows_what_it_printed(tmp_path):
    result, _ = probe(fake("--mode", "garbage"), tmp_path, timeout=1.5)
    assert result.status == "error"
    assert result.error == ("initialize: no answer within 1.5 s (it wrote non-JSON-RPC output on stdout: "
                            "'Listening on stdio... ready!')")


def test_a_server_that_exits_at_once_fails_with_its_exit_code_and_stderr(tmp_path):
    result, took = probe(fake("--mode", "exit", "--stderr", "fatal: no config"), tmp_path)
    assert result.status == "error"
    assert result.error.startswith("initialize failed: the server exited with code 3 (stderr: fatal: no config")
    assert took < 3


def test_a_slow_server_within_the_deadline_is_ok(tmp_path):
    result, _ = probe(fake("--mode", "slow", "--delay", "0.3"), tmp_path, timeout=5)
    assert (result.status, result.tools) == ("ok", ["alpha", "beta"])


def test_a_server_too_slow_for_the_deadline_fails_at_the_step_it_reached(tmp_path):
    result, _ = probe(fake("--mode", "slow", "--delay", "0.8"), tmp_path, timeout=1.2)
    assert result.status == "error"
    assert result.error.startswith("tools/list: no answer within 1.2 s")
    assert result.server_name == "fake-mcp"


def test_a_json_rpc_error_and_an_unknown_protocol_are_clear(tmp_path):
    refused, _ = probe(fake("--mode", "error"), tmp_path)
    old, _ = probe(fake("--mode", "old"), tmp_path)
    assert refused.error == "initialize failed: the server answered error -32603: license expired"
    assert old.error.startswith("initialize failed: the server speaks protocol version '1999-01-01'")


def test_a_missing_command_fails_at_start(tmp_path):
    result, _ = probe(Entry(name="x", transport="stdio", command="no-such-mcp-server-binary"), tmp_path)
    assert (result.status, result.error) == ("error", "start failed: command not found: no-such-mcp-server-binary")


def test_it_leaves_no_process_behind_a_server_ignoring_eof_and_sigterm(tmp_path):
    pid_file = tmp_path / "pids"
    result, took = probe(fake("--ignore-eof", "--ignore-term", "--grandchild", "--pid-file", str(pid_file)),
                         tmp_path)
    assert result.status == "ok"
    pids = [int(line) for line in pid_file.read_text().split()]
    assert len(pids) == 2
    assert wait_gone(pids) == []
    assert took < 5


def test_it_leaves_no_process_behind_a_hanging_server(tmp_path):
    pid_file = tmp_path / "pids"
    result, _ = probe(fake("--mode", "hang", "--ignore-term", "--grandchild", "--pid-file", str(pid_file)),
                      tmp_path, timeout=1)
    assert result.status == "error"
    assert wait_gone([int(line) for line in pid_file.read_text().split()]) == []


def test_the_server_gets_a_minimal_environment_plus_its_own_expanded_env(tmp_path):
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SERVICE_ONLY": "leak", "REGION": "eu"}
    seen, _ = probe(fake("--mode", "exit", "--stderr-env", "SERVICE_ONLY"), tmp_path, environ=environ)
    assert "starting with SERVICE_ONLY=\n" in seen.error
    assert "leak" not in seen.error
    given, _ = probe(fake("--mode", "exit", "--stderr-env", "ZONE", env={"ZONE": "${REGION}-${AZ:-a}"}), tmp_path,
                     environ=environ)
    assert "starting with ZONE=[redacted]" in given.error  # an env value is a secret, even this one
    plain, _ = probe(fake("--mode", "exit", "--stderr-env", "HOME"), tmp_path, environ=environ)
    assert f"starting with HOME={tmp_path}" in plain.error


def test_a_missing_variable_fails_before_starting_anything(tmp_path):
    pid_file = tmp_path / "pids"
    result, _ = probe(fake("--pid-file", str(pid_file), env={"TOKEN": "${NOT_SET_ANYWHERE}"}), tmp_path)
    assert result.status == "error"
    assert result.error.startswith("configuration: missing environment variables: NOT_SET_ANYWHERE")
    assert not pid_file.exists()


@pytest.mark.parametrize("secret_in", ["env", "service"])
def test_secret_values_are_redacted_from_stderr_in_the_error(tmp_path, secret_in):
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VAULT_TOKEN": "hunter2-from-vault"}
    value = "hunter2-literal" if secret_in == "env" else "${VAULT_TOKEN}"
    result, _ = probe(fake("--mode", "hang", "--stderr-env", "API_TOKEN", env={"API_TOKEN": value}), tmp_path,
                      timeout=1, environ=environ)
    assert "starting with API_TOKEN=[redacted]" in result.error
    assert "hunter2" not in result.error
