"""The fake `claude` behaves like the real CLI where our code and the other helpers' tests rely on it."""

from __future__ import annotations

import json
import signal
import subprocess

from executions.tests.conftest import FAKE_CLAUDE

STREAM = ["--print", "--output-format", "stream-json", "--verbose"]


def fake(*args: str, stdin: str = "hello") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FAKE_CLAUDE), *args], input=stdin, capture_output=True, text=True, timeout=30,
                          check=False)


def events(done: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_it_prints_its_version():
    done = fake("--version")
    assert (done.returncode, done.stdout) == (0, "2.1.332 (Claude Code)\n")


def test_it_refuses_unknown_flags_and_bad_choices_like_the_cli():
    assert fake("--print", "--no-such-flag").stderr == "error: unknown option '--no-such-flag'\n"
    bad = fake("--print", "--output-format", "bogus")
    assert bad.returncode == 1
    assert "argument 'bogus' is invalid. Allowed choices are text, json, stream-json." in bad.stderr
    unverbose = fake("--print", "--output-format", "stream-json")
    assert (unverbose.returncode, unverbose.stderr) == (
        1, "Error: When using --print, --output-format=stream-json requires --verbose\n")
    assert "Invalid session ID" in fake(*STREAM, "--resume=not-a-uuid").stderr
    assert "Input must be provided" in fake(*STREAM, stdin="").stderr


def test_it_streams_one_line_per_block_and_ends_with_the_result():
    done = fake(*STREAM)
    kinds = [(event["type"], event.get("subtype")) for event in events(done)]
    assert kinds == [("system", "init"), ("assistant", None), ("assistant", None), ("user", None),
                     ("assistant", None), ("result", "success")]
    result = events(done)[-1]
    assert result["is_error"] is False
    assert result["num_turns"] == 2
    assert set(result["usage"]) >= {"input_tokens", "output_tokens", "cache_read_input_tokens",
                                    "cache_creation_input_tokens"}


def test_it_picks_the_scenario_from_the_task_then_the_environment():
    assert fake(*STREAM, stdin="[[fake:error]]").returncode == 1
    env_run = subprocess.run([str(FAKE_CLAUDE), *STREAM], input="plain", capture_output=True, text=True, timeout=30,
                             env={"PATH": "/usr/bin:/bin", "FAKE_CLAUDE_SCENARIO": "max-turns"}, check=False)
    assert json.loads(env_run.stdout.splitlines()[-1])["subtype"] == "error_max_turns"


def test_it_answers_sigint_with_a_result_and_sigterm_with_143():
    for signum, code in ((signal.SIGINT, 0), (signal.SIGTERM, 143)):
        process = subprocess.Popen([str(FAKE_CLAUDE), *STREAM], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True)
        process.stdin.write("[[fake:hang]]")
        process.stdin.close()
        # init comes after its handlers are set: the signal is handled as the scenario says.
        assert json.loads(process.stdout.readline())["subtype"] == "init"
        process.send_signal(signum)
        rest = process.stdout.read()
        assert process.wait(timeout=10) == code
        if signum == signal.SIGINT:
            assert json.loads(rest.splitlines()[-1])["subtype"] == "error_during_execution"
        else:
            assert rest == ""


def test_it_prints_only_the_result_object_in_json_mode():
    done = fake("--print", "--output-format", "json")
    body = json.loads(done.stdout)
    assert list(body)[-1] == "type"
    assert body["result"] == "Done: the task is complete."
