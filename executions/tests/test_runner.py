"""The runner, run in this process against the fake CLI as a real subprocess."""

from __future__ import annotations

import json
import os
import stat

import pytest

from executions import services
from executions.models import Execution
from executions.tests.conftest import pid_alive, wait_for

pytestmark = pytest.mark.django_db


def run(agent, task: str, **options) -> Execution:
    execution = services.start_execution(agent=agent, task=task, enqueue=False, **options)
    assert services.run_queued(execution_id=execution.pk) == [execution.pk]
    execution.refresh_from_db()
    return execution


def event_types(execution: Execution) -> list[str]:
    return list(execution.events.values_list("type", flat=True))


def test_it_stores_the_result_and_usage_of_a_successful_run(make_agent, fake_claude):
    execution = run(make_agent("devops"), "Check the disk [[fake:success]]")

    assert execution.status == Execution.Status.SUCCEEDED
    assert execution.result == "Done: the task is complete."
    assert execution.is_error is False
    assert execution.subtype == "success"
    assert execution.exit_code == 0
    assert execution.num_turns == 2
    assert execution.input_tokens == 12 + len("Check the disk [[fake:success]]") // 4
    assert execution.output_tokens == 19
    assert execution.cache_read_tokens == 2000
    assert execution.cache_creation_tokens == 100
    assert execution.total_cost_usd > 0
    assert len(execution.session_id) == 36
    assert execution.started_at <= execution.finished_at
    assert execution.error_message == ""
    assert event_types(execution) == ["orchestrator", "system/init", "assistant", "assistant", "user", "assistant",
                                      "result"]
    assert list(execution.events.values_list("seq", flat=True)) == list(range(1, 8))
    assert execution.last_seq == 7


def test_it_marks_an_error_result_failed_with_the_cli_text(make_agent, fake_claude):
    execution = run(make_agent("devops"), "[[fake:error]]")

    assert execution.status == Execution.Status.FAILED
    assert execution.is_error is True
    assert execution.exit_code == 1
    assert execution.result == "API Error: 500 Internal server error"


def test_it_keeps_the_errors_of_an_error_subtype(make_agent, fake_claude):
    execution = run(make_agent("devops"), "[[fake:max-turns]]", max_turns=1)

    assert execution.status == Execution.Status.FAILED
    assert execution.subtype == "error_max_turns"
    assert execution.errors == ["Reached maximum number of turns (1)"]
    assert execution.argv[-2:] == ["--max-turns", "1"]


def test_it_fails_a_run_that_ends_without_a_result_and_says_why(make_agent, fake_claude):
    execution = run(make_agent("devops"), "[[fake:no-result]]")

    assert execution.status == Execution.Status.FAILED
    assert execution.exit_code == 2
    assert execution.error_message == ("The CLI exited with code 2 without a result. Last stderr line: Error: the fake "
                                       "CLI crashed on purpose (no-result scenario)")
    assert "stderr" in event_types(execution)


def test_it_fails_with_install_advice_when_the_cli_is_missing(make_agent, settings, tmp_path):
    settings.CLAUDE_BIN = str(tmp_path / "no-such-claude")
    execution = run(make_agent("devops"), "Anything")

    assert execution.status == Execution.Status.FAILED
    assert "was not found" in execution.error_message
    assert "CLAUDE_BIN" in execution.error_message
    assert execution.pid is None


def test_it_fails_with_advice_when_the_cli_is_not_executable(make_agent, settings, tmp_path):
    binary = tmp_path / "claude"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(stat.S_IRUSR | stat.S_IWUSR)
    settings.CLAUDE_BIN = str(binary)
    execution = run(make_agent("devops"), "Anything")

    assert execution.status == Execution.Status.FAILED
    assert "not executable" in execution.error_message


def test_it_passes_the_task_byte_for_byte_on_stdin_and_keeps_argv_fixed(make_agent, fake_claude, tmp_path):
    record = tmp_path / "record.json"
    task = ("--model opus; rm -rf / && echo $(id) `uname` | tee >x 'q' \"d\" \\ \n-p --help\n"
            f"[[fake:echo record={record}]]")
    execution = run(make_agent("devops"), task)

    seen = json.loads(record.read_text())
    assert seen["stdin"] == task
    assert seen["argv"][1:] == ["--print", "--output-format", "stream-json", "--verbose"]
    assert execution.argv == [str(fake_claude), "--print", "--output-format", "stream-json", "--verbose"]
    assert execution.result == task
    assert seen["cwd"] == str(services.safe_agent_path("devops"))


def test_it_gives_the_cli_no_service_secret(make_agent, fake_claude, tmp_path, monkeypatch, settings):
    monkeypatch.setenv("SECRET_KEY", "top-secret-key")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db/x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("EXTRA_FOR_CLAUDE", "yes")
    settings.CLAUDE_ENV_PASSTHROUGH = ["EXTRA_FOR_CLAUDE", "SECRET_KEY"]
    record = tmp_path / "record.json"
    run(make_agent("devops"), f"[[fake:success record={record}]]")

    env = json.loads(record.read_text())["env"]
    assert "SECRET_KEY" not in env
    assert "DATABASE_URL" not in env
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["ANTHROPIC_API_KEY"] == "sk-ant-test"
    assert env["EXTRA_FOR_CLAUDE"] == "yes"
    assert env["PATH"].endswith(os.environ["PATH"])  # a pyenv shim may prepend to it
    assert not any("secret" in value for value in env.values())


def test_it_builds_flags_from_agent_settings_and_validated_options(make_agent, fake_claude, tmp_path):
    agent = make_agent("devops", model="sonnet", permission_mode="acceptEdits", allowed_tools=["Bash(git:*)", "Read"],
                       disallowed_tools=["WebFetch"])
    record = tmp_path / "record.json"
    session = "0b6f7c1e-8a8e-4bb4-9b51-2f3c0d6f5a11"
    execution = run(agent, f"[[fake:success record={record}]]", model="opus", max_turns=3,
                    resume_session_id=session)

    expected = [str(fake_claude), "--print", "--output-format", "stream-json", "--verbose", "--model", "opus",
                "--max-turns", "3", "--permission-mode", "acceptEdits", "--allowedTools", "Bash(git:*)", "Read",
                "--disallowedTools", "WebFetch", f"--resume={session}"]
    assert execution.argv == expected
    assert json.loads(record.read_text())["argv"] == expected
    assert execution.status == Execution.Status.SUCCEEDED
    assert execution.session_id == session


def test_it_keeps_non_json_lines_as_raw_events(make_agent, fake_claude):
    execution = run(make_agent("devops"), "[[fake:raw]]")

    raw = [event.payload["text"] for event in execution.events.filter(type="raw")]
    assert raw == ["Loading plugins...", "\x1b[33mwarning:\x1b[0m not json {"]
    assert execution.status == Execution.Status.SUCCEEDED


def test_it_records_permission_denials(make_agent, fake_claude):
    execution = run(make_agent("devops"), "[[fake:permission-denied name=x.txt]]")

    assert execution.status == Execution.Status.SUCCEEDED
    assert [denial["tool_name"] for denial in execution.permission_denials] == ["Write"]
    assert "system/permission_denied" in event_types(execution)


def test_it_times_out_and_leaves_no_process_of_the_group(make_agent, fake_claude, tmp_path):
    pidfile = tmp_path / "pids"
    execution = run(make_agent("devops"), f"[[fake:hang grandchild=1 pidfile={pidfile}]]", timeout=1)

    cli_pid, grandchild = (int(value) for value in pidfile.read_text().split())
    assert execution.status == Execution.Status.TIMED_OUT
    # SIGINT first: the CLI wrote its result with the usage so far.
    assert execution.subtype == "error_during_execution"
    assert execution.total_cost_usd is not None
    assert execution.error_message == "Timed out after 1 s: run stopped."
    wait_for(lambda: not pid_alive(cli_pid) and not pid_alive(grandchild), timeout=5, message="the group to die")


def test_it_kills_a_cli_that_ignores_sigint_and_sigterm(make_agent, fake_claude, tmp_path):
    pidfile = tmp_path / "pids"
    execution = run(make_agent("devops"), f"[[fake:hang-ignore-term grandchild=1 pidfile={pidfile}]]", timeout=1)

    cli_pid, grandchild = (int(value) for value in pidfile.read_text().split())
    assert execution.status == Execution.Status.TIMED_OUT
    assert execution.exit_code == -9
    assert execution.subtype == ""
    assert not pid_alive(cli_pid)
    wait_for(lambda: not pid_alive(grandchild), timeout=5, message="the grandchild to die")


def test_it_kills_the_grandchildren_a_successful_run_leaves(make_agent, fake_claude, tmp_path):
    pidfile = tmp_path / "pids"
    execution = run(make_agent("devops"), f"[[fake:grandchild pidfile={pidfile}]]")

    grandchild = int(pidfile.read_text().split()[1])
    assert execution.status == Execution.Status.SUCCEEDED
    wait_for(lambda: not pid_alive(grandchild), timeout=5, message="the grandchild to die")


def test_it_cuts_output_past_the_cap_and_still_reads_the_result(make_agent, fake_claude, settings):
    settings.EXECUTION_OUTPUT_LIMIT = 256 * 1024
    execution = run(make_agent("devops"), f"[[fake:huge size={4 * 1024 * 1024}]]")

    assert execution.truncated is True
    assert execution.output_bytes <= 256 * 1024 + 4096
    assert execution.status == Execution.Status.SUCCEEDED
    assert execution.result == f"Printed {4 * 1024 * 1024} bytes."
    assert "discarded" in execution.events.filter(type="orchestrator").last().payload["message"]


def test_it_drops_a_single_line_larger_than_the_cap(make_agent, fake_claude, settings):
    settings.EXECUTION_OUTPUT_LIMIT = 256 * 1024
    execution = run(make_agent("devops"), f"[[fake:huge line=1 size={20 * 1024 * 1024}]]")

    assert execution.truncated is True
    assert execution.status == Execution.Status.SUCCEEDED
    assert execution.output_bytes < 256 * 1024
    assert "assistant" not in event_types(execution)


def test_it_runs_a_write_file_task_in_the_agent_folder(make_agent, fake_claude, agents_root):
    execution = run(make_agent("devops"), "[[fake:write-file name=notes.txt content=hello]]")

    assert execution.status == Execution.Status.SUCCEEDED
    assert (agents_root / "devops" / "notes.txt").read_text() == "hello\n"


def test_it_fails_a_run_whose_output_was_cut_even_with_exit_0(make_agent, fake_claude):
    # The real CLI can cut its output at 64 KiB and still exit 0: no result line means no success.
    execution = run(make_agent("devops"), "[[fake:truncate-64k]]")

    assert execution.exit_code == 0
    assert execution.status == Execution.Status.FAILED
    assert "without a result" in execution.error_message
    assert event_types(execution)[-1] == "raw"
